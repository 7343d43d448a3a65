import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SubscriptionPointers, subscribedTypes } from '../lambdas/shared/adapters/dynamo-subscriptions';
import { keys } from '../lambdas/shared/adapters/tables';
import { documentClient } from '../lambdas/shared/aws-ports';

/**
 * A data directory from before publishes read subscription pointers has endpoints without
 * them, which would receive nothing: writes the pointers every endpoint's subscriptions need
 * (writing one that exists changes nothing). A scan of the local configs table, at start only.
 */
export const backfillSubscriptionPointers = async (dynamo: DynamoDBClient, configTable: string): Promise<number> => {
  const db = documentClient(dynamo);
  const pointers = new SubscriptionPointers(db, configTable);
  let written = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page: { Items?: Array<Record<string, unknown>>; LastEvaluatedKey?: Record<string, unknown> } = await db.send(
      new ScanCommand({ TableName: configTable, FilterExpression: 'begins_with(sk, :endpoint)', ExpressionAttributeValues: { ':endpoint': 'ENDPOINT#' }, ExclusiveStartKey: start }),
    );
    for (const e of page.Items ?? []) {
      const types = subscribedTypes((e.events as string[] | null | undefined) ?? null);
      await pointers.add(e.tenant_id as string, e.id as string, types, e.updated_at as string);
      written += types.length;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return written;
};

/**
 * A data directory from before an endpoint's history was spread over partitions keeps its
 * deliveries (and their attempts that left their items) in one partition per endpoint: moves
 * each to the partition it belongs in now, with its failed-index key. Copy, then delete: a
 * crash in between leaves a copy in both, and the next start moves it again.
 */
export const shardLegacyHistory = async (dynamo: DynamoDBClient, deliveriesTable: string): Promise<number> => {
  const db = documentClient(dynamo);
  let moved = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page: { Items?: Array<Record<string, unknown>>; LastEvaluatedKey?: Record<string, unknown> } = await db.send(
      new ScanCommand({ TableName: deliveriesTable, FilterExpression: 'begins_with(pk, :endpoint)', ExpressionAttributeValues: { ':endpoint': 'ENDPOINT#' }, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) {
      const legacy = /^ENDPOINT#([^#]+)#([^#]+)$/.exec(String(item.pk));
      if (!legacy) continue;
      const deliveryId = /^(?:DELIVERY|ATTEMPT)#(dlv_[0-9a-z]+)/.exec(String(item.sk))?.[1];
      if (!deliveryId) continue;
      const pk = keys.delivery({ tenantId: legacy[1]!, endpointId: legacy[2]!, deliveryId }).pk;
      await db.send(new PutCommand({ TableName: deliveriesTable, Item: { ...item, pk, ...(item.failed_pk ? { failed_pk: pk } : {}) } }));
      await db.send(new DeleteCommand({ TableName: deliveriesTable, Key: { pk: item.pk, sk: item.sk } }));
      moved++;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return moved;
};
