import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, type QueryCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ErasureStore } from '../domain/ports';
import { ERASURE_COUNTS, type ErasureCount, type ErasureCounts, type ErasurePhase, type ErasureStep, type TenantErasure } from '../domain/tenant-erasure';
import { batchWriteAll, type Item, whenConditionHolds } from './dynamo-write';
import { subscribedTypes } from './dynamo-subscriptions';
import { retiredEndpointItem } from './endpoint-items';
import { tenantRateKey } from '../domain/tenants';
import { keys, TABLE_KEYS } from './tables';

const countAttribute = (name: ErasureCount) => `n_${name}`;

const toErasure = (i: Item): TenantErasure => ({
  tenantId: i.tenant_id as string,
  status: i.status as TenantErasure['status'],
  requestedAt: i.requested_at as string,
  requestedBy: i.requested_by as TenantErasure['requestedBy'],
  source: { ip: ((i.source as Item)?.ip as string | null) ?? null, userAgent: ((i.source as Item)?.user_agent as string | null) ?? null },
  updatedAt: i.updated_at as string,
  ...(typeof i.finished_at === 'string' ? { finishedAt: i.finished_at } : {}),
  counts: Object.fromEntries(ERASURE_COUNTS.map((c) => [c, Number(i[countAttribute(c)] ?? 0)])) as ErasureCounts,
});

type Page = { Items?: Item[]; LastEvaluatedKey?: Item };

/** Where a step of an index phase goes on: the shard, and the key after which it reads. */
type IndexCursor = { shard: number; after?: Item };
const encode = (c: IndexCursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
const decode = (c: string | undefined): IndexCursor => (c ? (JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as IndexCursor) : { shard: 0 });

/** What an item of the tenant-items index is, by its partition key. */
const INDEXED: Array<[prefix: string, count: ErasureCount]> = [
  ['APIKEY#', 'portal_sessions'], // an API key's lookup is found from its listing; only sessions carry the index key
  ['PORTAL#', 'portal_links'],
  ['SUBS#', 'other'],
  ['EVENT#', 'events'],
  ['RECOVERY#', 'recoveries'],
];
const indexedAs = (pk: string): ErasureCount => INDEXED.find(([prefix]) => pk.startsWith(prefix))?.[1] ?? 'other';

/**
 * A tenant's erasure in the two tables (`../domain/tenant-erasure`). Every phase reads the
 * items it deletes and nothing else: the tenant's own partitions (`TENANT#`, `AUDIT#`, its
 * endpoints' history, pace and slots, its rate windows), and the keys-only tenant-items index
 * for what lives elsewhere. Reads of the tables are strongly consistent and start from what
 * remains (what a step deleted is not read again); the index, read eventually, goes on from
 * a cursor. Deletes in the configs table are DeleteItem calls: the worker that runs the
 * erasure may delete configuration but never put it (BatchWriteItem would allow puts).
 */
export class DynamoErasureStore implements ErasureStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly configTable: string,
    private readonly deliveriesTable: string | undefined,
    private readonly retentionDays: number,
  ) {}

  async getErasure(tenantId: string) {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.configTable, Key: keys.erasure(tenantId), ConsistentRead: true }));
    return Item ? toErasure(Item) : undefined;
  }

  startErasure(e: TenantErasure) {
    return whenConditionHolds(() =>
      this.db.send(
        new PutCommand({
          TableName: this.configTable,
          Item: {
            ...keys.erasure(e.tenantId),
            type: 'tenant_erasure',
            tenant_id: e.tenantId,
            status: e.status,
            requested_at: e.requestedAt,
            requested_by: { type: e.requestedBy.type, id: e.requestedBy.id },
            source: { ip: e.source.ip, user_agent: e.source.userAgent },
            updated_at: e.updatedAt,
            ...Object.fromEntries(ERASURE_COUNTS.map((c) => [countAttribute(c), e.counts[c]])),
          },
          // A tenant id created again after its erasure finished, and erased again: a new erasure, a new receipt.
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :done',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':done': 'done' },
        }),
      ),
    );
  }

  async addErasureProgress(tenantId: string, counts: Partial<ErasureCounts>, at: string, done: boolean) {
    const added = (Object.entries(counts) as Array<[ErasureCount, number]>).filter(([, n]) => n > 0);
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':at': at };
    added.forEach(([name, n], i) => {
      names[`#c${i}`] = countAttribute(name);
      values[`:c${i}`] = n;
    });
    const set = ['updated_at = :at'];
    if (done) {
      set.push('#status = :done', 'finished_at = :at', 'expires_at = :expires');
      values[':done'] = 'done';
      // The receipt is kept for the retention, then goes by TTL like everything else.
      values[':expires'] = Math.floor(Date.parse(at) / 1000) + this.retentionDays * 86_400;
    }
    values[':erasing'] = 'erasing';
    // Only while it is erasing: a step that runs twice (a redelivered message) after the last one adds nothing to a receipt.
    await whenConditionHolds(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.configTable,
          Key: keys.erasure(tenantId),
          UpdateExpression: `SET ${set.join(', ')}${added.length > 0 ? ` ADD ${added.map((_, i) => `#c${i} :c${i}`).join(', ')}` : ''}`,
          ConditionExpression: '#status = :erasing',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  erase(tenantId: string, phase: ErasurePhase, cursor: string | undefined, limit: number): Promise<ErasureStep> {
    switch (phase) {
      case 'keys':
      case 'settled-keys':
        return this.eraseKeysAndWebhooks(tenantId, limit);
      case 'index':
      case 'settled-index':
        return this.eraseIndexed(tenantId, this.configTable, cursor, limit);
      case 'history':
        return this.eraseHistory(tenantId, cursor, limit);
      case 'stored':
        return this.eraseIndexed(tenantId, this.deliveriesOrThrow(), cursor, limit);
      case 'audit':
        return this.eraseAudit(tenantId, limit);
      case 'rate':
        return this.erasePartition(this.configTable, keys.rateWindows(tenantRateKey(tenantId)), limit, 'other');
      case 'finish':
        // What is left of the tenant's own partition: its item (the tombstone) last of all.
        return this.erasePartition(this.configTable, keys.tenant(tenantId).pk, limit, 'other');
    }
  }

  private deliveriesOrThrow(): string {
    if (!this.deliveriesTable) throw new Error('This function has no deliveries table (DELIVERIES_TABLE_NAME)');
    return this.deliveriesTable;
  }

  private query(input: Omit<QueryCommandInput, 'TableName'> & { TableName: string }): Promise<Page> {
    return this.db.send(new QueryCommand({ ...(input.IndexName ? {} : { ConsistentRead: true }), ...input })) as Promise<Page>;
  }

  /** Deletes items of the configs table, one DeleteItem each, 25 at a time. */
  private async deleteConfigs(itemKeys: Item[]): Promise<void> {
    for (let i = 0; i < itemKeys.length; i += 25) {
      await Promise.all(itemKeys.slice(i, i + 25).map((Key) => this.db.send(new DeleteCommand({ TableName: this.configTable, Key }))));
    }
  }

  private async deleteFrom(table: string, itemKeys: Item[]): Promise<void> {
    if (table === this.configTable) return this.deleteConfigs(itemKeys);
    await batchWriteAll(this.db, table, itemKeys.map((Key) => ({ DeleteRequest: { Key } })));
  }

  /**
   * API keys (listing and lookup) and webhooks: nobody can sign in, no fan-out finds a webhook.
   * A webhook leaves a marker (`RETIRED#`) first, by which the history phase finds its history.
   */
  private async eraseKeysAndWebhooks(tenantId: string, limit: number): Promise<ErasureStep> {
    const pk = keys.tenant(tenantId).pk;
    const page = await this.query({
      TableName: this.configTable,
      // Below `RETIRED#`: the `APIKEY#` and `ENDPOINT#` items (markers and the tenant's item sort after).
      KeyConditionExpression: 'pk = :pk AND sk < :retired',
      ExpressionAttributeValues: { ':pk': pk, ':retired': 'RETIRED#' },
      ProjectionExpression: 'pk, sk, key_hash, events',
      Limit: limit,
    });
    const items = page.Items ?? [];
    const webhooks = items.filter((i) => String(i.sk).startsWith('ENDPOINT#'));
    const apiKeys = items.filter((i) => String(i.sk).startsWith('APIKEY#'));
    // An UpdateItem, not a put: the worker may not put configuration.
    await Promise.all(
      webhooks.map((w) => {
        const { pk, sk, ...marker } = retiredEndpointItem(tenantId, String(w.sk).slice('ENDPOINT#'.length));
        return this.db.send(
          new UpdateCommand({
            TableName: this.configTable,
            Key: { pk, sk },
            UpdateExpression: 'SET #type = :type, id = :id, expires_at = :expires',
            ExpressionAttributeNames: { '#type': 'type' },
            ExpressionAttributeValues: { ':type': marker.type, ':id': marker.id, ':expires': marker.expires_at },
          }),
        );
      }),
    );
    await this.deleteConfigs([
      ...apiKeys.flatMap((k) => (typeof k.key_hash === 'string' ? [keys.apiKeyLookup(k.key_hash)] : [])),
      // Its pointers now (no fan-out finds it from here on), written before the index existed or not; the index phase finds stale ones.
      ...webhooks.flatMap((w) => subscribedTypes((w.events as string[] | null | undefined) ?? null).map((type) => keys.subscription(tenantId, type, String(w.sk).slice('ENDPOINT#'.length)))),
      ...items.map((i) => ({ pk: i.pk, sk: i.sk })),
    ]);
    return { counts: { api_keys: apiKeys.length, webhooks: webhooks.length }, waiting: [], done: !page.LastEvaluatedKey && items.length < limit };
  }

  /** The tenant-items index of one table: its shards in turn, each from where the last step stopped. */
  private async eraseIndexed(tenantId: string, table: string, cursor: string | undefined, limit: number): Promise<ErasureStep> {
    const at = decode(cursor);
    const partitions = keys.tenantItemsPartitions(tenantId);
    if (at.shard >= partitions.length) return { counts: {}, waiting: [], done: true };
    const page = await this.query({
      TableName: table,
      IndexName: TABLE_KEYS.tenantItemsIndex.name,
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': TABLE_KEYS.tenantItemsIndex.partitionKey },
      ExpressionAttributeValues: { ':p': partitions[at.shard] },
      Limit: limit,
      ...(at.after ? { ExclusiveStartKey: at.after } : {}),
    });
    const items = page.Items ?? [];
    await this.deleteFrom(table, items.map((i) => ({ pk: i.pk, sk: i.sk })));
    const counts: Partial<ErasureCounts> = {};
    for (const i of items) counts[indexedAs(String(i.pk))] = (counts[indexedAs(String(i.pk))] ?? 0) + 1;
    const next: IndexCursor = page.LastEvaluatedKey ? { shard: at.shard, after: page.LastEvaluatedKey } : { shard: at.shard + 1 };
    return { counts, waiting: [], done: next.shard >= partitions.length, cursor: encode(next) };
  }

  /**
   * One retired webhook's history at a time (deliveries with their attempts, its pace frames
   * and delivery slots), then its marker. Retrying deliveries are answered in `waiting`, so
   * their next attempt's schedule is deleted too. `cursor`: the webhook and the partition it is at.
   */
  private async eraseHistory(tenantId: string, cursor: string | undefined, limit: number): Promise<ErasureStep> {
    const marker = (
      await this.query({
        TableName: this.configTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :retired)',
        ExpressionAttributeValues: { ':pk': keys.tenant(tenantId).pk, ':retired': 'RETIRED#' },
        ProjectionExpression: 'pk, sk',
        Limit: 1,
      })
    ).Items?.[0];
    if (!marker) return { counts: {}, waiting: [], done: true };
    const endpointId = String(marker.sk).slice('RETIRED#'.length);
    const partitions = [...keys.historyPartitions(tenantId, endpointId), keys.paceFrames(tenantId, endpointId)];
    const [atEndpoint, atPartition] = (cursor ?? '').split(' ');
    let from = atEndpoint === endpointId ? Number(atPartition) : 0;
    const table = this.deliveriesOrThrow();
    for (; from < partitions.length; from++) {
      const page = await this.query({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pk': partitions[from] },
        ProjectionExpression: 'pk, sk, #status, attempt_count',
        Limit: limit,
      });
      const items = page.Items ?? [];
      if (items.length === 0) continue;
      await this.deleteFrom(table, items.map((i) => ({ pk: i.pk, sk: i.sk })));
      const deliveries = items.filter((i) => String(i.sk).startsWith('DELIVERY#'));
      const attempts = items.filter((i) => String(i.sk).startsWith('ATTEMPT#')).length;
      return {
        counts: { deliveries: deliveries.length, attempts, other: items.length - deliveries.length - attempts },
        waiting: deliveries.filter((d) => d.status === 'retrying').map((d) => ({ deliveryId: String(d.sk).slice('DELIVERY#'.length), attempt: Number(d.attempt_count ?? 0) + 1 })),
        done: false,
        cursor: `${endpointId} ${from}`,
      };
    }
    const { Attributes: slots } = await this.db.send(new DeleteCommand({ TableName: table, Key: keys.deliverySlots(tenantId, endpointId), ReturnValues: 'ALL_OLD' }));
    await this.deleteConfigs([{ pk: marker.pk, sk: marker.sk }]);
    return { counts: { other: 1 + (slots ? 1 : 0) }, waiting: [], done: false };
  }

  /** The audit trail: each record of the tenant's list with its copies by action and by webhook (the copies first). */
  private async eraseAudit(tenantId: string, limit: number): Promise<ErasureStep> {
    const page = await this.query({
      TableName: this.configTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeNames: { '#action': 'action' },
      ExpressionAttributeValues: { ':pk': keys.auditList(tenantId) },
      ProjectionExpression: 'pk, sk, #action, webhook_id',
      Limit: Math.max(1, Math.floor(limit / 3)),
    });
    const items = page.Items ?? [];
    const copies = items.flatMap((r) => [
      { pk: keys.auditList(tenantId, { action: String(r.action) }), sk: r.sk },
      ...(typeof r.webhook_id === 'string' ? [{ pk: keys.auditList(tenantId, { webhookId: r.webhook_id }), sk: r.sk }] : []),
    ]);
    await this.deleteConfigs(copies);
    await this.deleteConfigs(items.map((i) => ({ pk: i.pk, sk: i.sk })));
    return { counts: { audit_records: items.length, other: copies.length }, waiting: [], done: !page.LastEvaluatedKey && items.length < Math.max(1, Math.floor(limit / 3)) };
  }

  /** Every item of one partition, a page at a time. */
  private async erasePartition(table: string, pk: string, limit: number, as: ErasureCount): Promise<ErasureStep> {
    const page = await this.query({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, ProjectionExpression: 'pk, sk', Limit: limit });
    const items = page.Items ?? [];
    await this.deleteFrom(table, items);
    return { counts: { [as]: items.length }, waiting: [], done: !page.LastEvaluatedKey && items.length < limit };
  }
}
