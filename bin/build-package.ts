// `npm pack`'s build (the `prepack` script): what the published package carries in `dist/`, so
// that a platform's CDK app synthesizes hookpost with nothing but aws-cdk-lib, constructs and
// cdk-nag installed (no TypeScript, esbuild, lock file or Docker):
//   dist/index.cjs          the library (lib/index.ts) compiled to CommonJS, which both a
//                           CommonJS app (`cdk init app --language typescript`) and an ESM app load
//   dist/types/**.d.ts      its declarations
//   dist/functions/<name>/  each Lambda function, bundled by the construct itself (NodejsFunction at
//                           a synth of the stack), exactly what the repository's `cdk synth` ships
//   dist/cli.mjs            the operator CLI (`npx hookpost`), bundled
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REQUIRE_BANNER } from '../lib/bundling.mjs';
import { synthBundles } from '../local/bundles/synth';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
/** What the library may leave to the app to install: the peers and the one dependency. */
const LIBRARY_EXTERNALS = ['aws-cdk-lib', 'constructs', 'cdk-nag'];

const isBuiltin = (path: string) => path.startsWith('node:') || builtinModules.includes(path);

const buildLibrary = async () => {
  const result = await build({
    entryPoints: [join(ROOT, 'lib', 'index.ts')],
    outfile: join(DIST, 'index.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // lib/bundling.mjs imports esbuild only to build the Tracer chunk in the repository's own synth.
    external: [...LIBRARY_EXTERNALS, 'esbuild'],
    // dist/ is one level below the package's root, as lib/ is in the repository (lib/package-root.ts).
    define: { 'import.meta.dirname': '__dirname' },
    metafile: true,
    logLevel: 'warning',
  });
  // Anything else the library imports is inlined; a new bare import outside this list would be a
  // dependency the app does not have, so it fails the build instead of the platform's synth.
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path));
  const unexpected = [...new Set(imports)].filter((path) => !isBuiltin(path) && path !== 'esbuild' && !LIBRARY_EXTERNALS.some((name) => path === name || path.startsWith(`${name}/`)));
  if (unexpected.length > 0) throw new Error(`the library imports ${unexpected.join(', ')}, which the package does not declare`);
  writeFileSync(join(DIST, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
};

const buildDeclarations = () => {
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.package.json')], { stdio: 'inherit' });
};

const buildFunctions = async () => {
  const { functions } = await synthBundles({});
  for (const fn of Object.values(functions)) {
    if (fn.handler !== 'index.handler') throw new Error(`${fn.name}: handler ${fn.handler}, expected index.handler`);
    cpSync(fn.dir, join(DIST, 'functions', fn.name), { recursive: true });
  }
  const expected = readdirSync(join(ROOT, 'lambdas')).filter((name) => existsSync(join(ROOT, 'lambdas', name, 'handler.ts')));
  const missing = expected.filter((name) => !existsSync(join(DIST, 'functions', name, 'index.mjs')));
  if (missing.length > 0) throw new Error(`no bundle for ${missing.join(', ')}`);
};

const buildCli = async () => {
  await build({
    entryPoints: [join(ROOT, 'cli', 'main.ts')],
    outfile: join(DIST, 'cli.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: REQUIRE_BANNER },
    logLevel: 'warning',
  });
};

rmSync(DIST, { recursive: true, force: true });
mkdirSync(DIST, { recursive: true });
await buildLibrary();
buildDeclarations();
await buildFunctions();
await buildCli();
console.error(`hookpost: built ${DIST}`);
