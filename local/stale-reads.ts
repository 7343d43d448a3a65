import { aroundCommands, type MiddlewareClient } from './sdk-middleware';

type Input = Record<string, any>;

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/** An attribute as the SDK carries it: marshalled (`{S: "x"}`) or plain (lib-dynamodb before marshalling). */
const plain = (value: unknown): string => {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    return String(v.S ?? v.N ?? JSON.stringify(v));
  }
  return String(value);
};

/**
 * DynamoDB's eventual consistency, which dynalite does not have (it is always strongly
 * consistent): under this mode an eventually consistent read (GetItem or Query without
 * `ConsistentRead`, and every query of a secondary index, as GSIs are on AWS) does not see an
 * item first written less than `staleMs` ago, as a read served by a replica that has not caught
 * up would not. Strongly consistent reads see everything. Only new items are hidden (an update
 * is not rolled back to its older version): the failure a reader meets first, a record it was
 * just told exists and cannot find.
 */
export const createStaleReads = (staleMs: number, clock: () => number = Date.now) => {
  const firstWritten = new Map<string, number>();
  const keyOf = (table: string, item: Record<string, unknown>) => `${table}|${plain(item.pk)}|${plain(item.sk)}`;
  const recent = (key: string) => {
    const at = firstWritten.get(key);
    return at !== undefined && clock() - at < staleMs;
  };
  const noteWrite = (operation: string, input: Input) => {
    const written: Array<[string, Record<string, unknown>]> =
      operation === 'BatchWriteItem'
        ? Object.entries(input.RequestItems ?? {}).flatMap(([table, requests]) =>
            (requests as Input[]).map((r) => [table, (r.PutRequest?.Item ?? r.DeleteRequest?.Key) as Record<string, unknown>] as [string, Record<string, unknown>]),
          )
        : [[input.TableName, (input.Item ?? input.Key) as Record<string, unknown>]];
    for (const [table, item] of written) {
      const key = keyOf(table, item);
      if (!firstWritten.has(key)) firstWritten.set(key, clock());
    }
  };

  return {
    /** Adds the mode to a DynamoDB client (every function's, so all share one view of the table). */
    apply: <C extends MiddlewareClient>(client: C): C =>
      aroundCommands(client, 'hookpostStaleReads', async (operation, input, send) => {
        const result = await send();
        if (WRITES.has(operation)) {
          noteWrite(operation, input);
          return result;
        }
        const eventual = input.ConsistentRead !== true || input.IndexName !== undefined;
        if (!eventual) return result;
        const { output } = result;
        if (operation === 'GetItem' && output.Item && recent(keyOf(input.TableName, output.Item))) {
          return { ...result, output: { ...output, Item: undefined } };
        }
        if ((operation === 'Query' || operation === 'Scan') && output.Items) {
          const items = (output.Items as Array<Record<string, unknown>>).filter((item) => !recent(keyOf(input.TableName, item)));
          return { ...result, output: { ...output, Items: items, Count: items.length } };
        }
        return result;
      }),
  };
};
