import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type ApiKeyRecord, clearsOption, type Endpoint, type EndpointChanges, type PreviousSecret, type Tenant } from '../domain/model';
import { endpointValue, fromEndpoint, retiredEndpointItem, toEndpoint } from './endpoint-items';
import type { EndpointStore, PortalLinkRecord, TenantStore } from '../domain/ports';
import { isConditionFailure, type Item, whenConditionHolds } from './dynamo-write';
import { SubscriptionPointers, subscribedTypes } from './dynamo-subscriptions';
import { putPortalLink, putSession, redeemPortalLink, toScope } from './portal-items';
import { keys } from './tables';

// The configs table: tenants, API keys, endpoints and what they subscribe to.

/**
 * How long a container remembers whether a tenant has ordered endpoints: a publish reads it
 * once in that time, and an ordered endpoint takes publish order from at most this long after
 * its creation (events published before reach it in the order their fan-outs run).
 */
export const ORDERED_ROUTING_TTL_SECONDS = 10;

const toTenant = (i: Item): Tenant => ({
  id: i.id as string,
  name: i.name as string,
  createdAt: i.created_at as string,
  ...(i.account_webhook_id ? { accountWebhookId: i.account_webhook_id as string } : {}),
  ...(typeof i.retention_days === 'number' ? { retentionDays: i.retention_days } : {}),
});

const toApiKey = (i: Item): ApiKeyRecord => ({
  keyId: i.key_id as string,
  tenantId: i.tenant_id as string,
  keyHash: i.key_hash as string,
  createdAt: i.created_at as string,
  ...(typeof i.ends_at === 'string' ? { expiresAt: i.ends_at } : {}),
  ...(i.read_only === true ? { readOnly: true } : {}),
  // A portal session's scope (a session from before scopes: full, or read-only).
  ...(i.type === 'session' ? { scope: toScope(i) } : {}),
});

export class DynamoConfigStore implements TenantStore, EndpointStore {
  private readonly pointers: SubscriptionPointers;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.pointers = new SubscriptionPointers(db, tableName);
  }

  /** The tenant, read strongly; a tenant being erased (`erasing_since`) is no longer one. */
  async getTenant(tenantId: string) {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.tenant(tenantId), ConsistentRead: true }));
    return Item && Item.erasing_since === undefined ? toTenant(Item) : undefined;
  }

  private readonly routing = new Map<string, { read: Promise<{ exists: boolean; ordered: boolean }>; until: number }>();

  /**
   * The publish path's read of a tenant's item: whether it exists (and is not being erased) and
   * whether it has ordered endpoints, remembered ORDERED_ROUTING_TTL_SECONDS and shared by the
   * publishes waiting on it (a failed read is not kept). One read serves both questions, so a
   * publish pays it once in that time per tenant, and a tenant's erasure stops its publishes
   * within that time in every container.
   */
  private readRouting(tenantId: string, fresh = false) {
    const known = this.routing.get(tenantId);
    if (known && known.until > Date.now() && !fresh) return known.read;
    const read = this.db
      .send(new GetCommand({ TableName: this.tableName, Key: keys.tenant(tenantId), ProjectionExpression: 'id, ordered_endpoints, erasing_since', ConsistentRead: true }))
      .then(({ Item }) => ({ exists: Item !== undefined && Item.erasing_since === undefined, ordered: Number(Item?.ordered_endpoints ?? 0) > 0 }));
    if (this.routing.size >= 10_000) this.routing.clear();
    this.routing.set(tenantId, { read, until: Date.now() + ORDERED_ROUTING_TTL_SECONDS * 1000 });
    read.catch(() => this.routing.delete(tenantId));
    return read;
  }

  async hasOrderedEndpoints(tenantId: string) {
    return (await this.readRouting(tenantId)).ordered;
  }

  async countOrderedEndpoints(tenantId: string, change: 1 | -1) {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.tenant(tenantId),
        UpdateExpression: 'ADD ordered_endpoints :change',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':change': change },
      }),
    );
  }

  /** A no is never remembered: a tenant created a moment ago is found by the next publish. */
  async tenantExists(tenantId: string) {
    const known = this.routing.get(tenantId);
    if (known && known.until > Date.now() && (await known.read).exists) return true;
    return (await this.readRouting(tenantId, true)).exists;
  }

  /**
   * Marks the tenant as being erased (`erasing_since`, kept if set before): from then on it is
   * not found, and its item is the erasure's tombstone until the erasure ends. Undefined when
   * there is no such tenant; the time it began otherwise.
   */
  async beginErasure(tenantId: string, at: string): Promise<string | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.tenant(tenantId),
          UpdateExpression: 'SET erasing_since = if_not_exists(erasing_since, :at)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      this.routing.delete(tenantId); // this container's next publish for it reads it again
      return Attributes!.erasing_since as string;
    } catch (e) {
      if (isConditionFailure(e)) return undefined;
      throw e;
    }
  }

  async setTenantRetention(tenantId: string, days: number | null) {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.tenant(tenantId),
          UpdateExpression: days === null ? 'REMOVE retention_days' : 'SET retention_days = :days',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(erasing_since)',
          ...(days === null ? {} : { ExpressionAttributeValues: { ':days': days } }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toTenant(Attributes) : undefined;
    } catch (e) {
      if (isConditionFailure(e)) return undefined;
      throw e;
    }
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

  putSession(k: ApiKeyRecord) {
    return putSession(this.db, this.tableName, k);
  }

  putPortalLink(link: PortalLinkRecord) {
    return putPortalLink(this.db, this.tableName, link);
  }

  redeemPortalLink(tokenHash: string, now: string) {
    return redeemPortalLink(this.db, this.tableName, tokenHash, now);
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

  async listSubscribed(tenantId: string, type: string) {
    return (await this.pointers.endpoints(tenantId, type)).map(toEndpoint).filter((e) => e.events === null || e.events.includes(type));
  }

  async createEndpoint(e: Endpoint) {
    // The pointers first: an endpoint never subscribes to a type without one.
    await this.pointers.add(e.tenantId, e.id, subscribedTypes(e.events), e.updatedAt);
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: fromEndpoint(e), ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async updateEndpoint(
    tenantId: string,
    endpointId: string,
    changes: EndpointChanges & { updatedAt: string },
  ) {
    const columns: Record<string, string> = {
      url: 'url',
      events: 'events',
      status: 'status',
      sealedSecret: 'sealed_secret',
      updatedAt: 'updated_at',
      headers: 'headers',
      retrySchedule: 'retry_schedule',
      timeoutSeconds: 'timeout_seconds',
      filter: 'filter_json',
      rateLimitPerSecond: 'rate_limit_per_second',
      destination: 'destination',
      sensitiveHeaders: 'sensitive_headers',
      auth: 'auth',
      certificateNoticeFor: 'certificate_notice_for',
    };
    const sets: string[] = [];
    const dropped: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      const column = columns[field]!;
      // An empty map of headers, or null for an option, removes it: the stack's default again.
      if (clearsOption(field, value)) {
        // By name: some columns are DynamoDB reserved words (auth).
        dropped.push(`#${column}`);
        names[`#${column}`] = column;
        continue;
      }
      sets.push(`#${column} = :${column}`);
      names[`#${column}`] = column;
      values[`:${column}`] = endpointValue(field, value);
    }
    // Re-enabling forgets why it was disabled and the failures that led there.
    const removed = [...(changes.status === 'active' ? ['disabled_reason', 'failing_since'] : []), ...dropped];
    const removes = removed.length > 0 ? ` REMOVE ${removed.join(', ')}` : '';
    // New subscriptions get their pointers before the endpoint takes them; old ones lose theirs after.
    let oldTypes: string[] = [];
    if (changes.events !== undefined) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: keys.endpoint(tenantId, endpointId), ConsistentRead: true, ProjectionExpression: 'events' }),
      );
      if (!Item) return undefined;
      oldTypes = subscribedTypes((Item.events as string[] | null | undefined) ?? null);
      await this.pointers.add(tenantId, endpointId, subscribedTypes(changes.events), changes.updatedAt);
    }
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
      if (changes.events !== undefined) {
        const now = new Set(subscribedTypes(changes.events));
        await this.pointers.removeStale(tenantId, endpointId, oldTypes.filter((t) => !now.has(t)));
      }
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
    next: { sealedSecret: string; previous: PreviousSecret[]; updatedAt: string; publicKey?: string },
  ) {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.endpoint(tenantId, endpointId),
          UpdateExpression: `SET sealed_secret = :sealed, previous_secrets = :previous, updated_at = :at${next.publicKey ? ', public_key = :public' : ''} REMOVE previous_sealed_secret, previous_secret_expires_at`,
          ConditionExpression: 'sealed_secret = :expected',
          ExpressionAttributeValues: {
            ...(next.publicKey ? { ':public': next.publicKey } : {}),
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

  /**
   * Deletes the endpoint and its pointers. Its history stays for the retention, so a marker
   * (`RETIRED#<id>`, written first, and only for an endpoint that exists: a refused delete
   * writes nothing) keeps its id where the tenant's erasure finds it; it expires after the
   * longest retention a tenant may set.
   */
  async deleteEndpoint(tenantId: string, endpointId: string) {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.endpoint(tenantId, endpointId), ConsistentRead: true, ProjectionExpression: 'pk' }));
    if (!Item) return undefined;
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: retiredEndpointItem(tenantId, endpointId),
      }),
    );
    try {
      const { Attributes } = await this.db.send(
        new DeleteCommand({ TableName: this.tableName, Key: keys.endpoint(tenantId, endpointId), ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_OLD' }),
      );
      await this.pointers.removeAll(tenantId, endpointId, subscribedTypes((Attributes?.events as string[] | null | undefined) ?? null));
      return Attributes ? toEndpoint(Attributes) : undefined;
    } catch (e) {
      if (isConditionFailure(e)) return undefined;
      throw e;
    }
  }

  markFailing(tenantId: string, endpointId: string, since: string) {
    return whenConditionHolds(() =>
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

  noteCertificateNotice(tenantId: string, endpointId: string, fingerprint: string) {
    return whenConditionHolds(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.endpoint(tenantId, endpointId),
          UpdateExpression: 'SET certificate_notice_for = :fp',
          // Once per certificate, whichever attempt gets here first; the one it names must still be the webhook's.
          ConditionExpression: 'attribute_exists(pk) AND #auth.#info.#fp = :fp AND (attribute_not_exists(certificate_notice_for) OR certificate_notice_for <> :fp)',
          ExpressionAttributeNames: { '#auth': 'auth', '#info': 'info', '#fp': 'fingerprint256' },
          ExpressionAttributeValues: { ':fp': fingerprint },
        }),
      ),
    );
  }

  clearFailing(tenantId: string, endpointId: string) {
    return whenConditionHolds(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.endpoint(tenantId, endpointId),
          UpdateExpression: 'REMOVE failing_since',
          ConditionExpression: 'attribute_exists(failing_since)',
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
