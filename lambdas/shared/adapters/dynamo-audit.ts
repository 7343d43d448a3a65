import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditAction, AuditLog, AuditQuery, AuditRecord } from '../domain/audit';
import { batchWriteAll, type Item } from './dynamo-write';
import type { RetentionOf } from './tenant-retention';
import { keys } from './tables';

const toItem = (r: AuditRecord): Item => ({
  id: r.id,
  tenant_id: r.tenantId,
  at: r.at,
  action: r.action,
  actor: { type: r.actor.type, id: r.actor.id },
  source: { ip: r.source.ip, user_agent: r.source.userAgent },
  ...(r.webhookId ? { webhook_id: r.webhookId } : {}),
  ...(r.target ? { target: r.target } : {}),
  // Before and after as JSON text: any field names, any nesting, without DynamoDB's empty-value rules.
  ...(r.before ? { before_json: JSON.stringify(r.before) } : {}),
  ...(r.after ? { after_json: JSON.stringify(r.after) } : {}),
});

const toRecord = (i: Item): AuditRecord => ({
  id: i.id as string,
  tenantId: i.tenant_id as string,
  at: i.at as string,
  action: i.action as AuditAction,
  actor: i.actor as AuditRecord['actor'],
  source: { ip: ((i.source as Item)?.ip as string | null) ?? null, userAgent: ((i.source as Item)?.user_agent as string | null) ?? null },
  ...(typeof i.webhook_id === 'string' ? { webhookId: i.webhook_id } : {}),
  ...(i.target ? { target: i.target as Record<string, string> } : {}),
  ...(typeof i.before_json === 'string' ? { before: JSON.parse(i.before_json) } : {}),
  ...(typeof i.after_json === 'string' ? { after: JSON.parse(i.after_json) } : {}),
});

/**
 * The audit trail in the configs table. A record is one item in the tenant's list, and one copy
 * in the list of its webhook and of its action, so that each filter is a query of what it
 * returns (never a read of the whole trail filtered): two or three items a change, in one
 * BatchWriteItem, each expiring with the retention. Newest first: the ids are time-ordered.
 */
export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionOf: RetentionOf,
  ) {}

  async record(r: AuditRecord): Promise<void> {
    const item = { ...toItem(r), expires_at: Math.floor(Date.parse(r.at) / 1000) + (await this.retentionOf(r.tenantId)) * 86_400 };
    const lists = [keys.auditList(r.tenantId), keys.auditList(r.tenantId, { action: r.action }), ...(r.webhookId ? [keys.auditList(r.tenantId, { webhookId: r.webhookId })] : [])];
    await batchWriteAll(this.db, this.tableName, lists.map((pk) => ({ PutRequest: { Item: { pk, sk: r.id, ...item } } })));
  }

  async list(tenantId: string, q: AuditQuery): Promise<{ records: AuditRecord[]; hasMore: boolean }> {
    const byWebhook = q.webhookId !== undefined;
    const pk = byWebhook ? keys.auditList(tenantId, { webhookId: q.webhookId! }) : keys.auditList(tenantId, q.action ? { action: q.action } : {});
    // Both filters: the webhook's list, its other actions filtered out (a webhook's trail is short).
    const filtered = byWebhook && q.action !== undefined;
    const records: AuditRecord[] = [];
    let start: Item | undefined = q.startingAfter ? { pk, sk: q.startingAfter } : undefined;
    do {
      const page: { Items?: Item[]; LastEvaluatedKey?: Item } = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk, ...(filtered ? { ':action': q.action } : {}) },
          ...(filtered ? { FilterExpression: '#action = :action', ExpressionAttributeNames: { '#action': 'action' } } : {}),
          ScanIndexForward: false,
          // A tenant sees its change in its trail at once (a strongly consistent read costs a read unit a 4 KB).
          ConsistentRead: true,
          Limit: q.limit + 1,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      records.push(...(page.Items ?? []).map(toRecord));
      start = page.LastEvaluatedKey;
    } while (records.length <= q.limit && start);
    return { records: records.slice(0, q.limit), hasMore: records.length > q.limit };
  }
}
