/**
 * Bundle sizes and module load times of each function, against bare SDK bundles.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { buildTracingChunk, ESBUILD_COMMON, TRACING_CHUNK } from '../lib/bundling.mjs';
import { BUNDLE_LOAD_ENV, CLIENTS_USED, LIBRARIES_USED } from './bundle-env';
import { type BenchOptions, ROOT, median, round } from './support';

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
  'client-sts': 'STSClient',
  'client-sns': 'SNSClient',
};

/**
 * Bundled as the function construct bundles (lib/bundling.mjs: ESM, minified, a linked source
 * map without sources) and loaded as Lambda loads it (the construct's NODE_OPTIONS, which
 * read the map at load): the bare bundle gets the same treatment.
 */
export const LAMBDA_NODE_OPTIONS = ['--enable-source-maps'];
export const bundle = async (entry: { file: string } | { contents: string }, outfile: string) => {
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

