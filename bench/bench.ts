/**
 * The benchmark: runs each section (./requests, ./cold-starts, ./latency, ./isolation, ./scale,
 * ./idle-cost) and writes results.json and results.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRACING_CHUNK } from '../lib/bundling.mjs';
import { slowEndpointIsolation } from './isolation';
import { idleCost, renderIdleCost } from './idle-cost';
import { renderScale, scale } from './scale';
import { LAMBDA_NODE_OPTIONS, coldStarts } from './cold-starts';
import { concurrency, hotPath, pipeline } from './latency';
import { destinationCosts } from './destinations';
import { renderValidation, schemaValidation } from './validation';
import { logs, requestsAndCost } from './requests';
import { type BenchOptions, machine, PRICES, round, startReceiver } from './support';

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
      aws_destinations: await destinationCosts(opts),
      cold_start: await coldStarts(opts),
      hot_path: hotPath(opts),
      schema_validation: schemaValidation(opts),
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

## Cost per million deliveries to AWS destinations (USD, us-east-1, arm64)

The same count for a webhook whose target is the tenant's own SQS queue, SNS topic or
EventBridge bus, written through its role. The write is the tenant's role's request, billed to
the tenant's account, not the platform's (listed, not priced); AssumeRole has no charge, and a
session is kept per container until five minutes before it lapses (counted: per delivery, as
measured over the run, the worker's hop to the destination role included).

${table(
  ['scenario', 'STS calls', 'tenant writes', 'Lambda', 'DynamoDB', 'SQS', 'API Gateway', 'Logs', 'total'],
  r.aws_destinations.map((s) => {
    const c = s.usd_per_million_deliveries;
    return [s.name, s.sts_calls_per_delivery, s.tenant_writes_per_delivery, c.lambda!, c.dynamodb!, c.sqs!, c.api_gateway!, c.cloudwatch_logs!, `**${c.total}**`];
  }),
)}

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
beside a baseline that signs and POSTs straight to the same receiver at the same rate. Each
figure is the median of ${r.pipeline[0]?.runs ?? 1} runs (each run's p50 in the last column).

${table(
  ['rate/s', 'events', 'hookpost deliveries/s', 'p50 ms', 'p95 ms', 'p99 ms', 'baseline p50', 'baseline p95', 'baseline p99', 'ratio p50', 'ratio p95', 'ratio p99', 'runs p50'],
  r.pipeline.map((p) => [p.rate_per_second, p.events, p.hookpost.deliveries_per_second, p.hookpost.p50_ms, p.hookpost.p95_ms, p.hookpost.p99_ms, p.baseline.p50_ms, p.baseline.p95_ms, p.baseline.p99_ms, p.ratio_p50, p.ratio_p95, p.ratio_p99, p.runs_p50_ms.join(' / ')]),
)}

Where the time went (p50 of each stage, ms): **publish** is the API call (local gateway, the
platform function, SendMessage to fauxqs); **to worker** from the publish's request to the
start of the worker invocation that took the message (the API call, fauxqs and the event
source's polling; it overlaps publish: a message is often taken before its 202 is read);
**worker** from there to the receiver's arrival (the fan-out's reads, signing, the POST). Busy is the
share of the run each thread's event loop was working: the main thread runs the load, the
gateway, every handler and SDK client; the emulators (dynalite, fauxqs) have a thread of their
own. A main thread near 1.0 queues everything behind it, whoever's code it is.

${table(
  ['rate/s', 'publish p50', 'to worker p50', 'worker p50', 'main thread busy', 'emulator thread busy'],
  r.pipeline.map((p) => [p.rate_per_second, p.split.publish_p50_ms, p.split.to_worker_p50_ms, p.split.worker_p50_ms, p.split.main_thread_busy, p.split.emulator_thread_busy]),
)}

${renderValidation(r.schema_validation)}
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
