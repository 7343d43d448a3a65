import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, type ScanCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SubscriptionPointers, subscribedTypes } from '../lambdas/shared/adapters/dynamo-subscriptions';
import { keys, TABLE_KEYS } from '../lambdas/shared/adapters/tables';
import { retiredEndpointItem } from '../lambdas/shared/adapters/endpoint-items';
import { documentClient } from '../lambdas/shared/aws-ports';

type Row = Record<string, unknown>;

/** Every item a (filtered) scan finds, page after page, handed to `each` in turn. */
const scanEach = async (db: ReturnType<typeof documentClient>, input: ScanCommandInput, each: (item: Row) => Promise<void>): Promise<void> => {
  let start: Row | undefined;
  do {
    const page: { Items?: Row[]; LastEvaluatedKey?: Row } = await db.send(new ScanCommand({ ...input, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) await each(item);
    start = page.LastEvaluatedKey;
  } while (start);
};

/**
 * A data directory from before publishes read subscription pointers has endpoints without
 * them, which would receive nothing: writes the pointers every endpoint's subscriptions need
 * (writing one that exists changes nothing). A scan of the local configs table, at start only.
 */
export const backfillSubscriptionPointers = async (dynamo: DynamoDBClient, configTable: string): Promise<number> => {
  const db = documentClient(dynamo);
  const pointers = new SubscriptionPointers(db, configTable);
  let written = 0;
  await scanEach(db, { TableName: configTable, FilterExpression: 'begins_with(sk, :endpoint)', ExpressionAttributeValues: { ':endpoint': 'ENDPOINT#' } }, async (e) => {
    const types = subscribedTypes((e.events as string[] | null | undefined) ?? null);
    await pointers.add(e.tenant_id as string, e.id as string, types, e.updated_at as string);
    written += types.length;
  });
  return written;
};

/**
 * Brings a data directory's history up to this version, in one scan: deliveries from before an
 * endpoint's history was spread over partitions (and their attempts that left their items),
 * kept in one partition per endpoint, move to the partition they belong in now (copy, then
 * delete: a crash in between leaves a copy in both, and the next start moves it again); and
 * failed deliveries from before the failures view get their key in the tenant failed index.
 * Answers how many items it changed.
 */
export const shardLegacyHistory = async (dynamo: DynamoDBClient, deliveriesTable: string): Promise<number> => {
  const db = documentClient(dynamo);
  let changed = 0;
  await scanEach(db, { TableName: deliveriesTable, FilterExpression: 'begins_with(pk, :endpoint)', ExpressionAttributeValues: { ':endpoint': 'ENDPOINT#' } }, async (item) => {
    const legacy = /^ENDPOINT#([^#]+)#([^#]+)$/.exec(String(item.pk));
    const deliveryId = /^(?:DELIVERY|ATTEMPT)#(dlv_[0-9a-z]+)/.exec(String(item.sk))?.[1];
    if (!deliveryId) return;
    const ref = legacy ? { tenantId: legacy[1]!, endpointId: legacy[2]!, deliveryId } : { tenantId: String(item.tenant_id), endpointId: String(item.endpoint_id), deliveryId };
    const failedKeys = () => (item.failed_pk ? keys.failedIndexKeys(ref) : {});
    if (legacy) {
      await db.send(new PutCommand({ TableName: deliveriesTable, Item: { ...item, pk: keys.delivery(ref).pk, ...failedKeys() } }));
      await db.send(new DeleteCommand({ TableName: deliveriesTable, Key: { pk: item.pk, sk: item.sk } }));
    } else if (item.failed_pk && !item.tenant_failed_pk) {
      await db.send(new PutCommand({ TableName: deliveriesTable, Item: { ...item, ...failedKeys() } }));
    } else return;
    changed++;
  });
  return changed;
};

/**
 * A data directory from before tenants could be erased: the items a tenant's erasure finds by
 * the tenant-items index (sessions, portal links, subscription pointers; stored events,
 * recoveries) get its key, and each deleted webhook whose history is still kept gets the
 * marker by which the erasure finds that history. Answers how many items it wrote.
 */
export const indexTenantItems = async (dynamo: DynamoDBClient, tables: { configs: string; deliveries: string }): Promise<number> => {
  const db = documentClient(dynamo);
  const index = TABLE_KEYS.tenantItemsIndex.partitionKey;
  let written = 0;
  const mark = async (table: string, item: Row, tenantId: string, id: string) => {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: 'SET #index = :index',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#index': index },
        ExpressionAttributeValues: { ':index': keys.tenantItems(tenantId, id)[index] },
      }),
    );
    written++;
  };
  const endpoints = new Set<string>();
  await scanEach(db, { TableName: tables.configs }, async (item) => {
    const pk = String(item.pk);
    // Webhooks, and deleted ones already marked: their history needs no marker.
    if (pk.startsWith('TENANT#') && /^(ENDPOINT|RETIRED)#/.test(String(item.sk))) endpoints.add(`${pk.slice('TENANT#'.length)} ${String(item.sk).split('#')[1]}`);
    if (item[index] !== undefined) return;
    if (pk.startsWith('APIKEY#') && item.type === 'session') await mark(tables.configs, item, String(item.tenant_id), pk.slice('APIKEY#'.length));
    else if (pk.startsWith('PORTAL#')) await mark(tables.configs, item, String(item.tenant_id), pk.slice('PORTAL#'.length));
    else if (pk.startsWith('SUBS#')) {
      // SUBS#<tenant>#<type>: tenant ids have no '#'.
      const [, tenantId, ...type] = pk.split('#');
      await mark(tables.configs, item, tenantId!, `${type.join('#')}#${String(item.sk)}`);
    }
  });
  const retired = new Map<string, { tenantId: string; endpointId: string }>();
  await scanEach(db, { TableName: tables.deliveries }, async (item) => {
    const pk = String(item.pk);
    if (pk.startsWith('ENDPOINT#') && String(item.sk).startsWith('DELIVERY#')) {
      const [, tenantId, endpointId] = pk.split('#');
      if (!endpoints.has(`${tenantId} ${endpointId}`)) retired.set(`${tenantId} ${endpointId}`, { tenantId: tenantId!, endpointId: endpointId! });
    }
    if (item[index] !== undefined) return;
    if (pk.startsWith('EVENT#') || pk.startsWith('RECOVERY#')) await mark(tables.deliveries, item, String(item.tenant_id), String(item.id));
  });
  for (const { tenantId, endpointId } of retired.values()) {
    await db.send(
      new PutCommand({
        TableName: tables.configs,
        Item: retiredEndpointItem(tenantId, endpointId),
      }),
    );
    written++;
  }
  return written;
};

/**
 * The version of local data these migrations bring a data directory to: bump it with a new
 * migration. A data directory at this version is not scanned again.
 */
export const LOCAL_DATA_VERSION = 4;
const MARKER = { pk: 'LOCAL#DATA', sk: 'VERSION' };

/**
 * Runs the migrations above on a data directory older than `LOCAL_DATA_VERSION` (one scan of
 * each table), then marks it, so that later starts read one item instead of every one.
 * Answers whether it ran them.
 */
export const migrateLocalData = async (dynamo: DynamoDBClient, tables: { configs: string; deliveries: string }): Promise<boolean> => {
  const db = documentClient(dynamo);
  const { Item } = await db.send(new GetCommand({ TableName: tables.configs, Key: MARKER, ConsistentRead: true }));
  if (Item && Number(Item.version) >= LOCAL_DATA_VERSION) return false;
  await backfillSubscriptionPointers(dynamo, tables.configs);
  await shardLegacyHistory(dynamo, tables.deliveries);
  await indexTenantItems(dynamo, tables);
  await db.send(new PutCommand({ TableName: tables.configs, Item: { ...MARKER, version: LOCAL_DATA_VERSION } }));
  return true;
};
