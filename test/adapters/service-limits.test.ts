import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../lambdas/shared/aws-ports';
import type { RouteGroup } from '../../lambdas/shared/http/routes';
import { type ApiLambda, createLocalApiServer } from '../../local/api-gateway';
import { ensureTables, startDynamo, startSqs } from '../../local/emulators';
import { limitSqsClient, schedulerNameViolation } from '../../local/service-limits';

/**
 * Limits AWS applies that the emulators skip, enforced by the local runtime's wrappers (or,
 * where the emulator does apply them, checked to hold), each tested at the limit.
 */
let sqs: Awaited<ReturnType<typeof startSqs>>;
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
let small: string;
let large: string;
const model = { region: 'us-east-1', account: '000000000000', queueMaxMessageBytes: {} as Record<string, number> };

beforeAll(async () => {
  sqs = await startSqs();
  limitSqsClient(sqs.client, model);
  dynamo = await startDynamo();
  await ensureTables(dynamo.client, { configs: 'configs', deliveries: 'deliveries' });
  small = (await sqs.client.send(new CreateQueueCommand({ QueueName: 'small' }))).QueueUrl!;
  large = (await sqs.client.send(new CreateQueueCommand({ QueueName: 'large' }))).QueueUrl!;
  model.queueMaxMessageBytes['arn:aws:sqs:us-east-1:000000000000:small'] = 262_144;
  model.queueMaxMessageBytes['arn:aws:sqs:us-east-1:000000000000:large'] = 1_048_576;
});
afterAll(async () => {
  await sqs?.stop();
  await dynamo?.stop();
});

describe('SQS, as each queue is configured', () => {
  it('a message over its queue\'s MaximumMessageSize is refused with SQS\'s error; one at it passes', async () => {
    const client = sqs.client;
    await expect(client.send(new SendMessageCommand({ QueueUrl: small, MessageBody: 'x'.repeat(262_145) }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: 'One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.',
    });
    await expect(client.send(new SendMessageCommand({ QueueUrl: small, MessageBody: 'x'.repeat(262_144) }))).resolves.toBeDefined();
    await expect(client.send(new SendMessageCommand({ QueueUrl: large, MessageBody: 'x'.repeat(1_048_577) }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('a batch over 1 MiB in all is refused, however large the queue allows each message', async () => {
    const client = sqs.client;
    const entries = Array.from({ length: 3 }, (_, i) => ({ Id: String(i), MessageBody: 'y'.repeat(400_000) }));
    await expect(client.send(new SendMessageBatchCommand({ QueueUrl: large, Entries: entries }))).rejects.toMatchObject({ name: 'BatchRequestTooLong' });
    await expect(client.send(new SendMessageBatchCommand({ QueueUrl: large, Entries: entries.slice(0, 2) }))).resolves.toBeDefined();
  });

  it('a delay over 15 minutes is refused', async () => {
    const client = sqs.client;
    await expect(client.send(new SendMessageCommand({ QueueUrl: large, MessageBody: '{}', DelaySeconds: 901 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('DynamoDB\'s item size', () => {
  it('an item over 400 KB is refused, as DynamoDB refuses it', async () => {
    const doc = documentClient(dynamo.client);
    const put = (bytes: number) => doc.send(new PutCommand({ TableName: 'deliveries', Item: { pk: 'X', sk: String(bytes), pad: 'p'.repeat(bytes) } }));
    await expect(put(400 * 1024)).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('Item size has exceeded the maximum allowed size') });
    await expect(put(390 * 1024)).resolves.toBeDefined();
  });

  it('sizes strings in UTF-8 bytes, as DynamoDB does (dynalite counts characters): 150,000 euro signs are 450 KB', async () => {
    const doc = documentClient(dynamo.client);
    const put = (chars: number) => doc.send(new PutCommand({ TableName: 'deliveries', Item: { pk: 'Y', sk: String(chars), pad: '€'.repeat(chars) } }));
    await expect(put(150_000)).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('Item size has exceeded the maximum allowed size') });
    await expect(put(130_000)).resolves.toBeDefined();
    const update = (chars: number) =>
      doc.send(new UpdateCommand({ TableName: 'deliveries', Key: { pk: 'Y', sk: '130000' }, UpdateExpression: 'SET more = :m', ExpressionAttributeValues: { ':m': ['€'.repeat(chars)] } }));
    await expect(update(10_000)).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('EventBridge Scheduler names', () => {
  it('at most 64 characters of [0-9a-zA-Z-_.]', () => {
    expect(schedulerNameViolation('dlv_01kbtest00a0123456789abcdef-a5')).toBeUndefined();
    expect(schedulerNameViolation('x'.repeat(64))).toBeUndefined();
    expect(schedulerNameViolation('x'.repeat(65))).toMatchObject({ name: 'ValidationException' });
    expect(schedulerNameViolation('a/b')).toMatchObject({ name: 'ValidationException' });
  });
});

describe('Lambda\'s response limit behind API Gateway', () => {
  it('a function answering more than 6 MB makes API Gateway answer 500 {"message":"Internal Server Error"}', async () => {
    const answer = (bytes: number): ApiLambda => async () => ({ statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'z'.repeat(bytes) });
    let size = 7 * 1024 * 1024;
    const handler: ApiLambda = (e, c) => answer(size)(e, c);
    const handlers = { docs: handler, platform: handler, 'account-webhooks': handler, 'admin-webhooks': handler } as Record<RouteGroup, ApiLambda>;
    const server = createLocalApiServer({ handlers, adminKey: 'a', platformCredentials: { accessKeyId: 'AKIA', secretAccessKey: 's' }, region: 'us-east-1', isReady: () => true });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.json`;
    try {
      const res = await fetch(url);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ message: 'Internal Server Error' });
      size = 5 * 1024 * 1024;
      expect((await fetch(url)).status).toBe(200);
    } finally {
      server.close();
    }
  });
});
