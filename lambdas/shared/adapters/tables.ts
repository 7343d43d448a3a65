/**
 * Key schema of the two tables, shared by the CDK stack and the local runtime so they cannot drift.
 * Every key starts with the tenant, so the data model itself scopes each read to one tenant.
 * Deliveries live in their endpoint's partition, sorted by a time-ordered id: the history is a
 * plain query, and a delivery costs one write, with no secondary index to keep.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expires_at',
  /**
   * A sparse index of the deliveries waiting for an attempt (retrying or pending), by when it
   * is due: only those items carry its keys, so the sweep's read follows what waits, never the
   * history. Spread over shards so that no index partition takes every waiting delivery.
   */
  dueIndex: { name: 'due', partitionKey: 'due_pk', sortKey: 'due_at', shards: 16 },
  /**
   * A sparse index of each endpoint's failed deliveries (retries exhausted), in history order:
   * the failed-only page and a recovery read only failed deliveries. A delivery enters it when
   * it fails for good and leaves it when it is re-sent; succeeded ones never write it.
   */
  failedIndex: { name: 'failed', partitionKey: 'failed_pk', sortKey: 'sk' },
  /**
   * The same failed deliveries by tenant, across its endpoints, in event-time order (the sort
   * key is the time-ordered delivery id): the failures view reads only failed deliveries,
   * whatever the tenant's history holds. Spread over shards by a hash of the delivery id, so
   * that a tenant whose endpoints all fail at once does not heat one index partition.
   */
  tenantFailedIndex: { name: 'tenant-failed', partitionKey: 'tenant_failed_pk', sortKey: 'sk', shards: 4 },
  /**
   * An endpoint's history is spread over this many partitions by a hash of the delivery id, so
   * one endpoint takes this many times a partition's 1,000 writes a second (the sort keys
   * grow with time, so DynamoDB's own split for heat cannot spread them); reads merge them.
   */
  historyShards: 4,
  /**
   * A sparse index, on each table, of a tenant's items that live outside every partition the
   * tenant's erasure can name (its own `TENANT#`, `AUDIT#` and endpoint partitions): API keys'
   * and sessions' lookups, portal links and subscription pointers (configs); stored events and
   * recoveries (deliveries). Keys only: erasing a tenant reads what it deletes, never more.
   * Spread over shards by a hash of the item's id, so a tenant storing many events a second
   * does not heat one index partition.
   */
  tenantItemsIndex: { name: 'tenant-items', partitionKey: 'tenant_items_pk', shards: 8 },
} as const;

/** A stable hash of an id (31-multiplier string hash), for spreading items over shards. */
const shardOf = (id: string, shards: number): number => {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % shards;
};

/** What the due index holds beside its keys: what the sweep needs to re-drive a delivery. */
export const DUE_INDEX_ATTRIBUTES = ['id', 'tenant_id', 'endpoint_id', 'status', 'attempt_count'] as const;

export const keys = {
  /** The tenant-items index key of a tenant's item outside its partitions (`id`: what spreads them). */
  tenantItems: (tenantId: string, id: string) => ({
    [TABLE_KEYS.tenantItemsIndex.partitionKey]: `${tenantId}#${shardOf(id, TABLE_KEYS.tenantItemsIndex.shards)}`,
  }),
  /** Every partition of a tenant's items in the tenant-items index. */
  tenantItemsPartitions: (tenantId: string) => Array.from({ length: TABLE_KEYS.tenantItemsIndex.shards }, (_, shard) => `${tenantId}#${shard}`),
  /** A deleted endpoint whose history is still kept (configs table): how a tenant's erasure finds that history. */
  retiredEndpoint: (tenantId: string, endpointId: string) => ({ pk: `TENANT#${tenantId}`, sk: `RETIRED#${endpointId}` }),
  /** A tenant's erasure: its progress, then its receipt (configs table). */
  erasure: (tenantId: string) => ({ pk: `ERASURE#${tenantId}`, sk: 'ERASURE' }),
  tenant: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'TENANT' }),
  apiKeyLookup: (keyHash: string) => ({ pk: `APIKEY#${keyHash}`, sk: 'APIKEY' }),
  apiKeyListing: (tenantId: string, keyId: string) => ({ pk: `TENANT#${tenantId}`, sk: `APIKEY#${keyId}` }),
  /** A portal link, by the hash of its token (configs table). */
  portalLink: (tokenHash: string) => ({ pk: `PORTAL#${tokenHash}`, sk: 'PORTAL' }),
  endpoint: (tenantId: string, endpointId: string) => ({ pk: `TENANT#${tenantId}`, sk: `ENDPOINT#${endpointId}` }),
  /** A tenant's audit trail, or its copy by webhook or by action (configs table; sort key: the record id). */
  auditList: (tenantId: string, by: { webhookId?: string; action?: string } = {}) =>
    by.webhookId ? `AUDIT#${tenantId}#WEBHOOK#${by.webhookId}` : by.action ? `AUDIT#${tenantId}#ACTION#${by.action}` : `AUDIT#${tenantId}`,
  /** That an endpoint subscribes to an event type (`*`: every type): what a publish reads. */
  subscription: (tenantId: string, type: string, endpointId: string) => ({ pk: `SUBS#${tenantId}#${type}`, sk: endpointId }),
  subscriptionsOf: (tenantId: string, type: string) => `SUBS#${tenantId}#${type}`,
  event: (tenantId: string, eventId: string) => ({ pk: `EVENT#${tenantId}#${eventId}`, sk: 'EVENT' }),
  delivery: (ref: { tenantId: string; endpointId: string; deliveryId: string }) => ({
    pk: keys.historyPartition(ref.tenantId, ref.endpointId, shardOf(ref.deliveryId, TABLE_KEYS.historyShards)),
    sk: `DELIVERY#${ref.deliveryId}`,
  }),
  /** One of the partitions an endpoint's history is spread over. */
  historyPartition: (tenantId: string, endpointId: string, shard: number) => `ENDPOINT#${tenantId}#${endpointId}#${shard}`,
  /** Every partition of an endpoint's history (its deliveries, and their attempts that left their items). */
  historyPartitions: (tenantId: string, endpointId: string) =>
    Array.from({ length: TABLE_KEYS.historyShards }, (_, shard) => keys.historyPartition(tenantId, endpointId, shard)),
  /** One partition of the tenant failed index. */
  tenantFailedPartition: (tenantId: string, shard: number) => `FAILED#${tenantId}#${shard}`,
  /** Every partition of the tenant failed index (a failed delivery is in the one its id hashes to). */
  tenantFailedPartitions: (tenantId: string) =>
    Array.from({ length: TABLE_KEYS.tenantFailedIndex.shards }, (_, shard) => keys.tenantFailedPartition(tenantId, shard)),
  /** The keys a failed delivery carries in both failed indexes: its endpoint's, its tenant's. */
  failedIndexKeys: (ref: { tenantId: string; endpointId: string; deliveryId: string }) => ({
    [TABLE_KEYS.failedIndex.partitionKey]: keys.delivery(ref).pk,
    [TABLE_KEYS.tenantFailedIndex.partitionKey]: keys.tenantFailedPartition(ref.tenantId, shardOf(ref.deliveryId, TABLE_KEYS.tenantFailedIndex.shards)),
  }),
  /** Per-tenant API request counter of one window (configs table). */
  rateWindow: (key: string, windowStartMs: number) => ({ pk: keys.rateWindows(key), sk: `WINDOW#${windowStartMs}` }),
  /** The partition of one key's rate windows (configs table). */
  rateWindows: (key: string) => `RATE#${key}`,
  /** Attempts given a slot of one frame (PACE_FRAME_MS), for an endpoint's rate limit (deliveries table). */
  paceFrame: (tenantId: string, endpointId: string, frame: number) => ({ pk: keys.paceFrames(tenantId, endpointId), sk: `FRAME#${frame}` }),
  /** The partition of an endpoint's pace frames (deliveries table). */
  paceFrames: (tenantId: string, endpointId: string) => `PACE#${tenantId}#${endpointId}`,
  /** Leases on an endpoint's delivery slots (deliveries table). */
  deliverySlots: (tenantId: string, endpointId: string) => ({ pk: `SLOTS#${tenantId}#${endpointId}`, sk: 'SLOTS' }),
  recovery: (tenantId: string, recoveryId: string) => ({ pk: `RECOVERY#${tenantId}#${recoveryId}`, sk: 'RECOVERY' }),
  /** The due index's partition of a waiting delivery: a stable shard of its id. */
  dueShard: (deliveryId: string) => `DUE#${shardOf(deliveryId, TABLE_KEYS.dueIndex.shards)}`,
  /** An attempt that left its delivery's item (the item keeps the latest ones), beside it. */
  attempt: (ref: { tenantId: string; endpointId: string; deliveryId: string }, number: number) => ({
    pk: keys.delivery(ref).pk,
    sk: `ATTEMPT#${ref.deliveryId}#${String(number).padStart(6, '0')}`,
  }),
  attemptPrefix: (ref: { deliveryId: string }) => `ATTEMPT#${ref.deliveryId}#`,
  deliverySortKey: (deliveryId: string) => `DELIVERY#${deliveryId}`,
};
