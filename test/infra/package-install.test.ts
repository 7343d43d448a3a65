import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as a platform installs it: `npm pack` of the repository (its `prepack` build),
 * then the tarball installed into an app exactly as `cdk init app --language typescript` lays
 * it out (the CLI this repository pins), which then adds the construct, type-checks and
 * synthesizes with the app's own tools. Needs the npm registry for the app's own dependencies,
 * as `cdk init` does.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const sh = (cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) =>
  run(cmd, args, { cwd, env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });

/** The newest Node runtime (24 or later) that an app's installed aws-cdk-lib knows, read from that copy itself. */
const newestIn = (dir: string): string => {
  const { Runtime } = createRequire(join(dir, 'package.json'))('aws-cdk-lib/aws-lambda') as { Runtime: Record<string, unknown> };
  const versions = Object.keys(Runtime).flatMap((name) => /^NODEJS_(\d+)_X$/.exec(name)?.[1] ?? []).map(Number).filter((v) => v >= 24);
  return `nodejs${Math.max(...versions)}.x`;
};

let work: string;
let app: string;
let tarball: string;
let packed: Array<{ path: string }>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'hookpost-pack-'));
  const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', work], ROOT);
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('[')));
  tarball = join(work, info.filename);
  packed = info.files;
  app = join(work, 'platform-app');
  mkdirSync(app);
  await sh(join(ROOT, 'node_modules', '.bin', 'cdk'), ['init', 'app', '--language', 'typescript', '--generate-only'], app);
  await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], app);
  await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], app);
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed construct library', () => {
  it('carries the built library, the bundled functions and the CLI, and no tests, benches, fixtures or sources', () => {
    const paths = packed.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.cjs', 'dist/types/lib/index.d.ts', 'dist/cli.mjs', 'bin/hookpost.mjs']));
    for (const name of ['account-webhooks', 'admin-webhooks', 'delivery-worker', 'docs', 'eventbridge-ingest', 'platform']) {
      expect(paths).toContain(`dist/functions/${name}/index.mjs`);
      expect(paths).toContain(`dist/functions/${name}/xray-tracing.mjs`);
    }
    expect(paths.filter((p) => /^(test|bench|local|lambdas|lib|sdk|cli|\.ci)\//.test(p) || /\.ts$/.test(p.replace(/\.d\.ts$/, '')))).toEqual([]);
  });

  it('installs into a `cdk init` app with the peers it already has, and the app type-checks and synthesizes with the construct and grantPublish', async () => {
    const installed = JSON.parse(readFileSync(join(app, 'node_modules', 'hookpost', 'package.json'), 'utf8'));
    expect(installed.peerDependencies).toEqual({ 'aws-cdk-lib': expect.any(String), constructs: expect.any(String) });
    expect(Object.keys(installed.dependencies)).toEqual(['cdk-nag']);

    const stackFile = readdirSync(join(app, 'lib')).find((f) => f.endsWith('-stack.ts'))!;
    const source = readFileSync(join(app, 'lib', stackFile), 'utf8');
    writeFileSync(
      join(app, 'lib', stackFile),
      source
        .replace("import { Construct } from 'constructs';", "import { Construct } from 'constructs';\nimport * as iam from 'aws-cdk-lib/aws-iam';\nimport { Hookpost } from 'hookpost';")
        .replace(
          '// The code that defines your stack goes here',
          "const webhooks = new Hookpost(this, 'Webhooks', { retrySchedule: [30, 120, 600, 3600, 21600] });\n    const backend = new iam.Role(this, 'Backend', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });\n    webhooks.grantPublish(backend);",
        ),
    );
    await sh('npx', ['tsc'], app);
    const synth = await sh('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', 'cdk.out'], app);
    // Nothing was bundled at the app's synth: every function is the package's own prebuilt bundle.
    expect(`${synth.stdout}${synth.stderr}`).not.toMatch(/Bundling asset/);
    const assembly = join(app, 'cdk.out');
    const templateFile = readdirSync(assembly).find((f) => f.endsWith('.template.json'))!;
    const template = JSON.parse(readFileSync(join(assembly, templateFile), 'utf8'));
    const functions = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Tags?.some((t: any) => t.Key === 'hookpost:function'));
    expect(functions.length).toBe(6);
    for (const fn of functions) {
      const name = fn.Properties.Tags.find((t: any) => t.Key === 'hookpost:function').Value;
      const asset = fn.Metadata['aws:asset:path'];
      expect(readFileSync(join(assembly, asset, 'index.mjs'))).toEqual(readFileSync(join(app, 'node_modules', 'hookpost', 'dist', 'functions', name, 'index.mjs')));
      expect(fn.Properties.Handler).toBe('index.handler');
      // The newest Node runtime the app's own aws-cdk-lib knows (it may be newer than hookpost's).
      expect(fn.Properties.Runtime).toBe(newestIn(app));
    }
    const policies = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles?.some((role: any) => role.Ref?.startsWith('Backend')));
    expect(JSON.stringify(policies)).toContain('execute-api:Invoke');
  });

  it('loads from an ESM app too, and its CLI runs from the app', async () => {
    writeFileSync(
      join(app, 'esm-app.mjs'),
      [
        "import { App } from 'aws-cdk-lib';",
        "import { HookpostStack, OPERATIONAL_EVENT_TYPES } from 'hookpost';",
        "const app = new App({ outdir: 'cdk.out.esm' });",
        "new HookpostStack(app, 'Webhooks');",
        "const assembly = app.synth();",
        "console.log(JSON.stringify({ stacks: assembly.stacks.map((s) => s.stackName), types: OPERATIONAL_EVENT_TYPES }));",
      ].join('\n'),
    );
    const { stdout } = await sh('node', ['esm-app.mjs'], app);
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ stacks: ['Webhooks'], types: expect.arrayContaining(['delivery.failed']) });
    const cli = await sh('npx', ['hookpost', '--help'], app);
    expect(cli.stdout).toMatch(/^hookpost: operator commands/);
  });
});
