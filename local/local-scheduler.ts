import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { MAX_SQS_DELAY_SECONDS, scheduleName } from '../lambdas/shared/adapters/retry-scheduler';
import { documentClient } from '../lambdas/shared/aws-ports';
import { sqsSafeJson } from '../lambdas/shared/adapters/sqs-queue';
import { parseExact } from '../lambdas/shared/domain/exact-json';
import type { AttemptMessage, Clock, DeliveryQueue, RetryScheduler } from '../lambdas/shared/domain/ports';

export const LOCAL_SCHEDULES_TABLE = 'hookpost-local-schedules';

/**
 * EventBridge Scheduler's stand-in. Short delays ride on the queue's own delay, as on AWS;
 * longer ones are kept in a (persisted) dynalite table and sent to the queue when due, then
 * deleted. A restart, even `kill -9`, loses none; a crash between send and delete sends one
 * twice, which the worker's attempt numbering absorbs.
 */
export const createLocalScheduler = async (dynamo: DynamoDBClient, queue: DeliveryQueue, clock: Clock) => {
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: LOCAL_SCHEDULES_TABLE,
        KeySchema: [{ AttributeName: 'name', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'name', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (e) {
    if ((e as Error).name !== 'ResourceInUseException') throw e;
  }
  const db = documentClient(dynamo);

  /** A one-time schedule, as CreateSchedule makes it: false when one of that name exists. */
  const create = async (name: string, dueAtMs: number, input: string): Promise<boolean> => {
    try {
      await db.send(
        new PutCommand({
          TableName: LOCAL_SCHEDULES_TABLE,
          Item: { name, due_at: dueAtMs, message: input },
          ConditionExpression: 'attribute_not_exists(#name)',
          ExpressionAttributeNames: { '#name': 'name' },
        }),
      );
      return true;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  };

  /** Deletes a schedule, as DeleteSchedule does; false when there was none of that name. */
  const remove = async (name: string): Promise<boolean> => {
    const { Attributes } = await db.send(new DeleteCommand({ TableName: LOCAL_SCHEDULES_TABLE, Key: { name }, ReturnValues: 'ALL_OLD' }));
    return Attributes !== undefined;
  };

  const scheduler: RetryScheduler = {
    async schedule(message: AttemptMessage, delaySeconds: number) {
      if (delaySeconds <= MAX_SQS_DELAY_SECONDS) return queue.send(message, delaySeconds);
      // Already scheduled: as the Scheduler adapter takes a ConflictException.
      await create(scheduleName(message), clock.now().getTime() + delaySeconds * 1000, sqsSafeJson(message));
    },
    cancel: (attempt) => remove(scheduleName(attempt)),
  };

  /** Sends every schedule that is due; returns how many. */
  const fireDue = async (): Promise<number> => {
    let fired = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page: { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> } = await db.send(
        new ScanCommand({
          TableName: LOCAL_SCHEDULES_TABLE,
          FilterExpression: 'due_at <= :now',
          ExpressionAttributeValues: { ':now': clock.now().getTime() },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        await queue.send(parseExact(item.message as string) as AttemptMessage);
        await db.send(new DeleteCommand({ TableName: LOCAL_SCHEDULES_TABLE, Key: { name: item.name } }));
        fired++;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return fired;
  };

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  return {
    scheduler,
    create,
    remove,
    fireDue,
    start(intervalMs = 1000, onError: (e: unknown) => void = () => undefined) {
      timer = setInterval(() => {
        running = running.then(fireDue).catch(onError);
      }, intervalMs);
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
};
