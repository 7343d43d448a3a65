import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SubscriptionPointers, subscribedTypes } from '../lambdas/shared/adapters/dynamo-subscriptions';
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
