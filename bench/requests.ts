/**
 * AWS requests per delivery, counted in a local run, and their cost at list prices.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../lambdas/shared/domain/ids';
import { type LocalRuntime, startLocalRuntime } from '../local/runtime';
import { RequestCounter } from './counting';
import { type BenchOptions, type Receiver, call, payload, price, round, sleep } from './support';

interface Invocations {
  count: number;
  ms: number;
}

export interface RequestScenario {
  name: string;
  deliveries: number;
  per_delivery: {
    dynamodb_read_units: number;
    dynamodb_write_units: number;
    dynamodb_requests: number;
    sqs_requests: number;
    scheduler_calls: number;
    secrets_manager_calls: number;
    lambda_invocations: number;
    lambda_gb_seconds: number;
    api_requests: number;
    log_bytes: number;
  };
  usd_per_million_deliveries: Record<string, number>;
}

export const costOf = (p: RequestScenario['per_delivery']): Record<string, number> => {
  const m = 1_000_000;
  const parts = {
    lambda: p.lambda_invocations * price('lambda_usd_per_million_requests') + p.lambda_gb_seconds * m * price('lambda_arm64_usd_per_gb_second'),
    dynamodb:
      p.dynamodb_write_units * price('dynamodb_on_demand_usd_per_million_write_units') +
      p.dynamodb_read_units * price('dynamodb_on_demand_usd_per_million_read_units'),
    sqs: p.sqs_requests * price('sqs_standard_usd_per_million_requests'),
    api_gateway: p.api_requests * price('http_api_usd_per_million_requests'),
    scheduler: p.scheduler_calls * price('scheduler_usd_per_million_invocations'),
    secrets_manager: (p.secrets_manager_calls * m * price('secrets_manager_usd_per_10k_api_calls')) / 10_000 / m,
    cloudwatch_logs: ((p.log_bytes * m) / 1024 ** 3) * price('cloudwatch_logs_usd_per_gb_ingested'),
  };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries({ ...parts, total }).map(([k, v]) => [k, round(v, 4)]));
};

/** The JSON log lines the handlers write (stdout, as CloudWatch ingests them): counted, kept out of the report. */
export const logs = {
  bytes: 0,
  capture() {
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      return true;
    }) as typeof process.stdout.write;
    return () => {
      process.stdout.write = write;
    };
  },
};

export const requestsAndCost = async (opts: BenchOptions, receiver: Receiver): Promise<RequestScenario[]> => {
  const counter = new RequestCounter();
  const invocations = new Map<string, Invocations>();
  const admin = `hpadmin_${newId('key')}`;
  let runtime: LocalRuntime | undefined;
  try {
    runtime = await startLocalRuntime({
        dataDir: mkdtempSync(join(tmpdir(), 'hookpost-bench-')),
      apiKeys: [
        { tenantId: 'one', key: 'hpk_bench_one_0123456789abcdef' },
        { tenantId: 'five', key: 'hpk_bench_five_0123456789abcdef' },
        { tenantId: 'flaky', key: 'hpk_bench_flaky_0123456789abcdef' },
        { tenantId: 'batch', key: 'hpk_bench_batch_0123456789abcdef' },
        { tenantId: 'flakybatch', key: 'hpk_bench_flakybatch_0123456789abcdef' },
      ],
      adminKey: admin,
      retrySchedule: [1, 2, 3, 4, 5],
      observe: {
        client: counter.attach,
        invocation: (fn, ms) => {
          const i = invocations.get(fn) ?? { count: 0, ms: 0 };
          invocations.set(fn, { count: i.count + 1, ms: i.ms + ms });
        },
      },
    });
    const base = runtime.url;
    const hook = async (tenant: string, path: string) =>
      call(base, 'POST', '/api/v1/admin/webhooks', `hpk_bench_${tenant}_0123456789abcdef`, { url: `${receiver.url}${path}`, events: ['price.alert'] });
    await hook('one', '/one');
    for (let i = 0; i < 5; i++) await hook('five', `/five/${i}`);
    await hook('flaky', '/flaky');
    await hook('batch', '/batch');
    await hook('flakybatch', '/flakybatch');

    const events = opts.smoke ? 20 : 200;
    const scenarios: Array<{ name: string; tenant: string; fanOut: number; batch: boolean; failFirst: boolean }> = [
      { name: 'first-attempt success, fan-out 1, POST /v1/events', tenant: 'one', fanOut: 1, batch: false, failFirst: false },
      { name: 'first-attempt success, fan-out 5, POST /v1/events', tenant: 'five', fanOut: 5, batch: false, failFirst: false },
      { name: 'fails once then succeeds, fan-out 1, POST /v1/events', tenant: 'flaky', fanOut: 1, batch: false, failFirst: true },
      { name: 'first-attempt success, fan-out 1, POST /v1/events/batch (100 a request)', tenant: 'batch', fanOut: 1, batch: true, failFirst: false },
      { name: 'fails once then succeeds, fan-out 1, POST /v1/events/batch (100 a request)', tenant: 'flakybatch', fanOut: 1, batch: true, failFirst: true },
    ];
    const results: RequestScenario[] = [];
    for (const s of scenarios) {
      const failed = new Set<string>();
      receiver.setResponder((headers) => {
        const id = String(headers['webhook-id']);
        if (s.failFirst && !failed.has(id)) {
          failed.add(id);
          return { status: 503 };
        }
        return { status: 200 };
      });
      receiver.arrivals.clear();
      await sleep(500);
      counter.reset();
      invocations.clear();
      logs.bytes = 0;
      if (s.batch) {
        for (let i = 0; i < events; i += 100) {
          const batch = Array.from({ length: Math.min(100, events - i) }, (_, j) => ({ tenant_id: s.tenant, type: 'price.alert', data: payload(1024, i + j) }));
          await call(base, 'POST', '/v1/events/batch', admin, { events: batch });
        }
      } else {
        await Promise.all(
          Array.from({ length: events }, (_, i) => call(base, 'POST', '/v1/events', admin, { tenant_id: s.tenant, type: 'price.alert', data: payload(1024, i) })),
        );
      }
      await receiver.waitFor(events, 120_000).catch((e: Error) => {
        throw new Error(`${s.name}: ${e.message}`);
      });
      await sleep(1500); // the last records and deletes
      const deliveries = events * s.fanOut;
      const inv = [...invocations.values()];
      const lambdaCount = inv.reduce((n, i) => n + i.count, 0);
      const gbSeconds = inv.reduce((n, i) => n + (i.ms / 1000) * (price('lambda_memory_mb') / 1024), 0);
      const sqsRequests = counter.total('sqs') + counter.total('sqs-event-source') - counter.emptyReceives;
      const per = (n: number) => round(n / deliveries, 4);
      const perDelivery = {
        dynamodb_read_units: per(counter.readUnits),
        dynamodb_write_units: per(counter.writeUnits),
        dynamodb_requests: per(counter.total('dynamodb')),
        sqs_requests: per(sqsRequests),
        scheduler_calls: 0, // every delay here is within SQS's 15 minutes; see the README for longer ones
        secrets_manager_calls: 0, // one GetSecretValue per container per 15 minutes, whatever the volume
        lambda_invocations: per(lambdaCount),
        lambda_gb_seconds: round(gbSeconds / deliveries, 6),
        api_requests: per(invocations.get('platform')?.count ?? 0),
        log_bytes: per(logs.bytes + lambdaCount * price('lambda_platform_log_bytes_per_invocation')),
      };
      results.push({ name: s.name, deliveries, per_delivery: perDelivery, usd_per_million_deliveries: costOf(perDelivery) });
    }
    return results;
  } finally {
    await runtime?.stop();
  }
};

// ---------------------------------------------------------------- cold start

