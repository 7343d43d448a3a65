import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord } from '../domain/model';
import { isConditionFailure } from './dynamo-write';
import { keys } from './tables';

// Portal links and sessions in the configs table (`../domain/portal`): each by the hash of its token.

/** DynamoDB's TTL attribute: epoch seconds, a day after `iso` (expiry is checked on read; TTL only tidies). */
const ttlAfter = (iso: string) => Math.floor(Date.parse(iso) / 1000) + 86_400;

export const putSession = async (db: DynamoDBDocumentClient, tableName: string, k: ApiKeyRecord): Promise<void> => {
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.apiKeyLookup(k.keyHash),
        type: 'session',
        key_id: k.keyId,
        tenant_id: k.tenantId,
        key_hash: k.keyHash,
        created_at: k.createdAt,
        ends_at: k.expiresAt,
        ...(k.readOnly ? { read_only: true } : {}),
        expires_at: ttlAfter(k.expiresAt!),
        ...keys.tenantItems(k.tenantId, k.keyHash),
      },
    }),
  );
};

export const putPortalLink = async (db: DynamoDBDocumentClient, tableName: string, link: { tokenHash: string; tenantId: string; readOnly: boolean; expiresAt: string }): Promise<void> => {
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.portalLink(link.tokenHash), type: 'portal_link', tenant_id: link.tenantId, read_only: link.readOnly, ends_at: link.expiresAt, expires_at: ttlAfter(link.expiresAt), ...keys.tenantItems(link.tenantId, link.tokenHash) },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
};

export const redeemPortalLink = async (db: DynamoDBDocumentClient, tableName: string, tokenHash: string, now: string) => {
  try {
    const { Attributes } = await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.portalLink(tokenHash),
        UpdateExpression: 'SET used_at = :now',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(used_at) AND ends_at > :now',
        ExpressionAttributeValues: { ':now': now },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { tenantId: Attributes!.tenant_id as string, readOnly: Attributes!.read_only === true, expiresAt: Attributes!.ends_at as string };
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
    const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.portalLink(tokenHash), ConsistentRead: true }));
    if (!Item) return undefined;
    return Item.used_at ? ('used' as const) : ('expired' as const);
  }
};
