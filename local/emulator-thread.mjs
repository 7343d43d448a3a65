// The two emulators on a thread of their own, so that they and the handlers use both cores
// (in one thread, dynalite and fauxqs took a quarter of the local runtime's CPU at 200 events/s).
import { parentPort, workerData } from 'node:worker_threads';
import { startDynaliteServer, startFauxqsServer } from './emulator-servers.mjs';

const dynamo = await startDynaliteServer({ path: workerData.dynamoPath });
const sqs = await startFauxqsServer({ dataDir: workerData.sqsDataDir });

parentPort.on('message', async (message) => {
  if (message !== 'stop') return;
  await dynamo.stop();
  await sqs.stop();
  parentPort.postMessage({ stopped: true });
});
parentPort.postMessage({ dynamodb: dynamo.endpoint, sqs: sqs.endpoint });
