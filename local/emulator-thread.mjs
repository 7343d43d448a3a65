// The two emulators on a thread of their own, so that they and the handlers use both cores
// (in one thread, dynalite and fauxqs took half of the local runtime's CPU at 200 events/s).
// Plain JavaScript: a worker thread does not inherit the parent's TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';

const { dynamoPath, sqsDataDir } = workerData;
const dynamo = dynalite({ ...(dynamoPath ? { path: dynamoPath } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
await new Promise((resolve, reject) => {
  dynamo.once('error', reject);
  dynamo.listen(0, '127.0.0.1', resolve);
});
const sqs = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false, ...(sqsDataDir ? { dataDir: sqsDataDir } : {}) });

parentPort.on('message', async (message) => {
  if (message !== 'stop') return;
  dynamo.closeAllConnections?.();
  await new Promise((resolve) => dynamo.close(() => resolve()));
  await sqs.stop();
  parentPort.postMessage({ stopped: true });
});
parentPort.postMessage({ dynamodb: `http://127.0.0.1:${dynamo.address().port}`, sqs: `http://127.0.0.1:${sqs.port}` });
