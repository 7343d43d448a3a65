import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'hookpost');

/** What the template is made from: the CDK code, the shared settings it reads, the locked aws-cdk-lib. */
const sources = (): string[] => {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? walk(path) : /\.(ts|mjs)$/.test(entry) ? [path] : [];
    });
  return [...walk(join(ROOT, 'lib')), ...walk(join(ROOT, 'lambdas', 'shared')), join(ROOT, 'package-lock.json')].sort();
};

const synthesize = async (): Promise<unknown> => {
  const [{ App }, { HookpostStack }] = await Promise.all([import('aws-cdk-lib'), import('../../lib/hookpost-stack')]);
  const outdir = mkdtempSync(join(tmpdir(), 'hookpost-iam-synth-'));
  try {
    // Bundling skipped: IAM does not depend on the code, and esbuild would take seconds a function.
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    new HookpostStack(app, 'Hookpost');
    return app.synth().getStackByName('Hookpost').template;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};

/**
 * The stack's CloudFormation template as `cdk synth` makes it (functions' code aside), cached
 * by a hash of its sources: synthesizing takes seconds, and every local runtime needs it.
 * `HOOKPOST_TEMPLATE` names a template file to read instead (for example one `cdk synth` wrote).
 */
export const stackTemplate = async (): Promise<{ Resources: Record<string, any> }> => {
  const given = process.env.HOOKPOST_TEMPLATE;
  if (given) return JSON.parse(readFileSync(given, 'utf8'));
  const hash = createHash('sha256');
  for (const file of sources()) hash.update(file).update(readFileSync(file));
  const cached = join(CACHE_DIR, `template-${hash.digest('hex').slice(0, 16)}.json`);
  try {
    return JSON.parse(readFileSync(cached, 'utf8'));
  } catch {
    const template = await synthesize();
    mkdirSync(CACHE_DIR, { recursive: true });
    const partial = `${cached}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(template));
    renameSync(partial, cached);
    return template as { Resources: Record<string, any> };
  }
};
