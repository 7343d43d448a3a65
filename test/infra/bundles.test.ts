import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { CLIENTS_USED } from '../../bench/bundle-env';
import { ESBUILD_COMMON, TRACING_CHUNK_ENTRY } from '../../lib/bundling.mjs';

const ROOT = join(import.meta.dirname, '..', '..');

/** The packages a bundle holds, from esbuild's metafile, built as the function construct builds it. */
const packagesIn = async (entry: string): Promise<Set<string>> => {
  const result = await build({ ...ESBUILD_COMMON, entryPoints: [entry], write: false, outfile: 'index.mjs', metafile: true, logLevel: 'silent' });
  const packages = new Set<string>();
  // What reached the output: an import that esbuild shook out contributes no bytes.
  const [output] = Object.values(result.metafile.outputs);
  for (const [input, { bytesInOutput }] of Object.entries(output!.inputs)) {
    if (bytesInOutput === 0) continue;
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) packages.add(match[1]!);
  }
  return packages;
};

describe('what each function bundles', () => {
  it('covers every function under lambdas/', () => {
    const functions = readdirSync(join(ROOT, 'lambdas'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'shared')
      .map((d) => d.name);
    expect(Object.keys(CLIENTS_USED).sort()).toEqual(functions.sort());
  });

  it.each(Object.entries(CLIENTS_USED))('%s holds the SDK clients it calls and no others, and no X-Ray SDK', async (fn, clients) => {
    const packages = await packagesIn(join(ROOT, 'lambdas', fn, 'handler.ts'));
    const sdkClients = [...packages].filter((p) => /^@aws-sdk\/(client-|lib-)/.test(p)).map((p) => p.replace('@aws-sdk/', ''));
    expect(sdkClients.sort()).toEqual([...clients].sort());
    // The Tracer is a chunk of its own, imported on the first sampled invocation.
    expect(packages.has('aws-xray-sdk-core')).toBe(false);
    expect(packages.has('@aws-lambda-powertools/tracer')).toBe(false);
    // The local IAM rehearsal (AGPL-3.0, a development dependency) never ships in a function.
    expect([...packages].filter((p) => p.startsWith('@cloud-copilot/') || p === 'cfn-resolver-lib')).toEqual([]);
  }, 30_000);

  it('the Tracer chunk holds Powertools Tracer and the X-Ray SDK, and no service client', async () => {
    const packages = await packagesIn(TRACING_CHUNK_ENTRY);
    expect(packages.has('@aws-lambda-powertools/tracer')).toBe(true);
    expect(packages.has('aws-xray-sdk-core')).toBe(true);
    expect([...packages].filter((p) => p.startsWith('@aws-sdk/client-'))).toEqual([]);
  }, 30_000);
});
