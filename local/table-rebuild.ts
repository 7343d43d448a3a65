import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';

/**
 * dynalite cannot add an index to a table that exists (it ignores UpdateTable's index
 * `Create`), so a local data directory from before an index was added has its table rebuilt
 * with the new definition: every item copied to a side table, the table dropped and created
 * again, the items copied back, the side table dropped. Each step can be crashed out of: the
 * next start sees where it stopped (a side table and no table, or a table of the new shape)
 * and finishes. Local only: on AWS, CloudFormation adds an index to the table in place.
 */
const sideName = (name: string) => `${name}.rebuild`;

/** The table's description, or undefined once it is gone (a table being deleted is waited for). */
const exists = async (client: DynamoDBClient, name: string) => {
  for (;;) {
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      if (Table?.TableStatus !== 'DELETING') return Table;
    } catch (e) {
      if ((e as Error).name === 'ResourceNotFoundException') return undefined;
      throw e;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
};

const drop = async (client: DynamoDBClient, name: string) => {
  if (!(await exists(client, name))) return;
  await client.send(new DeleteTableCommand({ TableName: name }));
  await exists(client, name); // returns once it is gone
};

const create = async (client: DynamoDBClient, definition: CreateTableCommandInput) => {
  await client.send(new CreateTableCommand(definition));
  while ((await exists(client, definition.TableName!))?.TableStatus !== 'ACTIVE') await new Promise((r) => setTimeout(r, 20));
};

const copy = async (client: DynamoDBClient, from: string, to: string) => {
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: from, ExclusiveStartKey: start, Limit: 25 }));
    let request: Record<string, Array<{ PutRequest: { Item: Record<string, AttributeValue> } }>> | undefined =
      (page.Items ?? []).length > 0 ? { [to]: (page.Items ?? []).map((Item) => ({ PutRequest: { Item } })) } : undefined;
    while (request && Object.keys(request).length > 0) {
      request = (await client.send(new BatchWriteItemCommand({ RequestItems: request }))).UnprocessedItems as typeof request;
    }
    start = page.LastEvaluatedKey;
  } while (start);
};

const hasIndexes = (table: { GlobalSecondaryIndexes?: Array<{ IndexName?: string }> } | undefined, definition: CreateTableCommandInput) =>
  (definition.GlobalSecondaryIndexes ?? []).every((want) => table?.GlobalSecondaryIndexes?.some((i) => i.IndexName === want.IndexName));

/** Makes `definition`'s table exist with all its indexes and every item it held. Answers whether it rebuilt it. */
export const ensureTableShape = async (client: DynamoDBClient, definition: CreateTableCommandInput): Promise<boolean> => {
  const name = definition.TableName!;
  const side = sideName(name);
  const table = await exists(client, name);
  if (table && hasIndexes(table, definition) && !(await exists(client, side))) return false;
  if (table && !hasIndexes(table, definition)) {
    // The table holds the data: copy it aside (again, if an earlier copy was cut short).
    await drop(client, side);
    await create(client, { ...definition, TableName: side });
    await copy(client, name, side);
    await drop(client, name);
  }
  if (!(await exists(client, name))) await create(client, definition);
  if (await exists(client, side)) {
    await copy(client, side, name);
    await drop(client, side);
  }
  return true;
};
