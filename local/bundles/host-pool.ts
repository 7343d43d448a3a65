import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { BundledFunction } from './synth';

const HOST = join(import.meta.dirname, 'lambda-host.mjs');

/** An error a bundled function's invocation ended with, as Lambda reports it. */
export class InvocationError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = errorType;
  }
}

interface Host {
  child: ChildProcess;
  busy: boolean;
}

type Reply = { kind: 'ready' } | { kind: 'init-error'; error: { name: string; message: string } } | { kind: 'result'; id: string; result?: unknown; error?: { name: string; message: string } };

/**
 * Runs a bundled function as Lambda runs it: each execution environment is a process of its
 * own that imports the bundle once (a cold start) and then handles one invocation at a time;
 * a new one starts when every existing one is busy. An invocation longer than the function's
 * timeout kills its environment (`Task timed out after N seconds`), as on Lambda.
 */
export const createHostPool = (fn: BundledFunction, env: Record<string, string>, options: { onOutput?: (line: string) => void } = {}) => {
  const major = /^nodejs(\d+)\.x$/.exec(fn.runtime)?.[1];
  if (major !== process.versions.node.split('.')[0]) {
    throw new Error(`${fn.name} runs on ${fn.runtime} on Lambda; this is Node ${process.versions.node} (npm scripts put the node@24 package's binary first)`);
  }
  const hosts = new Set<Host>();
  let stopped = false;

  const start = (): Promise<Host> =>
    new Promise((resolve, reject) => {
      const child = fork(HOST, [fn.dir, fn.handler], {
        env: { ...env, LAMBDA_TASK_ROOT: fn.dir, _HANDLER: fn.handler, AWS_LAMBDA_FUNCTION_NAME: `hookpost-${fn.name}`, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb), AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}` },
        execArgv: [],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      let tail = '';
      const output = (chunk: Buffer) => {
        const text = chunk.toString();
        tail = (tail + text).slice(-4000);
        for (const line of text.split('\n').filter(Boolean)) options.onOutput?.(line);
      };
      child.stdout!.on('data', output);
      child.stderr!.on('data', output);
      const host: Host = { child, busy: true };
      child.once('message', (reply: Reply) => {
        if (reply.kind === 'ready') {
          hosts.add(host);
          resolve(host);
        } else reject(new InvocationError('Runtime.ImportModuleError', `${fn.name}: ${'error' in reply ? reply.error?.message : 'no reply'}`));
      });
      child.once('exit', (code) => {
        hosts.delete(host);
        reject(new InvocationError('Runtime.ExitError', `${fn.name} exited with ${code} before it was ready:\n${tail}`));
      });
    });

  const acquire = async (): Promise<Host> => {
    for (const host of hosts) {
      if (!host.busy) {
        host.busy = true;
        return host;
      }
    }
    return start();
  };

  return {
    async invoke(event: unknown): Promise<unknown> {
      if (stopped) throw new Error(`${fn.name}: the host pool is stopped`);
      const host = await acquire();
      const id = randomUUID();
      const timeoutMs = fn.timeoutSeconds * 1000;
      const context = { functionName: `hookpost-${fn.name}`, functionVersion: '$LATEST', memoryLimitInMB: String(fn.memoryMb), awsRequestId: id, invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:hookpost-${fn.name}`, logGroupName: `/aws/lambda/hookpost-${fn.name}`, logStreamName: 'local', remainingMs: timeoutMs };
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          host.child.off('message', onMessage);
          host.child.off('exit', onExit);
        };
        const onMessage = (reply: Reply) => {
          if (reply.kind !== 'result' || reply.id !== id) return;
          done();
          host.busy = false;
          if (reply.error) reject(new InvocationError(reply.error.name, reply.error.message));
          else resolve(reply.result);
        };
        const onExit = (code: number | null) => {
          done();
          hosts.delete(host);
          reject(new InvocationError('Runtime.ExitError', `${fn.name}: the execution environment exited (${code}) during the invocation`));
        };
        const timer = setTimeout(() => {
          done();
          hosts.delete(host);
          host.child.kill('SIGKILL');
          reject(new InvocationError('Sandbox.Timedout', `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`));
        }, timeoutMs);
        host.child.on('message', onMessage);
        host.child.once('exit', onExit);
        host.child.send({ id, event, context });
      });
    },
    /** How many execution environments are running. */
    size: () => hosts.size,
    async stop() {
      stopped = true;
      await Promise.all(
        [...hosts].map(
          ({ child }) =>
            new Promise<void>((r) => {
              if (child.exitCode !== null || child.signalCode !== null) return r();
              child.once('exit', () => r());
              child.kill('SIGKILL');
            }),
        ),
      );
      hosts.clear();
    },
  };
};

export type HostPool = ReturnType<typeof createHostPool>;
