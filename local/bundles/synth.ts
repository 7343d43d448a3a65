import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTION_TAG } from '../../lib/tags';

const ROOT = join(import.meta.dirname, '..', '..');
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'hookpost');

/** One function of the synthesized stack, as Lambda would run it. */
export interface BundledFunction {
  /** The function's folder under `lambdas/` (its `hookpost:function` tag). */
  name: string;
  /** The asset directory `cdk synth` wrote: `index.mjs` and what the bundling put beside it. */
  dir: string;
  /** `index.handler`. */
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** The runtime the template names, e.g. `nodejs24.x`. */
  runtime: string;
  /** Its layers' asset directories, in order: what Lambda mounts at `/opt`. */
  layers: string[];
}

export interface BundledStack {
  template: { Resources: Record<string, any> };
  functions: Record<string, BundledFunction>;
}

/** Everything a bundle or the template is made from. */
const sources = (): string[] => {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? walk(path) : /\.(ts|mjs|json)$/.test(entry) ? [path] : [];
    });
  return [...walk(join(ROOT, 'lib')), ...walk(join(ROOT, 'lambdas')), ...walk(join(ROOT, 'catalogue')), join(ROOT, 'package-lock.json')].sort();
};

const tagOf = (resource: any): string | undefined =>
  (resource.Properties?.Tags as Array<{ Key: string; Value: string }> | undefined)?.find((t) => t.Key === FUNCTION_TAG)?.Value;

/** Reads the functions of a cloud assembly directory: each one's asset, handler and limits. */
export const readAssembly = (outdir: string, stackName = 'Hookpost'): BundledStack => {
  const template = JSON.parse(readFileSync(join(outdir, `${stackName}.template.json`), 'utf8'));
  const functions: Record<string, BundledFunction> = {};
  for (const resource of Object.values<any>(template.Resources)) {
    const name = tagOf(resource);
    if (resource.Type !== 'AWS::Lambda::Function' || !name) continue;
    const asset = resource.Metadata?.['aws:asset:path'];
    if (!asset) throw new Error(`${name} has no asset in the template: was it synthesized without bundling?`);
    functions[name] = {
      name,
      dir: join(outdir, asset),
      handler: resource.Properties.Handler,
      timeoutSeconds: resource.Properties.Timeout ?? 3,
      memoryMb: resource.Properties.MemorySize ?? 128,
      runtime: resource.Properties.Runtime,
      layers: ((resource.Properties.Layers ?? []) as Array<{ Ref?: string }>).map((layer) => {
        const path = layer.Ref ? template.Resources[layer.Ref]?.Metadata?.['aws:asset:path'] : undefined;
        if (!path) throw new Error(`${name}: a layer that is not an asset of the stack (${JSON.stringify(layer)})`);
        return join(outdir, path);
      }),
    };
  }
  return { template, functions };
};

/**
 * The stack as `cdk synth` makes it, bundles included (the function construct's esbuild
 * settings and its after-bundling step), with the given stack properties. Cached by a hash of
 * the sources and the properties: bundling takes seconds a function.
 */
export const synthBundles = async (props: Record<string, unknown> = {}, stackName = 'Hookpost'): Promise<BundledStack> => {
  const hash = createHash('sha256').update('asset-metadata').update(JSON.stringify(props)).update(stackName);
  for (const file of sources()) hash.update(file).update(readFileSync(file));
  const outdir = join(CACHE_DIR, `assembly-${hash.digest('hex').slice(0, 16)}`);
  if (!existsSync(join(outdir, `${stackName}.template.json`))) {
    const [{ App }, { HookpostStack }] = await Promise.all([import('aws-cdk-lib'), import('../../lib/hookpost-stack')]);
    const partial = `${outdir}.${process.pid}.tmp`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    // As the CLI runs it: asset metadata names each function's asset directory.
    const app = new App({ outdir: partial, context: { 'aws:cdk:enable-asset-metadata': true } });
    new HookpostStack(app, stackName, props);
    app.synth();
    writeFileSync(join(partial, 'props.json'), JSON.stringify(props));
    rmSync(outdir, { recursive: true, force: true });
    renameSync(partial, outdir);
  }
  return readAssembly(outdir, stackName);
};
