import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord, Attempt, Delivery, Endpoint, PreviousSecret, Recovery, StoredEvent, Tenant } from '../domain/model';
import type { AttemptUpdate, DeliveryPage, DeliveryRef, DeliveryStore, EndpointStore, EventStore, TenantStore } from '../domain/ports';
import { parseExact, stringifyExact } from '../domain/exact-json';
import { deliveryIdFloor } from '../domain/ids';
import { keys, TABLE_KEYS } from './tables';

export const isConditionFailure = (e: unknown): boolean =>
  e instanceof ConditionalCheckFailedException || (e as { name?: string })?.name === 'ConditionalCheckFailedException';

const whenConditionHolds = async (write: () => Promise<unknown>): Promise<boolean> => {
  try {
    await write();
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
};

type Item = Record<string, unknown>;

// ---------- configs table: tenants, API keys, endpoints ----------

const toTenant = (i: Item): Tenant => ({
  id: i.id as string,
  name: i.name as string,
  createdAt: i.created_at as string,
  ...(i.account_webhook_id ? { accountWebhookId: i.account_webhook_id as string } : {}),
});

const toApiKey = (i: Item): ApiKeyRecord => ({
  keyId: i.key_id as string,
  tenantId: i.tenant_id as string,
  keyHash: i.key_hash as string,
  createdAt: i.created_at as string,
});

const toEndpoint = (i: Item): Endpoint => ({
  id: i.id as string,
  tenantId: i.tenant_id as string,
  surface: i.surface as Endpoint['surface'],
  url: i.url as string,
  events: (i.events as string[] | null | undefined) ?? null,
  status: i.status as Endpoint['status'],
  sealedSecret: i.sealed_secret as string,
  createdAt: i.created_at as string,
  updatedAt: i.updated_at as string,
  ...(i.disabled_reason ? { disabledReason: i.disabled_reason as string } : {}),
  ...(i.failing_since ? { failingSince: i.failing_since as string } : {}),
  ...(Array.isArray(i.previous_secrets) && i.previous_secrets.length > 0
    ? { previousSecrets: (i.previous_secrets as Item[]).map((p) => ({ sealedSecret: p.sealed_secret as string, expiresAt: p.expires_at as string })) }
    : i.previous_sealed_secret // written before rotations kept a list
      ? { previousSecrets: [{ sealedSecret: i.previous_sealed_secret as string, expiresAt: i.previous_secret_expires_at as string }] }
      : {}),
});

const fromEndpoint = (e: Endpoint): Item => ({
  ...keys.endpoint(e.tenantId, e.id),
  id: e.id,
  tenant_id: e.tenantId,
  surface: e.surface,
  url: e.url,
  events: e.events,
  status: e.status,
  sealed_secret: e.sealedSecret,
  created_at: e.createdAt,
  updated_at: e.updatedAt,
});

export class DynamoConfigStore implements TenantStore, EndpointStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getTenant(tenantId: string) {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.tenant(tenantId), ConsistentRead: true }));
    return Item ? toTenant(Item) : undefined;
  }

  private readonly knownTenants = new Set<string>();

  async tenantExists(tenantId: string) {
    if (this.knownTenants.has(tenantId)) return true;
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.tenant(tenantId), ProjectionExpression: 'id', ConsistentRead: true }),
    );
    if (Item) this.knownTenants.add(tenantId);
    return Item !== undefined;
  }

  createTenant(t: Tenant) {
    return whenConditionHolds(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.tenant(t.id), type: 'tenant', id: t.id, name: t.name, created_at: t.createdAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  swapAccountWebhook(tenantId: string, expected: string | undefined, next: string | undefined) {
    const condition =
      expected === undefined ? 'attribute_not_exists(account_webhook_id)' : 'account_webhook_id = :expected';
    return whenConditionHolds(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.tenant(tenantId),
          UpdateExpression: next === undefined ? 'REMOVE account_webhook_id' : 'SET account_webhook_id = :next',
          ConditionExpression: `attribute_exists(pk) AND ${condition}`,
          ExpressionAttributeValues: {
            ...(expected === undefined ? {} : { ':expected': expected }),
            ...(next === undefined ? {} : { ':next': next }),
          },
        }),
      ),
    );
  }

  /** The listing row is written first: a crash in between leaves an unusable, revocable row, never a live key nobody can see. */
  async putApiKey(k: ApiKeyRecord) {
    const attrs = { type: 'apikey', key_id: k.keyId, tenant_id: k.tenantId, key_hash: k.keyHash, created_at: k.createdAt };
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.apiKeyListing(k.tenantId, k.keyId), ...attrs } }));
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.apiKeyLookup(k.keyHash), ...attrs } }));
  }

  /** Read strongly: a key works the moment it is created (and stops the moment it is revoked). */
  async findApiKey(keyHash: string) {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.apiKeyLookup(keyHash), ConsistentRead: true }));
    return Item ? toApiKey(Item) : undefined;
  }

  async listApiKeys(tenantId: string) {
    return (await this.queryPrefix(keys.tenant(tenantId).pk, 'APIKEY#')).map(toApiKey);
  }

  async deleteApiKey(k: ApiKeyRecord) {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.apiKeyLookup(k.keyHash) }));
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.apiKeyListing(k.tenantId, k.keyId) }));
  }

  async listEndpoints(tenantId: string) {
    return (await this.queryPrefix(keys.tenant(tenantId).pk, 'ENDPOINT#')).map(toEndpoint);
  }

  async getEndpoint(tenantId: string, endpointId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.endpoint(tenantId, endpointId), ConsistentRead: true }),
    );
    return Item ? toEndpoint(Item) : undefined;
  }

  async createEndpoint(e: Endpoint) {
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: fromEndpoint(e), ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async updateEndpoint(
    tenantId: string,
    endpointId: string,
    changes: Partial<Pick<Endpoint, 'url' | 'events' | 'status' | 'sealedSecret'>> & { updatedAt: string },
  ) {
    const columns: Record<string, string> = { url: 'url', events: 'events', status: 'status', sealedSecret: 'sealed_secret', updatedAt: 'updated_at' };
    const sets: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      const column = columns[field]!;
      sets.push(`#${column} = :${column}`);
      names[`#${column}`] = column;
      values[`:${column}`] = value;
    }
    // Re-enabling forgets why it was disabled and the failures that led there.
    const removes = changes.status === 'active' ? ' REMOVE disabled_reason, failing_since' : '';
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.endpoint(tenantId, endpointId),
          UpdateExpression: `SET ${sets.join(', ')}${removes}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toEndpoint(Attributes) : undefined;
    } catch (e) {
      if (isConditionFailure(e)) return undefined;
      throw e;
    }
  }

  async rotateSecret(
    tenantId: string,
    endpointId: string,
    expectedSealedSecret: string,
    next: { sealedSecret: string; previous: PreviousSecret[]; updatedAt: string },
  ) {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.endpoint(tenantId, endpointId),
          UpdateExpression: 'SET sealed_secret = :sealed, previous_secrets = :previous, updated_at = :at REMOVE previous_sealed_secret, previous_secret_expires_at',
          ConditionExpression: 'sealed_secret = :expected',
          ExpressionAttributeValues: {
            ':sealed': next.sealedSecret,
            ':expected': expectedSealedSecret,
            ':at': next.updatedAt,
            ':previous': next.previous.map((p) => ({ sealed_secret: p.sealedSecret, expires_at: p.expiresAt })),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toEndpoint(Attributes) : undefined;
    } catch (e) {
      if (isConditionFailure(e)) return undefined;
      throw e;
    }
  }

  deleteEndpoint(tenantId: string, endpointId: string) {
    return whenConditionHolds(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.endpoint(tenantId, endpointId),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
    );
  }

  async markFailing(tenantId: string, endpointId: string, since: string) {
    await whenConditionHolds(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.endpoint(tenantId, endpointId),
          UpdateExpression: 'SET failing_since = :since',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(failing_since)',
          ExpressionAttributeValues: { ':since': since },
        }),
      ),
    );
  }

  async clearFailing(tenantId: string, endpointId: string) {
    await whenConditionHolds(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.endpoint(tenantId, endpointId),
          UpdateExpression: 'REMOVE failing_since',
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
    );
  }

  disableEndpoint(tenantId: string, endpointId: string, reason: string, at: string) {
    return whenConditionHolds(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.endpoint(tenantId, endpointId),
          UpdateExpression: 'SET #status = :disabled, disabled_reason = :reason, updated_at = :at',
          ConditionExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':disabled': 'disabled', ':active': 'active', ':reason': reason, ':at': at },
        }),
      ),
    );
  }

  private async queryPrefix(pk: string, skPrefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

// ---------- deliveries table: events, deliveries with their attempts ----------

const fromAttempt = (a: Attempt): Item => ({
  number: a.number,
  attempted_at: a.attemptedAt,
  status_code: a.statusCode,
  response_time_ms: a.responseTimeMs,
  error: a.error,
  response_body: a.responseBody,
  trigger: a.trigger,
  ...(a.detail === undefined ? {} : { detail: a.detail }),
  ...(a.retryAfterSeconds === undefined ? {} : { retry_after_seconds: a.retryAfterSeconds }),
});

const expiresAt = (createdAt: string, retentionDays: number): number =>
  Math.floor(Date.parse(createdAt) / 1000) + retentionDays * 86_400;

const toDelivery = (i: Item): Delivery => ({
  id: i.id as string,
  tenantId: i.tenant_id as string,
  endpointId: i.endpoint_id as string,
  eventId: i.event_id as string,
  eventType: i.event_type as string,
  status: i.status as Delivery['status'],
  retryCount: i.retry_count as number,
  nextAttemptAt: (i.next_attempt_at as string | null | undefined) ?? null,
  createdAt: i.created_at as string,
  updatedAt: i.updated_at as string,
  attempts: ((i.attempts as Item[] | undefined) ?? []).map((a) => ({
    number: a.number as number,
    attemptedAt: a.attempted_at as string,
    statusCode: (a.status_code as number | null | undefined) ?? null,
    responseTimeMs: a.response_time_ms as number,
    error: (a.error as Delivery['attempts'][number]['error'] | undefined) ?? null,
    responseBody: (a.response_body as string | null | undefined) ?? null,
    trigger: a.trigger as 'automatic' | 'manual',
    ...(typeof a.detail === 'string' ? { detail: a.detail } : {}),
    ...(typeof a.retry_after_seconds === 'number' ? { retryAfterSeconds: a.retry_after_seconds } : {}),
  })),
});

const waiting = (status: Delivery['status']) => status === 'retrying' || status === 'pending';

/**
 * The due index's keys of a delivery in `status` due at `next`: set while it waits for an
 * attempt, removed once it does not. Returns what an update sets and removes, and its values.
 */
const dueIndexUpdate = (deliveryId: string, status: Delivery['status'], next: string | null) =>
  waiting(status) && next
    ? { set: ['due_pk = :due_pk', 'due_at = :due_at'], remove: [], values: { ':due_pk': keys.dueShard(deliveryId), ':due_at': next } }
    : { set: [], remove: ['due_pk', 'due_at'], values: {} };

/** One UpdateExpression from its SET and REMOVE parts. */
const updateExpression = (set: string[], remove: string[] = []) =>
  [set.length > 0 ? `SET ${set.join(', ')}` : '', remove.length > 0 ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean).join(' ');

export class DynamoDeliveryStore implements EventStore, DeliveryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  putEvent(e: StoredEvent) {
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
            // Stored as JSON text: exact numbers, any nesting depth, empty strings kept.
            data_json: stringifyExact(e.data),
            created_at: e.createdAt,
            request_hash: e.requestHash,
            ...(e.idempotencyKey ? { idempotency_key: e.idempotencyKey } : {}),
            [TABLE_KEYS.ttlAttribute]: expiresAt(e.createdAt, this.retentionDays),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
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
      data: parseExact(Item.data_json as string) as StoredEvent['data'],
      createdAt: Item.created_at as string,
      requestHash: Item.request_hash as string,
      ...(Item.idempotency_key ? { idempotencyKey: Item.idempotency_key as string } : {}),
    } satisfies StoredEvent;
  }

  async existingDeliveryIds(refs: DeliveryRef[]) {
    const found = new Set<string>();
    for (let i = 0; i < refs.length; i += 100) {
      let request: Record<string, { Keys: Item[]; ConsistentRead: boolean; ProjectionExpression: string }> | undefined = {
        [this.tableName]: {
          Keys: refs.slice(i, i + 100).map(keys.delivery),
          ConsistentRead: true,
          ProjectionExpression: 'id',
        },
      };
      while (request && Object.keys(request).length > 0) {
        const out = await this.db.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of out.Responses?.[this.tableName] ?? []) found.add(item.id as string);
        request = out.UnprocessedKeys as typeof request;
      }
    }
    return found;
  }

  recordAttempt(ref: DeliveryRef, expectedAttempts: number, u: AttemptUpdate) {
    const due = dueIndexUpdate(ref.deliveryId, u.status, u.nextAttemptAt);
    return whenConditionHolds(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(ref),
          // Recording the attempt also ends the claim on it.
          UpdateExpression: updateExpression(
            ['attempts = list_append(attempts, :attempt)', 'attempt_count = :count', '#status = :status', 'retry_count = :retries', 'next_attempt_at = :next', 'updated_at = :updated', ...due.set],
            ['claim_until', ...due.remove],
          ),
          ConditionExpression: 'attempt_count = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':attempt': [fromAttempt(u.attempt)],
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

  setState(
    ref: DeliveryRef,
    expectedAttempts: number,
    state: { status: Delivery['status']; nextAttemptAt: string | null; updatedAt: string },
  ) {
    const due = dueIndexUpdate(ref.deliveryId, state.status, state.nextAttemptAt);
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
    const due = dueIndexUpdate(ref.deliveryId, 'pending', at);
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

  async listFailed(
    tenantId: string,
    endpointId: string,
    window: { since: string; until: string },
    cursor: string | undefined,
    limit: number,
  ) {
    // Ids start with their event's time: the window is a range of sort keys. Event times are
    // whole seconds, so `since` counts from the start of its second; `until` is inclusive.
    const since = new Date(Math.floor(Date.parse(window.since) / 1000) * 1000).toISOString();
    const until = new Date(Date.parse(window.until) + 1).toISOString();
    // Eventually consistent: a delivery that failed in the last second may be left to the next recovery.
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :since AND :until',
        FilterExpression: '#status = :failed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pk': keys.deliveriesOfEndpoint(tenantId, endpointId),
          ':since': keys.deliverySortKey(deliveryIdFloor(since)),
          ':until': keys.deliverySortKey(deliveryIdFloor(until)),
          ':failed': 'failed',
        },
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) } : {}),
      }),
    );
    return {
      deliveries: (out.Items ?? []).map(toDelivery),
      cursor: out.LastEvaluatedKey ? Buffer.from(JSON.stringify(out.LastEvaluatedKey)).toString('base64url') : undefined,
    };
  }

  createDelivery(d: Delivery) {
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
            [TABLE_KEYS.ttlAttribute]: expiresAt(d.createdAt, this.retentionDays),
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
    return Item ? toDelivery(Item) : undefined;
  }

  async createRecovery(r: Recovery) {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.recovery(r.tenantId, r.id),
          type: 'recovery',
          id: r.id,
          tenant_id: r.tenantId,
          endpoint_id: r.endpointId,
          since: r.since,
          until: r.until,
          count: r.count,
          sent: r.sent,
          status: r.status,
          created_at: r.createdAt,
          [TABLE_KEYS.ttlAttribute]: expiresAt(r.createdAt, this.retentionDays),
        },
      }),
    );
  }

  async getRecovery(tenantId: string, recoveryId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.recovery(tenantId, recoveryId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      id: Item.id as string,
      tenantId: Item.tenant_id as string,
      endpointId: Item.endpoint_id as string,
      since: Item.since as string,
      until: Item.until as string,
      count: Item.count as number,
      sent: Item.sent as number,
      status: Item.status as Recovery['status'],
      createdAt: Item.created_at as string,
    } satisfies Recovery;
  }

  async addRecoveryProgress(tenantId: string, recoveryId: string, sent: number, done: boolean) {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.recovery(tenantId, recoveryId),
        UpdateExpression: done ? 'ADD sent :n SET #status = :done' : 'ADD sent :n',
        ConditionExpression: 'attribute_exists(pk)',
        ...(done ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
        ExpressionAttributeValues: { ':n': sent, ...(done ? { ':done': 'done' } : {}) },
      }),
    );
  }

  async listDeliveries(tenantId: string, endpointId: string, offset: number, limit: number, status?: Delivery['status']): Promise<DeliveryPage> {
    const base = {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :deliveries)',
      ExpressionAttributeValues: {
        ':pk': keys.deliveriesOfEndpoint(tenantId, endpointId),
        ':deliveries': 'DELIVERY#',
        ...(status ? { ':status': status } : {}),
      },
      ...(status ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } } : {}),
    };
    // Eventually consistent (half the read units): an attempt of the last second may not be
    // listed yet, as the OpenAPI document says; a single delivery (getDelivery) reads strongly.
    // Newest first; walk pages until the window [offset, offset + limit) is read.
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page: { Items?: Item[]; LastEvaluatedKey?: Record<string, unknown> } = await this.db.send(
        new QueryCommand({ ...base, ScanIndexForward: false, Limit: Math.min(offset + limit - items.length, 1000), ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && items.length < offset + limit);
    let total = 0;
    start = undefined;
    do {
      const page: { Count?: number; LastEvaluatedKey?: Record<string, unknown> } = await this.db.send(
        new QueryCommand({ ...base, Select: 'COUNT', ExclusiveStartKey: start }),
      );
      total += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return { deliveries: items.slice(offset, offset + limit).map(toDelivery), total };
  }
}
