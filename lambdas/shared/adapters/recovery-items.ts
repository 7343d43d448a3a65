import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Recovery } from '../domain/model';
import { expiresAt } from './delivery-items';
import { keys, TABLE_KEYS } from './tables';

// Bulk recoveries in the deliveries table: one item each, its progress added as the worker goes.

export const createRecovery = async (db: DynamoDBDocumentClient, tableName: string, retentionDays: number, r: Recovery): Promise<void> => {
  await db.send(
    new PutCommand({
      TableName: tableName,
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
        [TABLE_KEYS.ttlAttribute]: expiresAt(r.createdAt, retentionDays),
        ...keys.tenantItems(r.tenantId, r.id),
      },
    }),
  );
};

export const getRecovery = async (db: DynamoDBDocumentClient, tableName: string, tenantId: string, recoveryId: string): Promise<Recovery | undefined> => {
  const { Item } = await db.send(
    new GetCommand({ TableName: tableName, Key: keys.recovery(tenantId, recoveryId), ConsistentRead: true }),
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
};

export const addRecoveryProgress = async (
db: DynamoDBDocumentClient,
tableName: string,
tenantId: string,
recoveryId: string,
{ found, sent, done }: { found: number; sent: number; done: boolean },
): Promise<void> => {
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.recovery(tenantId, recoveryId),
      UpdateExpression: `ADD sent :n, #count :found${done ? ' SET #status = :done' : ''}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#count': 'count', ...(done ? { '#status': 'status' } : {}) },
      ExpressionAttributeValues: { ':n': sent, ':found': found, ...(done ? { ':done': 'done' } : {}) },
    }),
  );
};
