import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const isConditionFailure = (e: unknown): boolean =>
  e instanceof ConditionalCheckFailedException || (e as { name?: string })?.name === 'ConditionalCheckFailedException';

export const whenConditionHolds = async (write: () => Promise<unknown>): Promise<boolean> => {
  try {
    await write();
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
};

export type Item = Record<string, unknown>;

/** The items of `keys` that exist, read strongly in BatchGetItem requests of 100, unprocessed keys asked again. */
export const batchGetAll = async (db: DynamoDBDocumentClient, tableName: string, keys: Item[], projection?: string): Promise<Item[]> => {
  const found: Item[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let request: Record<string, { Keys: Item[]; ConsistentRead: boolean; ProjectionExpression?: string }> | undefined = {
      [tableName]: { Keys: keys.slice(i, i + 100), ConsistentRead: true, ...(projection ? { ProjectionExpression: projection } : {}) },
    };
    while (request && Object.keys(request).length > 0) {
      const out = await db.send(new BatchGetCommand({ RequestItems: request }));
      found.push(...((out.Responses?.[tableName] ?? []) as Item[]));
      request = out.UnprocessedKeys as typeof request;
    }
  }
  return found;
};

export type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

/** Puts and deletes in BatchWriteItem requests of 25, unprocessed ones sent again. */
export const batchWriteAll = async (db: DynamoDBDocumentClient, tableName: string, requests: WriteRequest[]): Promise<void> => {
  for (let i = 0; i < requests.length; i += 25) {
    let request: Record<string, WriteRequest[]> | undefined = { [tableName]: requests.slice(i, i + 25) };
    while (request && Object.keys(request).length > 0) {
      const out = await db.send(new BatchWriteCommand({ RequestItems: request }));
      request = out.UnprocessedItems as typeof request;
    }
  }
};
