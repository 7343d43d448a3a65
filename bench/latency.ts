/**
 * The worker's CPU per delivery, publish-to-receipt latency, and a batch of slow deliveries.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance as perf } from 'node:perf_hooks';
import type { SQSEvent } from 'aws-lambda';
import { createDeliveryWorkerHandler } from '../lambdas/delivery-worker/app';
import { stateAfter } from '../lambdas/shared/domain/delivery';
import { newId, sha256Hex } from '../lambdas/shared/domain/ids';
import type { Attempt } from '../lambdas/shared/domain/model';
import { signDelivery, type Surface } from '../lambdas/shared/domain/signing';
import { localContext } from '../local/lambda-context';
import { startLocalRuntime } from '../local/runtime';
import { type BenchOptions, type Receiver, call, median, payload, percentile, round, sleep } from './support';

interface HotPath {
  payload_bytes: number;
  surface: Surface;
  cpu_us_per_delivery: number;
}

/** CPU time of the worker's own per-delivery code: envelope, the three signatures, the record. */
export const hotPath = (opts: BenchOptions): HotPath[] => {
  const iterations = opts.smoke ? 200 : 5000;
  const results: HotPath[] = [];
  for (const bytes of [1024, 64 * 1024]) {
    for (const surface of ['account', 'admin'] as const) {
      const event = { id: newId('evt'), type: 'price.alert', createdAt: '2026-02-16T12:00:00Z', data: { ...payload(bytes), score: 1e-5, name: 'Zoë' } };
      const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
      const run = (n: number) => {
        for (let i = 0; i < n; i++) {
          const req = signDelivery(surface, event, [secret], 1_700_000_000 + i);
          const attempt: Attempt = { number: 1, attemptedAt: '2026-02-16T12:00:01.000Z', statusCode: 200, responseTimeMs: 12, error: null, responseBody: 'ok', trigger: 'automatic' };
          const state = stateAfter({ retrySchedule: [60, 300, 1800, 7200, 86400] }, [attempt]);
          if (!req.body || !state) throw new Error('unreachable');
        }
      };
      run(Math.min(200, iterations)); // warm up
      const before = process.cpuUsage();
      run(iterations);
      const used = process.cpuUsage(before);
      results.push({ payload_bytes: bytes, surface, cpu_us_per_delivery: round((used.user + used.system) / iterations) });
    }
  }
  return results;
};

// ---------------------------------------------------------------- pipeline

type Latency = { deliveries_per_second: number; p50_ms: number; p95_ms: number; p99_ms: number };

/**
 * Where a delivery's time went, p50 of each stage (ms): `publish`, the API call (local gateway,
 * platform function, SendMessage); `to_worker`, from the publish's request to the start of the
 * worker invocation that took the message (the API call, fauxqs and the event source's
 * polling: it overlaps `publish`, as a message is often taken before its 202 is read);
 * `worker`, from that invocation's start to the receiver's arrival (reads, signing, the POST).
 * `to_worker` + `worker` is the whole. And how busy each thread was:
 * the main one runs the load, the gateway, every handler and SDK client; the emulators'
 * (dynalite, fauxqs) runs on its own.
 */
export interface PipelineSplit {
  publish_p50_ms: number;
  to_worker_p50_ms: number;
  worker_p50_ms: number;
  main_thread_busy: number;
  emulator_thread_busy: number;
}

export interface Pipeline {
  rate_per_second: number;
  seconds: number;
  events: number;
  /** Runs measured; each figure is the median of theirs. */
  runs: number;
  /** Each run's hookpost p50, to show the spread. */
  runs_p50_ms: number[];
  hookpost: Latency;
  split: PipelineSplit;
  baseline: Latency;
  ratio_p50: number;
  ratio_p95: number;
  ratio_p99: number;
}

/** Fires `fire(i)` at `rate` per second for `seconds`, without waiting for each. */
const paced = async (rate: number, seconds: number, fire: (i: number) => Promise<void>) => {
  const total = Math.round(rate * seconds);
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inflight.push(fire(i));
  }
  await Promise.all(inflight);
  return total;
};

const measure = (sent: Map<string, number>, arrivals: Map<string, number>): Latency => {
  const latencies: number[] = [];
  let first = Infinity;
  let last = 0;
  for (const [id, at] of sent) {
    const got = arrivals.get(id);
    if (got === undefined) continue;
    latencies.push(got - at);
    first = Math.min(first, at);
    last = Math.max(last, got);
  }
  return {
    deliveries_per_second: round(latencies.length / ((last - first) / 1000)),
    p50_ms: round(percentile(latencies, 50)),
    p95_ms: round(percentile(latencies, 95)),
    p99_ms: round(percentile(latencies, 99)),
  };
};

/** The event ids of a worker invocation's fan-out messages. */
const eventIdsOf = (event: unknown): string[] =>
  ((event as SQSEvent).Records ?? []).flatMap((r) => {
    const body = JSON.parse(r.body) as { kind: string; eventId?: string; messages?: Array<{ eventId: string }> };
    return body.kind === 'fanout' ? [body.eventId!] : body.kind === 'fanouts' ? body.messages!.map((m) => m.eventId) : [];
  });

/** Each figure of a set of runs' figures, the median of the runs'. */
const medians = <T extends object>(runs: T[]): T =>
  Object.fromEntries(Object.keys(runs[0]!).map((key) => [key, round(median(runs.map((r) => r[key as keyof T] as number)))])) as T;

export const pipeline = async (opts: BenchOptions, receiver: Receiver): Promise<Pipeline[]> => {
  const seconds = opts.smoke ? 2 : 10;
  const runs = opts.smoke ? 1 : 3;
  const admin = `hpadmin_${newId('key')}`;
  // When the worker invocation that took each event began.
  const taken = new Map<string, number>();
  const runtime = await startLocalRuntime({
    dataDir: mkdtempSync(join(tmpdir(), 'hookpost-bench-pipe-')),
    apiKeys: [{ tenantId: 'pipe', key: 'hpk_bench_pipe_0123456789abcdef' }],
    adminKey: admin,
    retrySchedule: [1, 2, 3, 4, 5],
    observe: {
      invocation: (name, _ms, event, startedAt) => {
        if (name === 'delivery-worker') for (const id of eventIdsOf(event)) if (!taken.has(id)) taken.set(id, startedAt);
      },
    },
  });
  try {
    await call(runtime.url, 'POST', '/api/v1/admin/webhooks', 'hpk_bench_pipe_0123456789abcdef', { url: `${receiver.url}/pipe`, events: ['price.alert'] });
    receiver.setResponder(() => ({ status: 200 }));
    const results: Pipeline[] = [];
    for (const rate of [50, 200]) {
      const measured: Array<{ latency: Latency; split: PipelineSplit; baseline: Latency }> = [];
      let events = 0;
      for (let run = 0; run < runs; run++) {
        // hookpost: publish through the API; receipt at the receiver.
        receiver.arrivals.clear();
        taken.clear();
        const sent = new Map<string, number>();
        const answered = new Map<string, number>();
        const mainBefore = perf.eventLoopUtilization();
        const emulatorsBefore = runtime.emulators.eventLoopUtilization();
        events = await paced(rate, seconds, async (i) => {
          const at = performance.now();
          const { id } = await call(runtime.url, 'POST', '/v1/events', admin, { tenant_id: 'pipe', type: 'price.alert', data: payload(1024, i) });
          sent.set(id, at);
          answered.set(id, performance.now());
        });
        await receiver.waitFor(events, 120_000);
        const mainBusy = perf.eventLoopUtilization(mainBefore).utilization;
        const emulatorsBusy = runtime.emulators.eventLoopUtilization(emulatorsBefore).utilization;
        const stage = (from: Map<string, number>, to: Map<string, number>) =>
          percentile([...from].flatMap(([id, at]) => (to.has(id) ? [to.get(id)! - at] : [])), 50);
        const split: PipelineSplit = {
          publish_p50_ms: round(stage(sent, answered)),
          to_worker_p50_ms: round(stage(sent, taken)),
          worker_p50_ms: round(stage(taken, receiver.arrivals)),
          main_thread_busy: round(mainBusy),
          emulator_thread_busy: round(emulatorsBusy),
        };
        const latency = measure(sent, receiver.arrivals);

        // Baseline: sign and POST straight to the same receiver, at the same rate.
        receiver.arrivals.clear();
        const direct = new Map<string, number>();
        await paced(rate, seconds, async (i) => {
          const id = newId('evt');
          const at = performance.now();
          direct.set(id, at);
          const req = signDelivery('admin', { id, type: 'price.alert', createdAt: '2026-02-16T12:00:00Z', data: payload(1024, i) }, ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], Math.floor(Date.now() / 1000));
          await (await fetch(`${receiver.url}/baseline`, { method: 'POST', headers: req.headers, body: req.body })).text();
        });
        measured.push({ latency, split, baseline: measure(direct, receiver.arrivals) });
      }
      const hookpost = medians(measured.map((m) => m.latency));
      const baseline = medians(measured.map((m) => m.baseline));
      const split = medians(measured.map((m) => m.split));
      results.push({
        rate_per_second: rate,
        seconds,
        events,
        runs,
        runs_p50_ms: measured.map((m) => m.latency.p50_ms),
        hookpost,
        split,
        baseline,
        ratio_p50: round(hookpost.p50_ms / baseline.p50_ms),
        ratio_p95: round(hookpost.p95_ms / baseline.p95_ms),
        ratio_p99: round(hookpost.p99_ms / baseline.p99_ms),
      });
    }
    return results;
  } finally {
    await runtime.stop();
  }
};

// ---------------------------------------------------------------- concurrency

export interface Concurrency {
  batch_size: number;
  receiver_delay_ms: number;
  wall_ms: number;
}

/** One worker invocation with a batch of 10 deliveries to a receiver that takes 1 s to answer. */
export const concurrency = async (receiver: Receiver): Promise<Concurrency> => {
  const runtime = await startLocalRuntime({
    dataDir: mkdtempSync(join(tmpdir(), 'hookpost-bench-conc-')),
    apiKeys: [{ tenantId: 'slow', key: 'hpk_bench_slow_0123456789abcdef' }],
    retrySchedule: [60],
  });
  try {
    await call(runtime.url, 'POST', '/api/v1/admin/webhooks', 'hpk_bench_slow_0123456789abcdef', { url: `${receiver.url}/slow`, events: ['price.alert'] });
    receiver.setResponder(() => ({ status: 200, delayMs: 1000 }));
    // Events stored directly (not enqueued), so only this invocation delivers them.
    const records = [];
    for (let i = 0; i < 10; i++) {
      const id = newId('evt');
      await runtime.ports.events.putEvent({ id, tenantId: 'slow', type: 'price.alert', data: { i }, createdAt: new Date().toISOString().slice(0, 19) + 'Z', requestHash: sha256Hex(String(i)) });
      records.push({ messageId: String(i), receiptHandle: String(i), body: JSON.stringify({ kind: 'fanout', tenantId: 'slow', eventId: id }), attributes: {}, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn', awsRegion: 'us-east-1' });
    }
    const worker = createDeliveryWorkerHandler(runtime.functions['delivery-worker']);
    const started = performance.now();
    const out = await worker({ Records: records } as unknown as SQSEvent, localContext('bench-worker', 60_000));
    const wall = performance.now() - started;
    if (out.batchItemFailures.length > 0) throw new Error('concurrency bench: a delivery failed');
    return { batch_size: 10, receiver_delay_ms: 1000, wall_ms: round(wall) };
  } finally {
    await runtime.stop();
  }
};

// ---------------------------------------------------------------- report

