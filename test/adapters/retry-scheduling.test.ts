import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { parseExact, stringifyExact } from '../../lambdas/shared/domain/exact-json';
import type { JsonValue } from '../../lambdas/shared/domain/python-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeliveryStore } from '../../lambdas/shared/adapters/dynamo-delivery-store';
import { AwsRetryScheduler } from '../../lambdas/shared/adapters/retry-scheduler';
import { SqsDeliveryQueue, sqsSafeJson } from '../../lambdas/shared/adapters/sqs-queue';
import { documentClient } from '../../lambdas/shared/aws-ports';
import { deliveryIdFor } from '../../lambdas/shared/domain/ids';
import type { AttemptMessage } from '../../lambdas/shared/domain/ports';
import type { Delivery } from '../../lambdas/shared/domain/model';
import { ensureTables, startDynamo, startSqs } from '../../local/emulators';
import { createLocalScheduler } from '../../local/local-scheduler';

let sqs: Awaited<ReturnType<typeof startSqs>>;
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
beforeAll(async () => {
  [sqs, dynamo] = await Promise.all([startSqs(), startDynamo()]);
  await ensureTables(dynamo.client, { configs: 'cfg', deliveries: 'dlv' });
});
afterAll(async () => {
  await sqs.stop();
  await dynamo.stop();
});

const message: AttemptMessage = {
  kind: 'attempt',
  tenantId: 'acme',
  endpointId: 'wh_1',
  deliveryId: 'dlv_0123456789abcdefghjkmnpqrs',
  attempt: 3,
  trigger: 'automatic',
};
const target = {
  groupName: 'Hookpost-retries',
  queueArn: 'arn:aws:sqs:us-east-1:123456789012:hookpost-delivery',
  roleArn: 'arn:aws:iam::123456789012:role/hookpost-scheduler',
  deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:hookpost-scheduler-dlq',
};
const clock = { now: () => new Date('2026-02-16T12:00:00.400Z') };
const queueFor = async (name: string) => {
  const { QueueUrl } = await sqs.client.send(new CreateQueueCommand({ QueueName: name }));
  return { url: QueueUrl!, queue: new SqsDeliveryQueue(sqs.client, QueueUrl!) };
};

describe('the delay decision', () => {
  it('up to 900 s: an SQS message delay on the delivery queue, no Scheduler call', async () => {
    const scheduler = mockClient(SchedulerClient);
    const { url, queue } = await queueFor('decision-sqs');
    const retries = new AwsRetryScheduler(queue, new SchedulerClient({ region: 'us-east-1' }), target, clock);
    await retries.schedule(message, 2);
    const early = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(early.Messages ?? []).toHaveLength(0);
    const later = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 3 }));
    expect(JSON.parse(later.Messages![0]!.Body!)).toEqual(message);
    await retries.schedule(message, 900);
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(0);
    scheduler.restore();
  });

  it('beyond 900 s: a one-time Scheduler schedule with the exact at() time, group, target and DELETE', async () => {
    const scheduler = mockClient(SchedulerClient);
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
    const { queue } = await queueFor('decision-scheduler');
    const retries = new AwsRetryScheduler(queue, new SchedulerClient({ region: 'us-east-1' }), target, clock);
    await retries.schedule(message, 1800);
    const calls = scheduler.commandCalls(CreateScheduleCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      Name: 'dlv_0123456789abcdefghjkmnpqrs-a3',
      GroupName: 'Hookpost-retries',
      ScheduleExpression: 'at(2026-02-16T12:30:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: target.queueArn,
        RoleArn: target.roleArn,
        Input: sqsSafeJson(message),
        DeadLetterConfig: { Arn: target.deadLetterArn },
        RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
      },
    });
    scheduler.restore();
  });

  it('a retry carrying its event keeps every number exact in the schedule\'s input, as the queue does', async () => {
    const scheduler = mockClient(SchedulerClient);
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:schedule' });
    const { queue } = await queueFor('decision-exact');
    const text = '{"big":12345678901234567890,"f":1.0,"z":-0.0}';
    const carrying = { ...message, event: { type: 'price.alert', data: parseExact(text) as JsonValue, createdAt: '2026-02-16T12:00:00.000Z' } };
    await new AwsRetryScheduler(queue, new SchedulerClient({ region: 'us-east-1' }), target, clock).schedule(carrying, 1800);
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input.Target!.Input!;
    expect(input).toContain(`"data":${text}`);
    expect(stringifyExact((parseExact(input) as { event: { data: JsonValue } }).event.data)).toBe(text);
    scheduler.restore();
  });

  it('a redelivered message finds its schedule there already: no second schedule, no error', async () => {
    const scheduler = mockClient(SchedulerClient);
    scheduler.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    const { queue } = await queueFor('decision-conflict');
    const retries = new AwsRetryScheduler(queue, new SchedulerClient({ region: 'us-east-1' }), target, clock);
    await expect(retries.schedule(message, 7200)).resolves.toBeUndefined();
    scheduler.restore();
  });

  it('a throttled Scheduler call fails the message, so it comes back', async () => {
    const scheduler = mockClient(SchedulerClient);
    scheduler.on(CreateScheduleCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const { queue } = await queueFor('decision-throttle');
    const retries = new AwsRetryScheduler(queue, new SchedulerClient({ region: 'us-east-1' }), target, clock);
    await expect(retries.schedule(message, 7200)).rejects.toThrow('Rate exceeded');
    scheduler.restore();
  });
});

describe('local scheduler (Scheduler stand-in) on dynalite and fauxqs', () => {
  it('keeps long delays in a table and sends them when due, once', async () => {
    let now = Date.parse('2026-02-16T12:00:00.000Z');
    const { url, queue } = await queueFor('local-scheduler');
    const local = await createLocalScheduler(dynamo.client, queue, { now: () => new Date(now) });
    await local.scheduler.schedule(message, 7200);
    await local.scheduler.schedule(message, 7200); // the same schedule again: one entry
    expect(await local.fireDue()).toBe(0);
    now += 7200 * 1000;
    expect(await local.fireDue()).toBe(1);
    expect(await local.fireDue()).toBe(0);
    const got = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
    expect(got.Messages?.map((m) => JSON.parse(m.Body!))).toEqual([message]);
  });
});

describe('attempt records on dynalite', () => {
  const store = () => new DynamoDeliveryStore(documentClient(dynamo.client), 'dlv', 30);
  const base: Delivery = {
    id: 'dlv_r1',
    tenantId: 'acme',
    endpointId: 'wh_1',
    eventId: 'evt_1',
    eventType: 'price.alert',
    status: 'retrying',
    retryCount: 0,
    nextAttemptAt: '2026-02-16T12:01:00.000Z',
    createdAt: '2026-02-16T12:00:00.000Z',
    updatedAt: '2026-02-16T12:00:00.000Z',
    attempts: [{ number: 1, attemptedAt: '2026-02-16T12:00:00.000Z', statusCode: 500, responseTimeMs: 4, error: 'http_status', responseBody: 'x', trigger: 'automatic' }],
  };
  const second = { number: 2, attemptedAt: '2026-02-16T12:01:00.000Z', statusCode: 200, responseTimeMs: 3, error: null, responseBody: 'ok', trigger: 'automatic' } as const;

  it('appends an attempt only at the expected count, so a number is never recorded twice', async () => {
    const s = store();
    await s.createDelivery(base);
    const update = { attempt: second, status: 'succeeded' as const, retryCount: 1, nextAttemptAt: null, updatedAt: second.attemptedAt };
    const ref = { tenantId: 'acme', endpointId: 'wh_1', deliveryId: 'dlv_r1' };
    expect(await s.recordAttempt(ref, 1, update)).toBe(true);
    expect(await s.recordAttempt(ref, 1, update)).toBe(false);
    const d = await s.getDelivery(ref);
    expect(d).toMatchObject({ status: 'succeeded', retryCount: 1, nextAttemptAt: null });
    expect(d!.attempts.map((a) => a.number)).toEqual([1, 2]);
    expect(await s.setState(ref, 1, { status: 'pending', nextAttemptAt: null, updatedAt: 'x' })).toBe(false);
    expect(await s.recordAttempt({ ...ref, tenantId: 'globex' }, 2, update)).toBe(false);
  });

  it('lists failed deliveries whose event is in a window (ids are time-ordered), a page at a time, in no particular order', async () => {
    const s = store();
    const idAt: string[] = [];
    for (let i = 0; i < 12; i++) {
      const at = new Date(Date.UTC(2026, 1, 17, 0, i)).toISOString();
      const id = deliveryIdFor(`evt_${i}`, 'wh_2', at);
      idAt.push(id);
      await s.createDelivery({ ...base, id, endpointId: 'wh_2', createdAt: at, updatedAt: at, status: i % 3 === 0 ? 'succeeded' : 'failed' });
    }
    const window = { since: '2026-02-17T00:02:00.000Z', until: '2026-02-17T00:09:00.000Z' };
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await s.listFailed('acme', 'wh_2', window, cursor, 3);
      ids.push(...page.deliveries.map((d) => d.id));
      cursor = page.cursor;
    } while (cursor);
    expect(ids.sort()).toEqual([2, 4, 5, 7, 8].map((i) => idAt[i]!).sort());
  });
});
