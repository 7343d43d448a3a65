import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalRuntime, LocalRuntimeOptions } from '../../local/runtime';
import { waitUntil } from './client';

const ROOT = join(import.meta.dirname, '..', '..');

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

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
