import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord } from '../domain/model';
import { isConditionFailure, type Item } from './dynamo-write';
import { PORTAL_CAPABILITIES, type PortalCapability, type PortalScope } from '../domain/portal-scope';
import type { PortalLinkRecord } from '../domain/ports';
import type { PortalTheme } from '../domain/portal';
import { keys } from './tables';

// Portal links and sessions in the configs table (`../domain/portal`): each by the hash of its token.

/** A scope as a link's or session's item holds it (an item from before scopes: full, or read-only). */
export const fromScope = (scope: PortalScope): Item => ({
  capabilities: [...scope.capabilities],
  ...(scope.webhookIds ? { webhook_ids: [...scope.webhookIds] } : {}),
  ...(scope.eventTypes ? { event_types: [...scope.eventTypes] } : {}),
});
export const toScope = (i: Item): PortalScope => ({
  capabilities: Array.isArray(i.capabilities) ? (i.capabilities as PortalCapability[]) : i.read_only === true ? [] : PORTAL_CAPABILITIES,
  ...(Array.isArray(i.webhook_ids) ? { webhookIds: i.webhook_ids as string[] } : {}),
  ...(Array.isArray(i.event_types) ? { eventTypes: i.event_types as string[] } : {}),
});

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
        ...(k.scope ? fromScope(k.scope) : {}),
        expires_at: ttlAfter(k.expiresAt!),
        ...keys.tenantItems(k.tenantId, k.keyHash),
      },
    }),
  );
};

export const putPortalLink = async (db: DynamoDBDocumentClient, tableName: string, link: PortalLinkRecord): Promise<void> => {
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.portalLink(link.tokenHash), type: 'portal_link', tenant_id: link.tenantId, read_only: link.scope.capabilities.length === 0, ...fromScope(link.scope), ...(link.theme ? { theme: { ...link.theme } } : {}), ends_at: link.expiresAt, expires_at: ttlAfter(link.expiresAt), ...keys.tenantItems(link.tenantId, link.tokenHash) },
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
    return { tenantId: Attributes!.tenant_id as string, scope: toScope(Attributes!), ...(Attributes!.theme ? { theme: Attributes!.theme as PortalTheme } : {}), expiresAt: Attributes!.ends_at as string };
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
    const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.portalLink(tokenHash), ConsistentRead: true }));
    if (!Item) return undefined;
    return Item.used_at ? ('used' as const) : ('expired' as const);
  }
};
