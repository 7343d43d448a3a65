// One Lambda execution environment for a bundled function: imports the bundle once (its cold
// start), then runs one invocation at a time as the parent sends them over IPC, as Lambda's
// runtime does. The environment (the template's variables, endpoints, credentials) is the
// process's own. usage: node lambda-host.mjs <asset dir> <module.export>
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, handlerName] = process.argv.slice(2);
const [file, exported] = handlerName.split('.');
let handler;
try {
  handler = (await import(pathToFileURL(join(dir, `${file}.mjs`)).href))[exported];
  if (typeof handler !== 'function') throw new Error(`${handlerName} is not a function`);
} catch (error) {
  process.send({ kind: 'init-error', error: { name: error.name, message: error.message, stack: error.stack } });
  process.exit(1);
}
process.send({ kind: 'ready' });

process.on('message', async ({ id, event, context }) => {
  const deadline = Date.now() + context.remainingMs;
  const ctx = {
    ...context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  try {
    const result = await handler(event, ctx);
    process.send({ kind: 'result', id, result: result === undefined ? null : result });
  } catch (error) {
    process.send({ kind: 'result', id, error: { name: error?.name ?? 'Error', message: String(error?.message ?? error), stack: error?.stack } });
  }
});
