import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DUE_INDEX_ATTRIBUTES, TABLE_KEYS } from '../lambdas/shared/adapters/tables';
import { startDynaliteServer, startFauxqsServer } from './emulator-servers.mjs';
import { ensureTableShape } from './table-rebuild';

/** Emulators need an explicit region and dummy credentials, or the SDK looks off-machine. */
export const DUMMY_AWS = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

export interface TableNames {
  configs: string;
  deliveries: string;
}

/** dynalite on a loopback port, in memory or persisted under `path`, spoken to over the real wire protocol. */
export const startDynamo = async (options: { path?: string } = {}) => {
  const server = await startDynaliteServer(options);
  const client = new DynamoDBClient({ ...DUMMY_AWS, endpoint: server.endpoint });
  return {
    endpoint: server.endpoint,
    client,
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
};

/** fauxqs on a loopback port, in memory or persisted (SQLite) under `dataDir`. */
export const startSqs = async (options: { dataDir?: string } = {}) => {
  const server = await startFauxqsServer(options);
  const client = new SQSClient({ ...DUMMY_AWS, endpoint: server.endpoint });
  return {
    endpoint: server.endpoint,
    client,
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
};

/**
 * Both emulators on a worker thread (`emulator-thread.mjs`), persisted under the given paths:
 * the local runtime's handlers and its emulators then run on separate cores. SDK clients are
 * built here, on the caller's thread.
 */
export const startEmulatorThread = async (options: { dynamoPath?: string; sqsDataDir?: string } = {}) => {
  const worker = new Worker(new URL('./emulator-thread.mjs', import.meta.url), { workerData: options });
  const endpoints = await new Promise<{ dynamodb: string; sqs: string }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`The emulator thread exited (${code}) before it was ready`)));
  });
  const dynamoClient = new DynamoDBClient({ ...DUMMY_AWS, endpoint: endpoints.dynamodb });
  const sqsClient = new SQSClient({ ...DUMMY_AWS, endpoint: endpoints.sqs });
  return {
    dynamo: { endpoint: endpoints.dynamodb, client: dynamoClient },
    sqs: { endpoint: endpoints.sqs, client: sqsClient },
    /** How busy the emulators' thread has been (benchmarks tell their time from hookpost's). */
    eventLoopUtilization: (since?: EventLoopUtilization) => (since ? worker.performance.eventLoopUtilization(worker.performance.eventLoopUtilization(), since) : worker.performance.eventLoopUtilization()),
    async stop() {
      dynamoClient.destroy();
      sqsClient.destroy();
      const stopped = new Promise<void>((resolve) => worker.once('message', () => resolve()));
      worker.postMessage('stop');
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 5_000))]);
      await worker.terminate();
    },
  };
};

/** The two tables with the key schema the CDK stack declares (both read TABLE_KEYS). */
export const tableDefinitions = (names: TableNames): CreateTableCommandInput[] => {
  const k = TABLE_KEYS;
  const keySchema = [
    { AttributeName: k.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: k.sortKey, KeyType: 'RANGE' as const },
  ];
  const attr = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
  return [
    {
      TableName: names.configs,
      KeySchema: keySchema,
      AttributeDefinitions: [attr(k.partitionKey), attr(k.sortKey), attr(k.tenantItemsIndex.partitionKey)],
      GlobalSecondaryIndexes: [tenantItemsIndexDefinition()],
      BillingMode: 'PAY_PER_REQUEST',
    },
    {
      TableName: names.deliveries,
      KeySchema: keySchema,
      AttributeDefinitions: [attr(k.partitionKey), attr(k.sortKey), attr(k.dueIndex.partitionKey), attr(k.dueIndex.sortKey), attr(k.failedIndex.partitionKey), attr(k.tenantFailedIndex.partitionKey), attr(k.tenantItemsIndex.partitionKey)],
      GlobalSecondaryIndexes: [dueIndexDefinition(), failedIndexDefinition(k.failedIndex), failedIndexDefinition(k.tenantFailedIndex), tenantItemsIndexDefinition()],
      BillingMode: 'PAY_PER_REQUEST',
    },
  ];
};

const dueIndexDefinition = () => ({
  IndexName: TABLE_KEYS.dueIndex.name,
  KeySchema: [
    { AttributeName: TABLE_KEYS.dueIndex.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: TABLE_KEYS.dueIndex.sortKey, KeyType: 'RANGE' as const },
  ],
  Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...DUE_INDEX_ATTRIBUTES] },
});

/** The sparse, keys-only index of a tenant's items outside its own partitions (what its erasure reads). */
const tenantItemsIndexDefinition = () => ({
  IndexName: TABLE_KEYS.tenantItemsIndex.name,
  KeySchema: [{ AttributeName: TABLE_KEYS.tenantItemsIndex.partitionKey, KeyType: 'HASH' as const }],
  Projection: { ProjectionType: 'KEYS_ONLY' as const },
});

/** A sparse index of failed deliveries (by endpoint, or by tenant), every attribute projected. */
const failedIndexDefinition = (index: { name: string; partitionKey: string; sortKey: string }) => ({
  IndexName: index.name,
  KeySchema: [
    { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
  ],
  Projection: { ProjectionType: 'ALL' as const },
});

/**
 * Creates the tables; ones that exist already (a restart) are left as they are, but for an
 * index added since they were created (a data directory from an older version): such a table
 * is rebuilt with its items (`./table-rebuild`, as dynalite cannot add an index in place).
 */
export const ensureTables = async (client: DynamoDBClient, names: TableNames): Promise<void> => {
  for (const table of tableDefinitions(names)) {
    try {
      await client.send(new CreateTableCommand(table));
    } catch (e) {
      if ((e as Error).name !== 'ResourceInUseException') throw e;
    }
    await ensureTableShape(client, table);
  }
};
