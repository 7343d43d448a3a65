import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { createLazyTracing, tracedInvocation, type TracingChunk } from '../../lambdas/shared/tracing';

/** A Tracer chunk that records what the lazy tracing asks of it. */
const fakeChunk = () => {
  const calls: string[] = [];
  const captured: unknown[] = [];
  let loads = 0;
  const chunk: TracingChunk = {
    createXRayTracing: (serviceName, coldStart) => {
      calls.push(`create ${serviceName} coldStart=${coldStart}`);
      return {
        tracer: { captureAWSv3Client: <T>(client: T) => (captured.push(client), client) },
        middleware: {
          before: (r) => void calls.push(`before ${r.event.n}`),
          after: (r) => void calls.push(`after ${r.event.n}`),
          onError: (r) => void calls.push(`onError ${r.event.n}`),
        },
      };
    },
  };
  return { calls, captured, load: async () => (loads++, chunk), loads: () => loads };
};

const handlerWith = (tracing: ReturnType<typeof createLazyTracing>) =>
  middy<{ n: number; fail?: boolean }, string>()
    .use(tracing.middleware())
    .handler(async (event) => {
      if (event.fail) throw new Error('handler failed');
      return `ok ${event.n}`;
    });

describe('lazy X-Ray tracing', () => {
  it('traces an invocation only when Lambda sampled it and tracing is not turned off', () => {
    const saved = { trace: process.env._X_AMZN_TRACE_ID, enabled: process.env.POWERTOOLS_TRACE_ENABLED };
    try {
      process.env.POWERTOOLS_TRACE_ENABLED = 'true';
      process.env._X_AMZN_TRACE_ID = 'Root=1-6741a000-000000000000000000000001;Parent=000000000000000a;Sampled=1';
      expect(tracedInvocation()).toBe(true);
      process.env._X_AMZN_TRACE_ID = 'Root=1-6741a000-000000000000000000000001;Parent=000000000000000a;Sampled=0';
      expect(tracedInvocation()).toBe(false);
      delete process.env._X_AMZN_TRACE_ID; // not on Lambda: the local runtime
      expect(tracedInvocation()).toBe(false);
      process.env._X_AMZN_TRACE_ID = 'Root=1-6741a000-000000000000000000000001;Parent=000000000000000a;Sampled=1';
      process.env.POWERTOOLS_TRACE_ENABLED = 'FALSE';
      expect(tracedInvocation()).toBe(false);
      process.env.POWERTOOLS_TRACE_ENABLED = 'ture'; // a typo: the Tracer's own rule, only false turns it off
      expect(tracedInvocation()).toBe(true);
    } finally {
      for (const [k, v] of [['_X_AMZN_TRACE_ID', saved.trace], ['POWERTOOLS_TRACE_ENABLED', saved.enabled]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('never loads the Tracer for unsampled invocations, and the handler runs as usual', async () => {
    const chunk = fakeChunk();
    const tracing = createLazyTracing({ serviceName: 'hookpost', load: chunk.load, sampled: () => false });
    const handler = handlerWith(tracing);
    expect(await handler({ n: 1 }, {} as never)).toBe('ok 1');
    expect(await handler({ n: 2 }, {} as never)).toBe('ok 2');
    expect(chunk.loads()).toBe(0);
    expect(tracing.loaded).toBe(false);
    expect(chunk.calls).toEqual([]);
  });

  it('loads it once, on the first sampled invocation, and traces every invocation from then on', async () => {
    const chunk = fakeChunk();
    const sampled = [false, true, false, true];
    let i = 0;
    const tracing = createLazyTracing({ serviceName: 'hookpost', load: chunk.load, sampled: () => sampled[i++]! });
    const handler = handlerWith(tracing);
    for (const n of [1, 2, 3, 4]) await handler({ n }, {} as never);
    expect(chunk.loads()).toBe(1);
    // Loaded in the second invocation: not the container's cold start.
    expect(chunk.calls).toEqual(['create hookpost coldStart=false', 'before 2', 'after 2', 'before 3', 'after 3', 'before 4', 'after 4']);
  });

  it('marks a cold start when the very first invocation is sampled', async () => {
    const chunk = fakeChunk();
    const tracing = createLazyTracing({ serviceName: 'hookpost', load: chunk.load, sampled: () => true });
    await handlerWith(tracing)({ n: 1 }, {} as never);
    expect(chunk.calls[0]).toBe('create hookpost coldStart=true');
  });

  it('captures the SDK clients registered before it loaded and those registered after', async () => {
    const chunk = fakeChunk();
    let sampledNow = false;
    const tracing = createLazyTracing({ serviceName: 'hookpost', load: chunk.load, sampled: () => sampledNow });
    const early = { client: 'dynamodb' };
    expect(tracing.captureAWSv3Client(early)).toBe(early);
    const handler = handlerWith(tracing);
    await handler({ n: 1 }, {} as never);
    expect(chunk.captured).toEqual([]);
    sampledNow = true;
    await handler({ n: 2 }, {} as never);
    expect(chunk.captured).toEqual([early]);
    const late = { client: 'sqs' };
    tracing.captureAWSv3Client(late);
    expect(chunk.captured).toEqual([early, late]);
  });

  it('closes the segment of a failed invocation through onError, and the error still reaches Lambda', async () => {
    const chunk = fakeChunk();
    const tracing = createLazyTracing({ serviceName: 'hookpost', load: chunk.load, sampled: () => true });
    await expect(handlerWith(tracing)({ n: 7, fail: true }, {} as never)).rejects.toThrow('handler failed');
    expect(chunk.calls.slice(1)).toEqual(['before 7', 'onError 7']);
  });

  it('runs untraced, and says so once, if the chunk cannot be loaded', async () => {
    const errors: unknown[] = [];
    let loads = 0;
    const tracing = createLazyTracing({
      serviceName: 'hookpost',
      load: () => (loads++, Promise.reject(new Error('Cannot find module xray-tracing.mjs'))),
      sampled: () => true,
      onLoadError: (e) => errors.push(e),
    });
    const handler = handlerWith(tracing);
    expect(await handler({ n: 1 }, {} as never)).toBe('ok 1');
    expect(await handler({ n: 2 }, {} as never)).toBe('ok 2');
    expect(loads).toBe(1);
    expect(errors).toHaveLength(1);
    expect(tracing.loaded).toBe(false);
  });

  it('concurrent sampled invocations share one load', async () => {
    const chunk = fakeChunk();
    const tracing = createLazyTracing({ serviceName: 'hookpost', load: chunk.load, sampled: () => true });
    const handler = handlerWith(tracing);
    await Promise.all([1, 2, 3].map((n) => handler({ n }, {} as never)));
    expect(chunk.loads()).toBe(1);
    expect(chunk.calls.filter((c) => c.startsWith('before'))).toHaveLength(3);
  });
});
