import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { attemptsMade, type Delivery, type Recovery, type StoredEvent } from '../domain/model';
import type { AttemptUpdate, DeliveryPage, DeliveryRef, DeliveryStore, EventStore, PageRequest } from '../domain/ports';
import { parseExact, stringifyExact } from '../domain/exact-json';
import { expiresAt, fromAttempt, toAttempt, toDelivery } from './delivery-items';
import { listDeliveries, listFailed, listTenantFailed } from './history-reads';
import { addRecoveryProgress, createRecovery, getRecovery } from './recovery-items';

export { FILTERED_PAGE_READ_LIMIT } from './history-reads';
import { batchGetAll, batchWriteAll, type Item, whenConditionHolds } from './dynamo-write';
import { fixedRetention, type RetentionOf } from './tenant-retention';
import { keys, TABLE_KEYS } from './tables';

// The deliveries table: events, and deliveries with their attempts.

const waiting = (status: Delivery['status']) => status === 'retrying' || status === 'pending';

/**
 * The due index's keys of a delivery in `status` due at `next`: set while it waits for an
 * attempt, removed once it does not. Returns what an update sets and removes, and its values.
 */
const dueIndexUpdate = (deliveryId: string, status: Delivery['status'], next: string | null) =>
  waiting(status) && next
    ? { set: ['due_pk = :due_pk', 'due_at = :due_at'], remove: [], values: { ':due_pk': keys.dueShard(deliveryId), ':due_at': next } }
    : { set: [], remove: ['due_pk', 'due_at'], values: {} };

/** The failed indexes' keys of a delivery (by endpoint, by tenant): set while it is failed, removed once it is re-sent. */
const failedIndexUpdate = (ref: DeliveryRef, status: Delivery['status']) => {
  const indexKeys = Object.entries(keys.failedIndexKeys(ref));
  return status === 'failed'
    ? { set: indexKeys.map(([name]) => `${name} = :${name}`), remove: [], values: Object.fromEntries(indexKeys.map(([name, value]) => [`:${name}`, value])) }
    : { set: [], remove: indexKeys.map(([name]) => name), values: {} };
};

/** Both sparse indexes' keys of a delivery in `status`, due at `next`. */
const indexUpdates = (ref: DeliveryRef, status: Delivery['status'], next: string | null) => {
  const due = dueIndexUpdate(ref.deliveryId, status, next);
  const failed = failedIndexUpdate(ref, status);
  return { set: [...due.set, ...failed.set], remove: [...due.remove, ...failed.remove], values: { ...due.values, ...failed.values } };
};

/**
 * Attempts a delivery's item keeps: the latest ones. Older attempts move to items of their own
 * beside it, so manual retries and recoveries, however many, never take a delivery past
 * DynamoDB's 400 KB item (an attempt is at most about 1.7 KB: a 1 KB excerpt, a 512-byte detail).
 */
export const INLINE_ATTEMPTS = 20;

/**
 * An event's data as stored: JSON text (exact numbers, any nesting depth, empty strings kept),
 * deflated when that is smaller. Write units go by item size, and an event is written when its
 * first delivery needs a retry: JSON of a kilobyte or two usually deflates to a third.
 */
const storedData = (data: StoredEvent['data']): { data_json: string } | { data_z: Uint8Array } => {
  const json = stringifyExact(data);
  if (json.length < 200) return { data_json: json };
  const deflated = deflateRawSync(json);
  return deflated.byteLength < Buffer.byteLength(json) ? { data_z: deflated } : { data_json: json };
};

/** One UpdateExpression from its SET and REMOVE parts. */
const updateExpression = (set: string[], remove: string[] = []) =>
  [set.length > 0 ? `SET ${set.join(', ')}` : '', remove.length > 0 ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean).join(' ');

export class DynamoDeliveryStore implements EventStore, DeliveryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    retention: number | RetentionOf,
  ) {
    this.retentionOf = typeof retention === 'number' ? fixedRetention(retention) : retention;
  }

  /** Days a tenant's items are kept (its own setting, or the stack's): each write's TTL. */
  private readonly retentionOf: RetentionOf;

  async putEvent(e: StoredEvent) {
    const days = await this.retentionOf(e.tenantId);
    return whenConditionHolds(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.event(e.tenantId, e.id),
            type: 'event',
            id: e.id,
            tenant_id: e.tenantId,
            event_type: e.type,
            ...storedData(e.data),
            created_at: e.createdAt,
            request_hash: e.requestHash,
            ...(e.idempotencyKey ? { idempotency_key: e.idempotencyKey } : {}),
            [TABLE_KEYS.ttlAttribute]: expiresAt(e.createdAt, days),
            ...keys.tenantItems(e.tenantId, e.id),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async markEventErased(refs: DeliveryRef[], at: string) {
    await Promise.all(
      refs.map((ref) =>
        whenConditionHolds(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: keys.delivery(ref),
              UpdateExpression: 'SET event_erased_at = if_not_exists(event_erased_at, :at)',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':at': at },
            }),
          ),
        ),
      ),
    );
  }

  async eraseEventData(tenantId: string, eventId: string, meta: { type: string; createdAt: string }, at: string) {
    const days = await this.retentionOf(tenantId);
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.event(tenantId, eventId),
        // The tombstone of an event that was never stored names it as a stored one would (a lookup finds it), and expires with the retention.
        UpdateExpression:
          'SET erased_at = if_not_exists(erased_at, :at), #type = if_not_exists(#type, :event), id = if_not_exists(id, :id), tenant_id = if_not_exists(tenant_id, :tenant), event_type = if_not_exists(event_type, :eventType), created_at = if_not_exists(created_at, :createdAt), request_hash = if_not_exists(request_hash, :none), #ttl = if_not_exists(#ttl, :ttl), #tenantItems = :tenantItems REMOVE data_json, data_z',
        ExpressionAttributeNames: { '#type': 'type', '#ttl': TABLE_KEYS.ttlAttribute, '#tenantItems': TABLE_KEYS.tenantItemsIndex.partitionKey },
        ExpressionAttributeValues: { ':tenantItems': keys.tenantItems(tenantId, eventId)[TABLE_KEYS.tenantItemsIndex.partitionKey], ':at': at, ':event': 'event', ':id': eventId, ':tenant': tenantId, ':eventType': meta.type, ':createdAt': meta.createdAt, ':none': '', ':ttl': expiresAt(meta.createdAt, days) },
      }),
    );
  }

  async getEvent(tenantId: string, eventId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.event(tenantId, eventId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      id: Item.id as string,
      tenantId: Item.tenant_id as string,
      type: Item.event_type as string,
      data: Item.erased_at ? null : (parseExact(Item.data_z ? inflateRawSync(Item.data_z as Uint8Array).toString('utf8') : (Item.data_json as string)) as StoredEvent['data']),
      createdAt: Item.created_at as string,
      requestHash: Item.request_hash as string,
      ...(Item.idempotency_key ? { idempotencyKey: Item.idempotency_key as string } : {}),
      ...(typeof Item.erased_at === 'string' ? { erasedAt: Item.erased_at } : {}),
    } satisfies StoredEvent;
  }

  async getDeliveries(refs: DeliveryRef[]) {
    return (await batchGetAll(this.db, this.tableName, refs.map(keys.delivery))).map(toDelivery);
  }

  async existingDeliveryIds(refs: DeliveryRef[]) {
    return new Set((await batchGetAll(this.db, this.tableName, refs.map(keys.delivery), 'id')).map((item) => item.id as string));
  }

  async recordAttempt(ref: DeliveryRef, expectedAttempts: number, u: AttemptUpdate) {
    const due = indexUpdates(ref, u.status, u.nextAttemptAt);
    // Past the window, the oldest inline attempts move to items of their own first.
    const window = expectedAttempts >= INLINE_ATTEMPTS ? await this.moveOutOldest(ref, expectedAttempts) : undefined;
    if (window === null) return false; // another writer moved on
    return whenConditionHolds(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(ref),
          // Recording the attempt also ends the claim on it.
          UpdateExpression: updateExpression(
            [window ? 'attempts = :window' : 'attempts = list_append(attempts, :attempt)', 'attempt_count = :count', '#status = :status', 'retry_count = :retries', 'next_attempt_at = :next', 'updated_at = :updated', ...due.set],
            ['claim_until', ...due.remove],
          ),
          ConditionExpression: 'attempt_count = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ...(window ? { ':window': [...window, fromAttempt(u.attempt)] } : { ':attempt': [fromAttempt(u.attempt)] }),
            ':count': expectedAttempts + 1,
            ':expected': expectedAttempts,
            ':status': u.status,
            ':retries': u.retryCount,
            ':next': u.nextAttemptAt,
            ':updated': u.updatedAt,
            ...due.values,
          },
        }),
      ),
    );
  }

  /**
   * Writes the attempts that leave the window as items of their own (`ATTEMPT#<id>#<n>`, beside
   * the delivery, expiring with it) and returns the ones that stay: the latest
   * `INLINE_ATTEMPTS - 1`, to which the new attempt is added. Null when the delivery has moved
   * on (the conditional update would be refused anyway). Writing an attempt out twice (a retry
   * of this after a crash) writes the same item again.
   */
  private async moveOutOldest(ref: DeliveryRef, expectedAttempts: number): Promise<Item[] | null> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.delivery(ref), ConsistentRead: true, ProjectionExpression: 'attempts, attempt_count, created_at, expires_at' }),
    );
    if (!Item || Item.attempt_count !== expectedAttempts) return null;
    const inline = Item.attempts as Item[];
    const leaving = inline.slice(0, inline.length - (INLINE_ATTEMPTS - 1));
    // An attempt that leaves its delivery's item expires with it.
    const expires = typeof Item.expires_at === 'number' ? Item.expires_at : expiresAt(Item.created_at as string, await this.retentionOf(ref.tenantId));
    await batchWriteAll(
      this.db,
      this.tableName,
      leaving.map((attempt) => ({ PutRequest: { Item: { ...keys.attempt(ref, attempt.number as number), type: 'attempt', attempt, [TABLE_KEYS.ttlAttribute]: expires } } })),
    );
    return inline.slice(leaving.length);
  }

  setState(
    ref: DeliveryRef,
    expectedAttempts: number,
    state: { status: Delivery['status']; nextAttemptAt: string | null; updatedAt: string },
  ) {
    const due = indexUpdates(ref, state.status, state.nextAttemptAt);
    return whenConditionHolds(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(ref),
          UpdateExpression: updateExpression(['#status = :status', 'next_attempt_at = :next', 'updated_at = :updated', ...due.set], due.remove),
          ConditionExpression: 'attempt_count = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': state.status,
            ':next': state.nextAttemptAt,
            ':updated': state.updatedAt,
            ':expected': expectedAttempts,
            ...due.values,
          },
        }),
      ),
    );
  }

  claimAttempt(ref: DeliveryRef, expectedAttempts: number, until: string, now: string) {
    return whenConditionHolds(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(ref),
          UpdateExpression: 'SET claim_until = :until',
          ConditionExpression: 'attempt_count = :expected AND (attribute_not_exists(claim_until) OR claim_until < :now)',
          ExpressionAttributeValues: { ':until': until, ':now': now, ':expected': expectedAttempts },
        }),
      ),
    );
  }

  beginManualRetry(ref: DeliveryRef, expectedAttempts: number, from: readonly Delivery['status'][], at: string, now: string) {
    const due = indexUpdates(ref, 'pending', at);
    const fromValues = Object.fromEntries(from.map((s, i) => [`:from${i}`, s]));
    return whenConditionHolds(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(ref),
          UpdateExpression: updateExpression(['#status = :pending', 'next_attempt_at = :at', 'updated_at = :now', ...due.set], due.remove),
          ConditionExpression: `attempt_count = :expected AND #status IN (${Object.keys(fromValues).join(', ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':at': at, ':now': now, ':expected': expectedAttempts, ...fromValues, ...due.values },
        }),
      ),
    );
  }

  async listOverdue(dueBefore: string, limit: number) {
    const { name, shards } = TABLE_KEYS.dueIndex;
    // The index is eventually consistent, as GSIs are on AWS: a sweep may miss a delivery that
    // just became overdue, and the next sweep finds it.
    const pages = await Promise.all(
      Array.from({ length: shards }, (_, shard) =>
        this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: name,
            KeyConditionExpression: 'due_pk = :shard AND due_at < :before',
            ExpressionAttributeValues: { ':shard': `DUE#${shard}`, ':before': dueBefore },
            Limit: limit,
          }),
        ),
      ),
    );
    return pages
      .flatMap((p) => p.Items ?? [])
      .map((i) => ({
        tenantId: i.tenant_id as string,
        endpointId: i.endpoint_id as string,
        deliveryId: i.id as string,
        status: i.status as Delivery['status'],
        attemptCount: i.attempt_count as number,
        dueAt: i.due_at as string,
      }))
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt))
      .slice(0, limit);
  }

  postponeOverdue(ref: DeliveryRef, expectedAttempts: number, checkAt: string) {
    return whenConditionHolds(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(ref),
          UpdateExpression: 'SET due_at = :check',
          ConditionExpression: 'attempt_count = :expected AND attribute_exists(due_pk)',
          ExpressionAttributeValues: { ':check': checkAt, ':expected': expectedAttempts },
        }),
      ),
    );
  }

  listFailed(tenantId: string, endpointId: string, window: { since: string; until: string }, cursor: string | undefined, limit: number) {
    return listFailed(this.db, this.tableName, tenantId, endpointId, window, cursor, limit);
  }

  async createDelivery(d: Delivery) {
    const days = await this.retentionOf(d.tenantId);
    return whenConditionHolds(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.delivery({ tenantId: d.tenantId, endpointId: d.endpointId, deliveryId: d.id }),
            type: 'delivery',
            id: d.id,
            tenant_id: d.tenantId,
            endpoint_id: d.endpointId,
            event_id: d.eventId,
            event_type: d.eventType,
            status: d.status,
            retry_count: d.retryCount,
            next_attempt_at: d.nextAttemptAt,
            created_at: d.createdAt,
            updated_at: d.updatedAt,
            attempts: d.attempts.map(fromAttempt),
            attempt_count: d.attempts.length,
            ...(waiting(d.status) && d.nextAttemptAt ? { due_pk: keys.dueShard(d.id), due_at: d.nextAttemptAt } : {}),
            ...(d.status === 'failed' ? keys.failedIndexKeys({ tenantId: d.tenantId, endpointId: d.endpointId, deliveryId: d.id }) : {}),
            [TABLE_KEYS.ttlAttribute]: expiresAt(d.createdAt, days),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async getDelivery(ref: DeliveryRef) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.delivery(ref), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const delivery = toDelivery(Item);
    if (attemptsMade(delivery) === delivery.attempts.length) return delivery;
    // Attempts that left the window, read back and put before the inline ones (a crash may have written one twice).
    const moved: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page: { Items?: Item[]; LastEvaluatedKey?: Record<string, unknown> } = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.delivery(ref).pk, ':prefix': keys.attemptPrefix(ref) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      moved.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const first = delivery.attempts[0]?.number ?? Number.POSITIVE_INFINITY;
    const older = moved.map((m) => toAttempt(m.attempt as Item)).filter((a) => a.number < first);
    const { attemptCount: _, ...whole } = delivery;
    return { ...whole, attempts: [...older, ...delivery.attempts] };
  }

  async createRecovery(r: Recovery) {
    return createRecovery(this.db, this.tableName, await this.retentionOf(r.tenantId), r);
  }

  getRecovery(tenantId: string, recoveryId: string) {
    return getRecovery(this.db, this.tableName, tenantId, recoveryId);
  }

  addRecoveryProgress(tenantId: string, recoveryId: string, progress: { found: number; sent: number; done: boolean }) {
    return addRecoveryProgress(this.db, this.tableName, tenantId, recoveryId, progress);
  }

  listDeliveries(tenantId: string, endpointId: string, page: PageRequest): Promise<DeliveryPage> {
    return listDeliveries(this.db, this.tableName, tenantId, endpointId, page);
  }

  listTenantFailed(tenantId: string, page: { limit: number; startingAfter?: string }): Promise<DeliveryPage> {
    return listTenantFailed(this.db, this.tableName, tenantId, page);
  }

  async unlistTenantFailed(refs: DeliveryRef[]) {
    await Promise.all(
      refs.map((ref) =>
        whenConditionHolds(() =>
          this.db.send(
            new UpdateCommand({ TableName: this.tableName, Key: keys.delivery(ref), UpdateExpression: 'REMOVE tenant_failed_pk', ConditionExpression: 'attribute_exists(pk)' }),
          ),
        ),
      ),
    );
  }
}
