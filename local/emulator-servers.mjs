// The two emulators' servers, on loopback ports, in memory or persisted: one definition for
// the emulator thread of the local runtime and for the adapter tests that start them alone.
// Plain JavaScript: a worker thread does not inherit the parent's TypeScript loader.
import { createRequire } from 'node:module';
import { Server } from 'node:net';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';

/**
 * dynalite sizes a string by its length in UTF-16 code units; DynamoDB by its UTF-8 bytes, so
 * an item of non-ASCII text that DynamoDB refuses (over 400 KB) would pass here. Its size
 * checks (PutItem, UpdateItem, BatchWriteItem all call the module's `itemSize`) get the bytes
 * the characters leave out. Written by hand: dynalite has no option for it.
 */
const dynaliteDb = createRequire(import.meta.url)('dynalite/db/index.js');
const charactersSized = dynaliteDb.itemSize;
const utf8Extra = (value) => {
  if (value === null || typeof value !== 'object') return 0;
  if (typeof value.S === 'string') return Buffer.byteLength(value.S) - value.S.length;
  if (Array.isArray(value.SS)) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s) - s.length, 0);
  if (Array.isArray(value.L)) return value.L.reduce((sum, v) => sum + utf8Extra(v), 0);
  if (value.M) return Object.values(value.M).reduce((sum, v) => sum + utf8Extra(v), 0);
  return 0;
};
dynaliteDb.itemSize = (item, ...rest) => charactersSized(item, ...rest) + Object.values(item ?? {}).reduce((sum, v) => sum + utf8Extra(v), 0);

/** dynalite, persisted under `path` when given. */
export const startDynaliteServer = async ({ path } = {}) => {
  const server = dynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${server.address().port}`,
    async stop() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
};

/**
 * Runs `start` with every server it opens bound to loopback, whatever host it asks for.
 * Written by hand because fauxqs has no option for it: its `startFauxqs` takes a `host` for
 * queue URLs but listens on 0.0.0.0 regardless (fauxqs dist/app.js, `app.listen({ port,
 * host: "0.0.0.0" })`), which would let anyone who reaches the machine inject delivery
 * messages. Only during `start`, so no other server is affected.
 */
const onLoopbackOnly = async (start) => {
  const original = Server.prototype.listen;
  Server.prototype.listen = function listen(...args) {
    const [first] = args;
    if (first && typeof first === 'object' && 'port' in first) args[0] = { ...first, host: '127.0.0.1' };
    else if (typeof first === 'number') args.splice(1, typeof args[1] === 'string' ? 1 : 0, '127.0.0.1');
    return original.apply(this, args);
  };
  try {
    return await start();
  } finally {
    Server.prototype.listen = original;
  }
};

/** fauxqs on loopback only, persisted (SQLite) under `dataDir` when given. */
export const startFauxqsServer = async ({ dataDir } = {}) => {
  const server = await onLoopbackOnly(() => startFauxqs({ port: 0, host: '127.0.0.1', logger: false, ...(dataDir ? { dataDir } : {}) }));
  return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
};
