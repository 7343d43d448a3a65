import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { deliveryIdFloor } from '../domain/ids';
import type { Delivery } from '../domain/model';
import type { DeliveryPage, PageRequest } from '../domain/ports';
import { toDelivery } from './delivery-items';
import type { Item } from './dynamo-write';
import { keys, TABLE_KEYS } from './tables';

/**
 * A filtered page (a state other than failed) reads at most this many deliveries; if it has
 * not filled up by then it answers what it found, with where to go on.
 */
export const FILTERED_PAGE_READ_LIMIT = 200;

type Key = Record<string, unknown>;
const DELIVERY = 'DELIVERY#';
const idOfSortKey = (sk: unknown): string => String(sk).slice(DELIVERY.length);

interface Source {
  query: QueryCommandInput;
  start: Key | undefined;
  buffer: Item[];
  done: boolean;
  /** The sort key of the last item read (evaluated) from this source. */
  position: string | undefined;
}

/**
 * Reads several partitions of one endpoint's history as one stream, newest first: each is read
 * a chunk at a time, and only as far as the merge needs (about a page over all of them, not a
 * page from each). With `readCap`, stops once that many items were read (filtered queries may
 * read many to find few) and gives back only what is certain: the items newer than every
 * partition's read position, and that position as where to go on. Written here because no
 * library merges DynamoDB queries.
 */
const mergeNewestFirst = async (
  db: DynamoDBDocumentClient,
  queries: QueryCommandInput[],
  want: number,
  readCap?: number,
): Promise<{ items: Item[]; exhausted: boolean; resumeAfter: string | undefined }> => {
  const chunk = Math.max(4, Math.ceil(want / queries.length) + 1);
  const sources: Source[] = queries.map((query) => ({ query, start: query.ExclusiveStartKey, buffer: [], done: false, position: undefined }));
  let read = 0;
  const capped = () => readCap !== undefined && read >= readCap;
  const fill = async (s: Source) => {
    while (!s.done && s.buffer.length === 0 && !capped()) {
      const limit = readCap === undefined ? chunk : Math.min(chunk, readCap - read);
      const page = await db.send(new QueryCommand({ ...s.query, ScanIndexForward: false, Limit: limit, ExclusiveStartKey: s.start }));
      read += page.ScannedCount ?? 0;
      s.buffer.push(...((page.Items ?? []) as Item[]));
      s.start = page.LastEvaluatedKey;
      if (s.start) s.position = String(s.start.sk);
      else s.done = true;
    }
  };
  const items: Item[] = [];
  while (items.length < want) {
    await Promise.all(sources.map(fill));
    // A partition not read through and with nothing in hand may hold something newer: wait (or stop, if capped).
    if (sources.some((s) => !s.done && s.buffer.length === 0)) break;
    const live = sources.filter((s) => s.buffer.length > 0);
    if (live.length === 0) break;
    const newest = live.reduce((a, b) => (String(a.buffer[0]!.sk) > String(b.buffer[0]!.sk) ? a : b));
    items.push(newest.buffer.shift()!);
  }
  const exhausted = sources.every((s) => s.done && s.buffer.length === 0);
  if (items.length >= want || exhausted) return { items, exhausted, resumeAfter: undefined };
  // Capped: what every partition has been read down to. Items held below it are read again next time.
  const frontier = sources.filter((s) => !s.done).reduce((max, s) => (s.position! > max ? s.position! : max), '');
  const certain = sources
    .flatMap((s) => s.buffer)
    .filter((i) => String(i.sk) > frontier)
    .sort((a, b) => String(b.sk).localeCompare(String(a.sk)));
  items.push(...certain.slice(0, want - items.length));
  return { items, exhausted: false, resumeAfter: items.length >= want ? undefined : idOfSortKey(frontier) };
};

/** A page of an endpoint's history: see `DeliveryStore.listDeliveries`. */
export const listDeliveries = async (
  db: DynamoDBDocumentClient,
  tableName: string,
  tenantId: string,
  endpointId: string,
  { offset, limit, status, startingAfter, since }: PageRequest,
): Promise<DeliveryPage> => {
  const failedOnly = status === 'failed';
  const filtered = status !== undefined && !failedOnly;
  const want = offset + limit + 1; // one more than the page: whether more follow
  // Eventually consistent (half the read units): an attempt of the last second may not be
  // listed yet, as the OpenAPI document says; a single delivery (getDelivery) reads strongly.
  // The partition's deliveries; `since`: those of events since then (ids start with their event's time: a range of sort keys).
  const range = since
    ? { condition: 'sk BETWEEN :since AND :last', values: { ':since': keys.deliverySortKey(deliveryIdFloor(since)), ':last': keys.deliverySortKey('dlv_~') } }
    : { condition: 'begins_with(sk, :deliveries)', values: { ':deliveries': DELIVERY } };
  const queries = keys.historyPartitions(tenantId, endpointId).map(
    (pk): QueryCommandInput => ({
      TableName: tableName,
      ...(failedOnly
        ? { IndexName: TABLE_KEYS.failedIndex.name, KeyConditionExpression: 'failed_pk = :pk', ExpressionAttributeValues: { ':pk': pk } }
        : {
            KeyConditionExpression: `pk = :pk AND ${range.condition}`,
            ExpressionAttributeValues: { ':pk': pk, ...range.values, ...(filtered ? { ':status': status } : {}) },
          }),
      ...(filtered ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
      ...(startingAfter ? { ExclusiveStartKey: { pk, sk: keys.deliverySortKey(startingAfter), ...(failedOnly ? { failed_pk: pk } : {}) } } : {}),
    }),
  );
  const merged = await mergeNewestFirst(db, queries, want, filtered ? FILTERED_PAGE_READ_LIMIT : undefined);
  const deliveries = merged.items.slice(offset, offset + limit).map(toDelivery);
  if (merged.items.length > offset + limit) return { deliveries, hasMore: true, nextStartingAfter: deliveries.at(-1)!.id };
  if (merged.resumeAfter) return { deliveries, hasMore: true, nextStartingAfter: merged.resumeAfter };
  return { deliveries, hasMore: false, nextStartingAfter: null };
};

/**
 * A page of a tenant's failed deliveries across its endpoints, newest event first: the tenant
 * failed index's partitions merged. The cursor is a delivery id, read on with a sort key
 * condition (an index query's start key would need the item's own table key too).
 */
export const listTenantFailed = async (
  db: DynamoDBDocumentClient,
  tableName: string,
  tenantId: string,
  { limit, startingAfter }: { limit: number; startingAfter?: string },
): Promise<DeliveryPage> => {
  const index = TABLE_KEYS.tenantFailedIndex;
  const queries = keys.tenantFailedPartitions(tenantId).map(
    (pk): QueryCommandInput => ({
      TableName: tableName,
      IndexName: index.name,
      KeyConditionExpression: startingAfter ? '#pk = :pk AND sk < :after' : '#pk = :pk',
      ExpressionAttributeNames: { '#pk': index.partitionKey },
      ExpressionAttributeValues: { ':pk': pk, ...(startingAfter ? { ':after': keys.deliverySortKey(startingAfter) } : {}) },
    }),
  );
  const merged = await mergeNewestFirst(db, queries, limit + 1);
  const deliveries = merged.items.slice(0, limit).map(toDelivery);
  const hasMore = merged.items.length > limit;
  return { deliveries, hasMore, nextStartingAfter: hasMore ? deliveries.at(-1)!.id : null };
};

/**
 * Failed deliveries of an endpoint whose event happened in [since, until], from the failed
 * index, one partition after another (a recovery needs no order); the cursor names the
 * partition and where in it to go on.
 */
export const listFailed = async (
  db: DynamoDBDocumentClient,
  tableName: string,
  tenantId: string,
  endpointId: string,
  window: { since: string; until: string },
  cursor: string | undefined,
  limit: number,
): Promise<{ deliveries: Delivery[]; cursor: string | undefined }> => {
  // Ids start with their event's time: the window is a range of sort keys. Event times are
  // whole seconds, so `since` counts from the start of its second; `until` is inclusive.
  const since = new Date(Math.floor(Date.parse(window.since) / 1000) * 1000).toISOString();
  const until = new Date(Date.parse(window.until) + 1).toISOString();
  const partitions = keys.historyPartitions(tenantId, endpointId);
  let { shard, start } = cursor ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { shard: number; start?: Key }) : { shard: 0, start: undefined };
  const found: Item[] = [];
  // From the failed index (eventually consistent, as every GSI): a delivery that failed in
  // the last second may be left to the next recovery.
  while (shard < partitions.length && found.length < limit) {
    const out = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: TABLE_KEYS.failedIndex.name,
        KeyConditionExpression: 'failed_pk = :pk AND sk BETWEEN :since AND :until',
        ExpressionAttributeValues: { ':pk': partitions[shard], ':since': keys.deliverySortKey(deliveryIdFloor(since)), ':until': keys.deliverySortKey(deliveryIdFloor(until)) },
        Limit: limit - found.length,
        ExclusiveStartKey: start,
      }),
    );
    found.push(...((out.Items ?? []) as Item[]));
    start = out.LastEvaluatedKey;
    if (!start) shard += 1;
  }
  const more = shard < partitions.length;
  return { deliveries: found.map(toDelivery), cursor: more ? Buffer.from(JSON.stringify({ shard, start })).toString('base64url') : undefined };
};
