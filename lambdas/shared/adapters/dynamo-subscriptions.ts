import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, batchWriteAll, type Item, whenConditionHolds } from './dynamo-write';
import { keys, TABLE_KEYS } from './tables';

/** The pointer type of an endpoint subscribed to every type (`events: null`). */
export const EVERY_TYPE = '*';

export const subscribedTypes = (events: string[] | null): string[] => events ?? [EVERY_TYPE];

/**
 * A pointer left by an older change is removed only when the endpoint was observed in a state
 * written at least this much later than the pointer: a concurrent change that (re)subscribes it
 * writes its pointer before the endpoint, and clocks of two functions may differ a little.
 */
const STALE_MARGIN_MS = 1_000;

/**
 * Which endpoints of a tenant subscribe to an event type, as pointer items of their own
 * (`SUBS#<tenant>#<type>` → endpoint id, and `SUBS#<tenant>#*` for endpoints of every type), so
 * that a publish reads the subscribed endpoints and not the tenant's others. There are no
 * transactions (and the local DynamoDB has none), so the order of writes keeps it safe: a
 * pointer is written before the endpoint subscribes, and removed only once the endpoint,
 * read afterwards, no longer does. A pointer without its subscription costs a read and is
 * filtered out; a subscription is never without its pointer.
 */
export class SubscriptionPointers {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Points `types` at the endpoint; `at` (the change's time) only ever moves forward. */
  async add(tenantId: string, endpointId: string, types: string[], at: string): Promise<void> {
    await Promise.all(
      types.map((type) =>
        whenConditionHolds(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: keys.subscription(tenantId, type, endpointId),
              UpdateExpression: 'SET #at = :at, #tenantItems = :tenantItems',
              ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
              ExpressionAttributeNames: { '#at': 'at', '#tenantItems': TABLE_KEYS.tenantItemsIndex.partitionKey },
              ExpressionAttributeValues: { ':at': at, ':tenantItems': keys.tenantItems(tenantId, `${type}#${endpointId}`)[TABLE_KEYS.tenantItemsIndex.partitionKey] },
            }),
          ),
        ),
      ),
    );
  }

  /** Removes the pointers of an endpoint that no longer exists (ids are never reused). */
  async removeAll(tenantId: string, endpointId: string, types: string[]): Promise<void> {
    await batchWriteAll(this.db, this.tableName, types.map((type) => ({ DeleteRequest: { Key: keys.subscription(tenantId, type, endpointId) } })));
  }

  /**
   * Removes the pointers of `types` the endpoint no longer subscribes to, each only if the
   * endpoint as read now (strongly) was changed well after the pointer was written, and only
   * if no change has rewritten the pointer since it was read.
   */
  async removeStale(tenantId: string, endpointId: string, types: string[]): Promise<void> {
    if (types.length === 0) return;
    const { Item: endpoint } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.endpoint(tenantId, endpointId), ConsistentRead: true, ProjectionExpression: 'events, updated_at' }),
    );
    if (!endpoint) return this.removeAll(tenantId, endpointId, types);
    const still = new Set(subscribedTypes((endpoint.events as string[] | null | undefined) ?? null));
    const observed = Date.parse(endpoint.updated_at as string);
    for (const type of types.filter((t) => !still.has(t))) {
      const key = keys.subscription(tenantId, type, endpointId);
      const { Item: pointer } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      if (!pointer || Date.parse(pointer.at as string) + STALE_MARGIN_MS > observed) continue;
      await whenConditionHolds(() =>
        this.db.send(
          new DeleteCommand({ TableName: this.tableName, Key: key, ConditionExpression: '#at = :seen', ExpressionAttributeNames: { '#at': 'at' }, ExpressionAttributeValues: { ':seen': pointer.at } }),
        ),
      );
    }
  }

  /** The endpoints pointed at for `type` (and for every type), read strongly, in id order. */
  async endpoints(tenantId: string, type: string): Promise<Item[]> {
    const ids = new Set<string>();
    await Promise.all(
      [type, EVERY_TYPE].map(async (t) => {
        let start: Record<string, unknown> | undefined;
        do {
          const page: { Items?: Item[]; LastEvaluatedKey?: Record<string, unknown> } = await this.db.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': keys.subscriptionsOf(tenantId, t) },
              ConsistentRead: true,
              ExclusiveStartKey: start,
            }),
          );
          for (const p of page.Items ?? []) ids.add(p.sk as string);
          start = page.LastEvaluatedKey;
        } while (start);
      }),
    );
    const found = await batchGetAll(this.db, this.tableName, [...ids].map((id) => keys.endpoint(tenantId, id)));
    return found.sort((a, b) => String(a.id).localeCompare(String(b.id)));
  }
}
