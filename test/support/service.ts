import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalRuntime, LocalRuntimeOptions } from '../../local/runtime';
import { waitUntil } from './client';

const ROOT = join(import.meta.dirname, '..', '..');

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/**
 * A port for a service a test restarts on the same port (after a kill -9). It is taken below
 * the kernel's ephemeral range (32768 and up on Linux), in this test worker's own slice of 500:
 * with two test files running at once, a port picked from the ephemeral range and let go could
 * be handed to the other file's listen(0) between a kill and the restart (CI saw the restarted
 * service's requests answered by another file's server).
 */
export const freePort = async (): Promise<number> => {
  const slice = Number(process.env.VITEST_POOL_ID ?? 1) % 20;
  for (;;) {
    const port = 20_000 + slice * 500 + Math.floor(Math.random() * 500);
    if (await isFree(port)) return port;
  }
};

/**
 * `npm start`'s entry point as a separate process, so a test can kill it for real. Its output
 * goes to pipes this test owns (stderr kept for a failure's message), never to the runner's
 * own streams, which a leaked child would otherwise hold open.
 */
export const startService = async (env: Record<string, string>, capture?: { output: string }): Promise<ChildProcess> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: ROOT,
    env: { HOOKPOST_STALE_READS_MS: '1000', ...process.env, ...env },
    stdio: ['ignore', capture ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    if (capture) capture.output += chunk.toString();
  });
  // Everything the service prints, both streams, when the test asked for it.
  child.stdout?.on('data', (chunk: Buffer) => {
    if (capture) capture.output += chunk.toString();
  });
  child.once('exit', (code, signal) => {
    if (code) console.error(`local service exited with ${code} (${signal ?? 'no signal'}):\n${stderr}`);
  });
  await waitUntil(
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${env.HOOKPOST_PORT}/health`)).status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    },
    30_000,
    'the service to start',
  );
  return child;
};

export const kill9 = async (child: ChildProcess) => {
  child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
};

/** The local runtime in-process on a fresh data directory, as most end-to-end files start it. */
export const startTestRuntime = async (
  name: string,
  options: Omit<LocalRuntimeOptions, 'dataDir'>,
): Promise<LocalRuntime> => {
  // Loaded on demand: files that only spawn the service never load the runtime themselves.
  const { startLocalRuntime } = await import('../../local/runtime');
  // Every end-to-end file runs with DynamoDB's eventual consistency rehearsed: eventually
  // consistent reads miss what was written in the last second.
  return startLocalRuntime({ dataDir: mkdtempSync(join(tmpdir(), `hookpost-${name}-`)), staleReadsMs: 1_000, ...options });
};
