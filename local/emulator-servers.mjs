// The two emulators' servers, on loopback ports, in memory or persisted: one definition for
// the emulator thread of the local runtime and for the adapter tests that start them alone.
// Plain JavaScript: a worker thread does not inherit the parent's TypeScript loader.
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';

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

/** fauxqs, persisted (SQLite) under `dataDir` when given. */
export const startFauxqsServer = async ({ dataDir } = {}) => {
  const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false, ...(dataDir ? { dataDir } : {}) });
  return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
};
