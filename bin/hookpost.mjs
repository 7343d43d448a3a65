#!/usr/bin/env node
// `npx hookpost …`: the operator CLI (cli/main.ts), run through tsx.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  progress: (line) => (process.stderr.isTTY ? process.stderr.write(`\r${line}`) : console.error(line)),
});
if (process.stderr.isTTY) process.stderr.write('\n');
