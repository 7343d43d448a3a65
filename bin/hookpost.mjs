#!/usr/bin/env node
// `npx hookpost …`: the operator CLI. In the repository it runs cli/main.ts through tsx; the
// published package carries no sources, only the CLI bundled by `npm pack` (dist/cli.mjs).
import { existsSync } from 'node:fs';

const source = new URL('../cli/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import(new URL('../dist/cli.mjs', import.meta.url).href));
}
process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  progress: (line) => (process.stderr.isTTY ? process.stderr.write(`\r${line}`) : console.error(line)),
});
if (process.stderr.isTTY) process.stderr.write('\n');
