import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { DUE_INDEX_ATTRIBUTES, TABLE_KEYS } from '../lambdas/shared/adapters/tables';

const DYNAMO_READS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'ScanCommand']);
const DYNAMO_WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);

type Capacity = { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> | undefined;
const units = (c: Capacity): number => (Array.isArray(c) ? c : c ? [c] : []).reduce((n, x) => n + (x.CapacityUnits ?? 0), 0);

type Row = Record<string, unknown>;
const kb = (attributes: Row): number => Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(attributes)) / 1024));
const pick = (row: Row, names: readonly string[]): Row => Object.fromEntries(names.filter((n) => n in row).map((n) => [n, row[n]]));

/** The deliveries table's sparse indexes: their keys, and what each projects. */
const INDEXES = [
  { keys: [TABLE_KEYS.dueIndex.partitionKey, TABLE_KEYS.dueIndex.sortKey], project: (r: Row) => pick(r, ['pk', 'sk', TABLE_KEYS.dueIndex.partitionKey, TABLE_KEYS.dueIndex.sortKey, ...DUE_INDEX_ATTRIBUTES]) },
  { keys: [TABLE_KEYS.failedIndex.partitionKey, TABLE_KEYS.failedIndex.sortKey], project: (r: Row) => r },
  { keys: [TABLE_KEYS.tenantFailedIndex.partitionKey, TABLE_KEYS.tenantFailedIndex.sortKey], project: (r: Row) => r },
];

/**
 * Write units a change of one item costs in its global secondary indexes, as DynamoDB charges
 * them: an entry put when the item gains the index's keys, deleted when it loses them, both
 * when they change, and rewritten when a projected attribute changes. dynalite reports only the
 * table's units, so the bench adds these. Written here because no emulator computes them.
 */
export const indexWriteUnits = (before: Row | undefined, after: Row | undefined): number => {
  let units = 0;
  for (const index of INDEXES) {
    const had = before !== undefined && index.keys.every((k) => before[k] !== undefined);
    const has = after !== undefined && index.keys.every((k) => after[k] !== undefined);
    const old = had ? index.project(before) : undefined;
    const now = has ? index.project(after) : undefined;
    if (old && now) {
      const sameKeys = index.keys.every((k) => before![k] === after![k]);
      if (!sameKeys) units += kb(old) + kb(now);
      else if (JSON.stringify(old) !== JSON.stringify(now)) units += kb(now);
    } else if (old) units += kb(old);
    else if (now) units += kb(now);
  }
  return units;
};

/**
 * Counts the AWS requests the handlers make, with an SDK middleware on each client: requests
 * per service and command, and DynamoDB capacity units as dynalite reports them (asked with
 * ReturnConsumedCapacity), plus what single-item writes cost in the deliveries table's
 * indexes (`indexWriteUnits`, from the item read before and after, outside the count).
 */
export class RequestCounter {
  requests = new Map<string, number>();
  readUnits = 0;
  writeUnits = 0;
  emptyReceives = 0;

  reset(): void {
    this.requests.clear();
    this.readUnits = 0;
    this.writeUnits = 0;
    this.emptyReceives = 0;
  }

  count(service: string, command: string): number {
    return this.requests.get(`${service}:${command}`) ?? 0;
  }

  total(service: string): number {
    let n = 0;
    for (const [k, v] of this.requests) if (k.startsWith(`${service}:`)) n += v;
    return n;
  }

  attach = (service: string, client: DynamoDBClient | SQSClient): void => {
    let lookup: DynamoDBClient | undefined;
    /** The item as stored, read by a client the count does not see. */
    const stored = async (tableName: string, key: Record<string, unknown>): Promise<Row | undefined> => {
      lookup ??= new DynamoDBClient({ endpoint: await (client as DynamoDBClient).config.endpoint!(), region: await (client as DynamoDBClient).config.region(), credentials: await (client as DynamoDBClient).config.credentials() });
      // Before the document client's own middleware the key is plain values; after it, attribute values.
      const attributeValues = typeof key.pk === 'string' ? marshall(key) : key;
      const { Item } = await lookup.send(new GetItemCommand({ TableName: tableName, Key: attributeValues as never, ConsistentRead: true }));
      return Item ? unmarshall(Item) : undefined;
    };
    (client as DynamoDBClient).middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        const input = args.input as Record<string, unknown>;
        const isDynamo = service === 'dynamodb';
        if (isDynamo && (DYNAMO_READS.has(command) || DYNAMO_WRITES.has(command))) input.ReturnConsumedCapacity = 'TOTAL';
        // A single-item write: its index entries are counted from the item before and after.
        const single = isDynamo && ['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'].includes(command);
        const item = input.Item as Record<string, unknown> | undefined;
        const key = (input.Key as Record<string, unknown> | undefined) ?? (item ? { pk: item.pk, sk: item.sk } : undefined);
        const before = single && key ? await stored(String(input.TableName), key) : undefined;
        const result = await next(args);
        if (single && key) {
          const after = await stored(String(input.TableName), key); // read first: `+=` with an await inside would add to a stale total
          this.writeUnits += indexWriteUnits(before, after);
        }
        const output = result.output as unknown as Record<string, unknown>;
        this.requests.set(`${service}:${command}`, (this.requests.get(`${service}:${command}`) ?? 0) + 1);
        if (isDynamo) {
          const used = units(output.ConsumedCapacity as Capacity);
          if (DYNAMO_READS.has(command)) this.readUnits += used;
          if (DYNAMO_WRITES.has(command)) {
            this.writeUnits += used;
          }
        } else if (command === 'ReceiveMessageCommand' && !((output.Messages as unknown[]) ?? []).length) {
          this.emptyReceives++;
        }
        return result;
      },
      { step: 'initialize', name: 'benchRequestCounter' },
    );
  };
}

/**
 * Capacity units DynamoDB reports for every request of `client` (it asks for them), added up
 * until `reset`: what the scale bench and the tests of what a read costs measure.
 */
export const capacityMeter = (client: DynamoDBClient) => {
  let total = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      const out = await next(args);
      total += units((out.output as { ConsumedCapacity?: Capacity }).ConsumedCapacity);
      return out;
    },
    { step: 'initialize', name: 'capacityMeter' },
  );
  return {
    /** The units of what `run` does. */
    async measure<T>(run: () => Promise<T>): Promise<{ units: number; result: T }> {
      total = 0;
      const result = await run();
      return { units: total, result };
    },
  };
};
