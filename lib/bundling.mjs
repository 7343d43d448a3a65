#!/usr/bin/env node
// One description of how a function is bundled, for the function construct, the Tracer
// chunk (built by this file when run) and the benchmark's cold-start figures. Plain
// JavaScript so that the construct's afterBundling hook can run it with `node`.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..');

/** Some dependencies still call require(); an ESM bundle gets one. */
export const REQUIRE_BANNER = "import { createRequire as __hpCreateRequire } from 'module'; const require = __hpCreateRequire(import.meta.url);";

/** esbuild settings shared by every bundle (NodejsFunction passes the same through its props). */
export const ESBUILD_COMMON = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  mainFields: ['module', 'main'],
  banner: { js: REQUIRE_BANNER },
};

/**
 * Powertools Tracer and the X-Ray SDK, bundled apart and loaded on the first sampled invocation
 * (lambdas/shared/powertools.ts imports it by this name, beside its own bundle).
 */
export const TRACING_CHUNK = 'xray-tracing.mjs';
export const TRACING_CHUNK_ENTRY = join(ROOT, 'lambdas', 'shared', 'xray-tracing.ts');

export const buildTracingChunk = async (outdir, overrides = {}) => {
  const { build } = await import('esbuild');
  await build({ ...ESBUILD_COMMON, entryPoints: [TRACING_CHUNK_ENTRY], outfile: join(outdir, TRACING_CHUNK), logLevel: 'warning', ...overrides });
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outdir = process.argv[2];
  if (!outdir) throw new Error('usage: node lib/bundling.mjs <output directory>');
  // No top-level await: the published library is this file compiled to CommonJS (bin/build-package.ts).
  buildTracingChunk(outdir, { sourcemap: true, sourcesContent: false }).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
