/**
 * `npm run bench` (add `-- --smoke` for the short CI run): writes bench/results.md and
 * bench/results.json. Figures, never pass/fail on time.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'INFO'; // as deployed: the bench counts the log bytes CloudWatch would ingest
// As deployed too: each invocation's EMF line is a log line CloudWatch ingests (and bills).
process.env.POWERTOOLS_METRICS_DISABLED ??= 'false';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';

const { join } = await import('node:path');
const { runBench } = await import('./bench');
const smoke = process.argv.includes('--smoke');
const outDir = process.argv.find((a) => a.startsWith('--out='))?.slice('--out='.length) ?? new URL('.', import.meta.url).pathname;
const results = await runBench({ smoke, outDir });
console.error(`bench: wrote ${join(outDir, 'results.md')} and results.json (${results.mode})`);
export {};
