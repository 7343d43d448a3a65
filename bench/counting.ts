import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';

const DYNAMO_READS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'ScanCommand']);
const DYNAMO_WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);

type Capacity = { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> | undefined;
const units = (c: Capacity): number => (Array.isArray(c) ? c : c ? [c] : []).reduce((n, x) => n + (x.CapacityUnits ?? 0), 0);

/**
 * Counts the AWS requests the handlers make, with an SDK middleware on each client: requests
 * per service and command, and DynamoDB capacity units as dynalite reports them (asked with
 * ReturnConsumedCapacity). The tables have no secondary index, so the table's units are all.
 */
export class RequestCounter {
  requests = new Map<string, number>();
  readUnits = 0;
  writeUnits = 0;
  emptyReceives = 0;

  reset(): void {
    this.requests.clear();
    this.readUnits = 0;
    this.writeUnits = 0;
    this.emptyReceives = 0;
  }

  count(service: string, command: string): number {
    return this.requests.get(`${service}:${command}`) ?? 0;
  }

  total(service: string): number {
    let n = 0;
    for (const [k, v] of this.requests) if (k.startsWith(`${service}:`)) n += v;
    return n;
  }

  attach = (service: string, client: DynamoDBClient | SQSClient): void => {
    (client as DynamoDBClient).middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        const input = args.input as Record<string, unknown>;
        const isDynamo = service === 'dynamodb';
        if (isDynamo && (DYNAMO_READS.has(command) || DYNAMO_WRITES.has(command))) input.ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        const output = result.output as unknown as Record<string, unknown>;
        this.requests.set(`${service}:${command}`, (this.requests.get(`${service}:${command}`) ?? 0) + 1);
        if (isDynamo) {
          const used = units(output.ConsumedCapacity as Capacity);
          if (DYNAMO_READS.has(command)) this.readUnits += used;
          if (DYNAMO_WRITES.has(command)) {
            this.writeUnits += used;
          }
        } else if (command === 'ReceiveMessageCommand' && !((output.Messages as unknown[]) ?? []).length) {
          this.emptyReceives++;
        }
        return result;
      },
      { step: 'initialize', name: 'benchRequestCounter' },
    );
  };
}
