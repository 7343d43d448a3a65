import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SQSEvent } from 'aws-lambda';
import { build } from 'esbuild';
import { createDeliveryWorkerHandler } from '../lambdas/delivery-worker/app';
import { stateAfter } from '../lambdas/shared/domain/delivery';
import { newId, sha256Hex } from '../lambdas/shared/domain/ids';
import type { Attempt } from '../lambdas/shared/domain/model';
import type { JsonValue } from '../lambdas/shared/domain/python-json';
import { signDelivery, type Surface } from '../lambdas/shared/domain/signing';
import { localContext } from '../local/lambda-context';
import { type LocalRuntime, startLocalRuntime } from '../local/runtime';
import { buildTracingChunk, ESBUILD_COMMON, TRACING_CHUNK } from '../lib/bundling.mjs';
import { BUNDLE_LOAD_ENV, CLIENTS_USED, LIBRARIES_USED } from './bundle-env';
import { RequestCounter } from './counting';
import { slowEndpointIsolation } from './isolation';
import { idleCost, renderIdleCost } from './idle-cost';
import { renderScale, scale } from './scale';

const ROOT = join(import.meta.dirname, '..');
const PRICES = JSON.parse(readFileSync(join(import.meta.dirname, 'prices.json'), 'utf8')) as Record<string, number | string>;
const price = (k: string) => PRICES[k] as number;

export interface BenchOptions {
  /** A short run for CI: fewer events, shorter load phases. Figures are still real. */
  smoke: boolean;
  outDir: string;
}

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (values: number[]) => percentile(values, 50);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A loopback receiver that records when each webhook-id arrived, and answers after `delayMs`. */
const startReceiver = async () => {
  const arrivals = new Map<string, number>();
  let respond: (headers: IncomingHttpHeaders, count: number) => { status: number; delayMs?: number } = () => ({ status: 200 });
  let count = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const at = performance.now();
      const id = String(req.headers['webhook-id']);
      const { status, delayMs } = respond(req.headers, ++count);
      const answer = () => res.writeHead(status).end(status < 300 ? 'ok' : 'no');
      if (status < 300 && !arrivals.has(id)) arrivals.set(id, at);
      if (delayMs) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    setResponder: (fn: typeof respond) => {
      respond = fn;
      count = 0;
    },
    async waitFor(n: number, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (arrivals.size < n) {
        if (Date.now() > deadline) throw new Error(`bench receiver: ${arrivals.size} of ${n} deliveries arrived`);
        await sleep(20);
      }
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
};
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const call = async (base: string, method: string, path: string, key: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
};

/** 1 KB of event data. */
/**
 * An event of about `bytes` of JSON shaped like a real one (an order: ids, an e-mail, line
 * items with names and prices), so that what compression saves is what it saves in production,
 * not on a run of one letter.
 */
const WORDS = ['organic', 'cotton', 't-shirt', 'blue', 'large', 'mug', 'ceramic', 'notebook', 'recycled', 'backpack', 'canvas', 'bottle', 'steel', 'socks', 'wool'];
const payload = (bytes: number, i = 0) => {
  const id = (n: number) => sha256Hex(`${i}:${n}`).slice(0, 16);
  const items: Array<Record<string, JsonValue>> = [];
  const event = { order_id: `ord_${id(0)}`, customer: { id: `cus_${id(1)}`, email: `buyer.${id(2).slice(0, 6)}@example.com` }, currency: 'EUR', items, i };
  for (let n = 3; Buffer.byteLength(JSON.stringify(event)) < bytes; n++) {
    items.push({ sku: `SKU-${id(n).slice(0, 8)}`, name: `${WORDS[n % WORDS.length]} ${WORDS[(n * 7) % WORDS.length]}`, quantity: (n % 4) + 1, unit_price: Math.round(((n * 37) % 9000) + 99) / 100 });
  }
  return event;
};

// ---------------------------------------------------------------- requests and cost

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

const costOf = (p: RequestScenario['per_delivery']): Record<string, number> => {
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
const logs = {
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

const requestsAndCost = async (opts: BenchOptions, receiver: Receiver): Promise<RequestScenario[]> => {
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

interface ColdStart {
  function: string;
  bundle_bytes: number;
  load_ms: number;
  /** null for a function that calls no AWS service: there is no bare SDK bundle to compare with. */
  bare_bundle_bytes: number | null;
  bare_load_ms: number | null;
  load_ratio: number | null;
  /**
   * The bare bundle plus, used minimally, the libraries the function is built on (Powertools,
   * middy, zod): how much of the ratio they take before any hookpost code.
   */
  floor_bundle_bytes: number | null;
  floor_load_ratio: number | null;
}

/** The Tracer chunk: not loaded at cold start, paid once by a container's first sampled invocation. */
interface TracingChunkFigures {
  bytes: number;
  load_ms: number;
}

const CLIENT_CLASS: Record<string, string> = {
  'client-dynamodb': 'DynamoDBClient',
  'lib-dynamodb': 'DynamoDBDocumentClient',
  'client-sqs': 'SQSClient',
  'client-secrets-manager': 'SecretsManagerClient',
  'client-scheduler': 'SchedulerClient',
  'client-eventbridge': 'EventBridgeClient',
};

/**
 * Bundled as the function construct bundles (lib/bundling.mjs: ESM, minified, a linked source
 * map without sources) and loaded as Lambda loads it (the construct's NODE_OPTIONS, which
 * read the map at load): the bare bundle gets the same treatment.
 */
const LAMBDA_NODE_OPTIONS = ['--enable-source-maps'];
const bundle = async (entry: { file: string } | { contents: string }, outfile: string) => {
  await build({
    ...ESBUILD_COMMON,
    ...('file' in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.contents, resolveDir: ROOT, loader: 'js' as const } }),
    outfile,
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'silent',
  });
  return statSync(outfile).size;
};

/** Module load time (the init phase's own cost) of a script's `import()`s in a fresh Node process, ms. */
const loadOnce = (script: string): number => {
  const out = spawnSync(process.execPath, [...LAMBDA_NODE_OPTIONS, '--input-type=module', '-e', script], { env: { ...process.env, ...BUNDLE_LOAD_ENV }, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`loading failed: ${out.stderr}`);
  return Number(out.stdout);
};
const importScript = (file: string) =>
  `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t));`;

/** Minimal use of each library, so that the bundler keeps what a real function keeps of it. */
const LIBRARY_USE: Record<string, { imports: string; setup?: string; middleware?: string; inHandler?: string }> = {
  logger: {
    imports: "import { Logger } from '@aws-lambda-powertools/logger'; import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';",
    setup: "const logger = new Logger({ serviceName: 'floor' });",
    middleware: 'injectLambdaContext(logger, { resetKeys: true })',
    inHandler: "logger.info('x');",
  },
  metrics: {
    imports: "import { Metrics } from '@aws-lambda-powertools/metrics';",
    setup: "const metrics = new Metrics({ serviceName: 'floor', namespace: 'Floor' });",
    inHandler: "metrics.addMetric('x', 'Count', 1); metrics.publishStoredMetrics();",
  },
  middy: { imports: "import middy from '@middy/core';" },
  'http-header-normalizer': { imports: "import httpHeaderNormalizer from '@middy/http-header-normalizer';", middleware: 'httpHeaderNormalizer()' },
  zod: {
    imports: "import * as z from 'zod/mini';",
    setup: "const schema = z.object({ kind: z.literal('a'), n: z.optional(z.number().check(z.int())) });",
    inHandler: 'schema.parse(event);',
  },
  parameters: {
    imports: "import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';",
    setup: 'const secrets = new SecretsProvider({ awsSdkV3Client: client_secrets_manager });',
    inHandler: "await secrets.get('s');",
  },
  batch: {
    imports: "import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';",
    setup: 'const processor = new BatchProcessor(EventType.SQS);',
    inHandler: 'await processPartialResponse(event, async () => {}, processor, { context });',
  },
};

const bareSource = (clients: string[]) => [
  ...clients.map((c) => `import { ${CLIENT_CLASS[c]} } from '@aws-sdk/${c}';`),
  'const dynamo = new DynamoDBClient({});',
  ...clients
    .filter((c) => c !== 'client-dynamodb')
    .map((c) => (c === 'lib-dynamodb' ? 'DynamoDBDocumentClient.from(dynamo);' : `const ${c.replace(/-/g, '_')} = new ${CLIENT_CLASS[c]}({});`)),
];

const floorSource = (clients: string[], libraries: string[]) => {
  const uses = libraries.map((l) => LIBRARY_USE[l]!);
  const middleware = uses.flatMap((u) => (u.middleware ? [`.use(${u.middleware})`] : [])).join('');
  return [
    ...uses.map((u) => u.imports),
    ...bareSource(clients),
    ...uses.flatMap((u) => (u.setup ? [u.setup] : [])),
    `export const handler = middy()${middleware}.handler(async (event, context) => { ${uses.map((u) => u.inHandler ?? '').join(' ')} return { statusCode: 200 }; });`,
  ].join('\n');
};

export const coldStarts = async (opts: BenchOptions): Promise<{ functions: ColdStart[]; tracing_chunk: TracingChunkFigures }> => {
  const dir = mkdtempSync(join(tmpdir(), 'hookpost-bundles-'));
  const runs = opts.smoke ? 3 : 31;
  const functions: ColdStart[] = [];
  for (const [fn, clients] of Object.entries(CLIENTS_USED)) {
    const ours = join(dir, fn, 'index.mjs');
    const bytes = await bundle({ file: join(ROOT, 'lambdas', fn, 'handler.ts') }, ours);
    if (clients.length === 0) {
      const times = Array.from({ length: runs }, () => loadOnce(importScript(ours)));
      functions.push({ function: fn, bundle_bytes: bytes, load_ms: round(median(times)), bare_bundle_bytes: null, bare_load_ms: null, load_ratio: null, floor_bundle_bytes: null, floor_load_ratio: null });
      continue;
    }
    const bare = join(dir, `${fn}-bare`, 'index.mjs');
    const bareBytes = await bundle({ contents: [...bareSource(clients), 'export const handler = async () => ({ statusCode: 200 });'].join('\n') }, bare);
    const floor = join(dir, `${fn}-floor`, 'index.mjs');
    const floorBytes = await bundle({ contents: floorSource(clients, LIBRARIES_USED[fn] ?? []) }, floor);
    // Round robin, so that a slow spell of a shared machine falls on all three, in a fresh
    // order each round, so that no bundle always goes first.
    const times: number[] = [];
    const bareTimes: number[] = [];
    const floorTimes: number[] = [];
    const rounds: Array<[string, number[]]> = [[ours, times], [bare, bareTimes], [floor, floorTimes]];
    for (let i = 0; i < runs; i++) {
      for (const [file, into] of [...rounds].sort(() => Math.random() - 0.5)) into.push(loadOnce(importScript(file)));
    }
    // The ratio of each adjacent pair, then their median: a slow spell hits both halves of a pair.
    const pairedRatio = (xs: number[]) => round(median(xs.map((t, i) => t / bareTimes[i]!)));
    functions.push({
      function: fn,
      bundle_bytes: bytes,
      load_ms: round(median(times)),
      bare_bundle_bytes: bareBytes,
      bare_load_ms: round(median(bareTimes)),
      load_ratio: pairedRatio(times),
      floor_bundle_bytes: floorBytes,
      floor_load_ratio: pairedRatio(floorTimes),
    });
  }
  // The chunk as the construct's afterBundling hook builds it; its cost: import it and build the Tracer.
  await buildTracingChunk(dir, { sourcemap: true, sourcesContent: false, logLevel: 'silent' });
  const chunk = join(dir, TRACING_CHUNK);
  const chunkScript = `const t=performance.now();const m=await import(${JSON.stringify(pathToFileURL(chunk).href)});m.createXRayTracing('hookpost',true);process.stdout.write(String(performance.now()-t));`;
  const chunkTimes = Array.from({ length: runs }, () => loadOnce(chunkScript));
  return { functions, tracing_chunk: { bytes: statSync(chunk).size, load_ms: round(median(chunkTimes)) } };
};

// ---------------------------------------------------------------- hot path

interface HotPath {
  payload_bytes: number;
  surface: Surface;
  cpu_us_per_delivery: number;
}

/** CPU time of the worker's own per-delivery code: envelope, the three signatures, the record. */
const hotPath = (opts: BenchOptions): HotPath[] => {
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

interface Pipeline {
  rate_per_second: number;
  seconds: number;
  events: number;
  hookpost: { deliveries_per_second: number; p50_ms: number; p95_ms: number; p99_ms: number };
  baseline: { deliveries_per_second: number; p50_ms: number; p95_ms: number; p99_ms: number };
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

const measure = (sent: Map<string, number>, arrivals: Map<string, number>) => {
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

const pipeline = async (opts: BenchOptions, receiver: Receiver): Promise<Pipeline[]> => {
  const seconds = opts.smoke ? 2 : 10;
  const admin = `hpadmin_${newId('key')}`;
  const runtime = await startLocalRuntime({
    dataDir: mkdtempSync(join(tmpdir(), 'hookpost-bench-pipe-')),
    apiKeys: [{ tenantId: 'pipe', key: 'hpk_bench_pipe_0123456789abcdef' }],
    adminKey: admin,
    retrySchedule: [1, 2, 3, 4, 5],
  });
  try {
    await call(runtime.url, 'POST', '/api/v1/admin/webhooks', 'hpk_bench_pipe_0123456789abcdef', { url: `${receiver.url}/pipe`, events: ['price.alert'] });
    receiver.setResponder(() => ({ status: 200 }));
    const results: Pipeline[] = [];
    for (const rate of [50, 200]) {
      // hookpost: publish through the API; receipt at the receiver.
      receiver.arrivals.clear();
      const sent = new Map<string, number>();
      const events = await paced(rate, seconds, async (i) => {
        const at = performance.now();
        const { id } = await call(runtime.url, 'POST', '/v1/events', admin, { tenant_id: 'pipe', type: 'price.alert', data: payload(1024, i) });
        sent.set(id, at);
      });
      await receiver.waitFor(events, 120_000);
      const ours = measure(sent, receiver.arrivals);

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
      const baseline = measure(direct, receiver.arrivals);
      results.push({
        rate_per_second: rate,
        seconds,
        events,
        hookpost: ours,
        baseline,
        ratio_p50: round(ours.p50_ms / baseline.p50_ms),
        ratio_p95: round(ours.p95_ms / baseline.p95_ms),
        ratio_p99: round(ours.p99_ms / baseline.p99_ms),
      });
    }
    return results;
  } finally {
    await runtime.stop();
  }
};

// ---------------------------------------------------------------- concurrency

interface Concurrency {
  batch_size: number;
  receiver_delay_ms: number;
  wall_ms: number;
}

/** One worker invocation with a batch of 10 deliveries to a receiver that takes 1 s to answer. */
const concurrency = async (receiver: Receiver): Promise<Concurrency> => {
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

const machine = () => {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a checkout
  }
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memory_gb: round(totalmem() / 1024 ** 3, 1), os: `${platform()} ${release()}`, node: process.version, commit };
};

export const runBench = async (opts: BenchOptions) => {
  const receiver = await startReceiver();
  const restore = logs.capture();
  try {
    const results = {
      generated_at: new Date().toISOString(),
      mode: opts.smoke ? 'smoke' : 'full',
      machine: machine(),
      prices: PRICES,
      requests_per_delivery: await requestsAndCost(opts, receiver),
      cold_start: await coldStarts(opts),
      hot_path: hotPath(opts),
      pipeline: await pipeline(opts, receiver),
      concurrency: await concurrency(receiver),
      isolation: await slowEndpointIsolation(opts),
      scale: await scale(opts),
      idle: idleCost(PRICES),
    };
    mkdirSync(opts.outDir, { recursive: true }); // an --out directory that does not exist yet
    writeFileSync(join(opts.outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(opts.outDir, 'results.md'), renderMarkdown(results));
    return results;
  } finally {
    restore();
    await receiver.close();
  }
};

type Results = Awaited<ReturnType<typeof runBench>>;

const table = (header: string[], rows: Array<Array<string | number>>) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export const renderMarkdown = (r: Results): string => `# hookpost benchmark results

Generated ${r.generated_at} (${r.mode} run) on ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memory_gb} GB,
${r.machine.os}, Node ${r.machine.node}, commit \`${r.machine.commit}\`. Figures, not verdicts: a shared
2-core machine is noisy; compare runs on the same machine. Prices: \`bench/prices.json\` (${r.prices.region}, as of ${r.prices.as_of}).

## AWS requests per delivery

Counted with an SDK middleware on every client the handlers use, during a local run (dynalite,
fauxqs). DynamoDB units as dynalite reports them for the tables, plus the write units the deliveries table's two sparse indexes cost (counted from each item before and after a write: dynalite does not charge them). SQS requests include the event source's non-empty receives and its deletes
(empty long polls cost a fixed few cents a month, whatever the volume). Lambda GB-s from the
handlers' measured durations here at ${r.prices.lambda_memory_mb} MB.

${table(
  ['scenario', 'deliveries', 'DDB RU', 'DDB WU', 'SQS req', 'Scheduler', 'Secrets Mgr', 'Lambda inv', 'Lambda GB-s', 'API req', 'log bytes'],
  r.requests_per_delivery.map((s) => [
    s.name,
    s.deliveries,
    s.per_delivery.dynamodb_read_units,
    s.per_delivery.dynamodb_write_units,
    s.per_delivery.sqs_requests,
    s.per_delivery.scheduler_calls,
    s.per_delivery.secrets_manager_calls,
    s.per_delivery.lambda_invocations,
    s.per_delivery.lambda_gb_seconds,
    s.per_delivery.api_requests,
    s.per_delivery.log_bytes,
  ]),
)}

## Cost per million deliveries (USD, us-east-1, arm64)

${table(
  ['scenario', 'Lambda', 'DynamoDB', 'SQS', 'API Gateway', 'Scheduler', 'Logs', 'total'],
  r.requests_per_delivery.map((s) => {
    const c = s.usd_per_million_deliveries;
    return [s.name, c.lambda!, c.dynamodb!, c.sqs!, c.api_gateway!, c.scheduler!, c.cloudwatch_logs!, `**${c.total}**`];
  }),
)}

Target: at most $1.00 per million 1 KB first-attempt deliveries, history included.

## Cold start

Bundles built as the stack builds them (lib/bundling.mjs: esbuild, ESM, minified, a linked
source map) and loaded as Lambda loads them (\`${LAMBDA_NODE_OPTIONS.join(' ')}\`, the functions'
NODE_OPTIONS, which reads the map at load); load time = \`import()\` of the bundle in a fresh
Node ${r.machine.node} process, median; ratio = median of the ratios of adjacent runs, alternating
with the bare bundle. "Bare" = a bundle of
only the SDK clients that function calls, built and loaded the same way. Target: load ratio at most 1.15.

${table(
  ['function', 'bundle KB', 'bare KB', 'load ms', 'bare load ms', 'ratio', 'libraries floor KB', 'libraries floor ratio'],
  r.cold_start.functions.map((c) => [
    c.function,
    round(c.bundle_bytes / 1024, 1),
    c.bare_bundle_bytes === null ? '-' : round(c.bare_bundle_bytes / 1024, 1),
    c.load_ms,
    c.bare_load_ms ?? '-',
    c.load_ratio === null ? '- (calls no AWS service)' : `**${c.load_ratio}**`,
    c.floor_bundle_bytes === null ? '-' : round(c.floor_bundle_bytes / 1024, 1),
    c.floor_load_ratio ?? '-',
  ]),
)}

"Libraries floor" = the bare bundle plus the libraries that function is built on (Powertools
Logger and Metrics, middy, zod/mini, and where it uses them Powertools Batch and Parameters and
middy's header normaliser), each used minimally, and no hookpost code: the ratio those
libraries take on their own. What the function adds beyond it is hookpost's own code.

Not in those bundles: Powertools Tracer and the X-Ray SDK (\`${TRACING_CHUNK}\`,
${round(r.cold_start.tracing_chunk.bytes / 1024, 1)} KB), which a function imports on its first invocation that X-Ray samples
(lambdas/shared/tracing.ts): **${r.cold_start.tracing_chunk.load_ms} ms**, once per container, inside that sampled
invocation. An unsampled cold start never pays it.

## Hot path

CPU time of the worker's own code per delivery (envelope, signatures, record), \`process.cpuUsage\`.

${table(
  ['payload', 'surface', 'CPU µs per delivery'],
  r.hot_path.map((h) => [`${h.payload_bytes / 1024} KB`, h.surface, h.cpu_us_per_delivery]),
)}

## Pipeline

Publish (\`POST /v1/events\`) to receipt at a loopback receiver, through the local runtime,
beside a baseline that signs and POSTs straight to the same receiver at the same rate.

${table(
  ['rate/s', 'events', 'hookpost deliveries/s', 'p50 ms', 'p95 ms', 'p99 ms', 'baseline p50', 'baseline p95', 'baseline p99', 'ratio p50', 'ratio p95', 'ratio p99'],
  r.pipeline.map((p) => [p.rate_per_second, p.events, p.hookpost.deliveries_per_second, p.hookpost.p50_ms, p.hookpost.p95_ms, p.hookpost.p99_ms, p.baseline.p50_ms, p.baseline.p95_ms, p.baseline.p99_ms, p.ratio_p50, p.ratio_p95, p.ratio_p99]),
)}

## Concurrency

One worker invocation with a batch of ${r.concurrency.batch_size} deliveries to a receiver that answers after
${r.concurrency.receiver_delay_ms} ms: **${r.concurrency.wall_ms} ms** (sequential would be about ${r.concurrency.batch_size * r.concurrency.receiver_delay_ms} ms).

## A slow endpoint beside a healthy one

Publish-to-receipt of ${r.isolation.healthy_events} events to a healthy endpoint, alone and while ${r.isolation.hanging_endpoints} endpoints of the
same tenant hang on ${r.isolation.hanging_fanouts} fan-outs (every request held until the run ends):

${table(
  ['healthy endpoint', 'p50 ms', 'max ms'],
  [
    ['alone', r.isolation.alone.p50_ms, r.isolation.alone.max_ms],
    [`beside ${r.isolation.hanging_endpoints} hanging`, r.isolation.beside_hanging.p50_ms, r.isolation.beside_hanging.max_ms],
  ],
)}

${renderScale(r.scale, table)}
${renderIdleCost(r.idle, table)}`;
