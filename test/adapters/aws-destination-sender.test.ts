import { createSecretBox } from '../../lambdas/shared/domain/secret-box';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsDestinationSender, type ClientFactory } from '../../lambdas/shared/adapters/aws-destination-sender';
import { checkDestination } from '../../lambdas/shared/domain/destination-check';
import { externalIdFor, parseDestination, trustPolicy } from '../../lambdas/shared/domain/destinations';
import { startSqs } from '../../local/emulators';
import { startStsServer } from '../support/sts-server';

/**
 * The destination sender: it assumes the tenant's role through the STS stand-in (the SDK's
 * STSClient over the wire), writes an SQS message to fauxqs (the SQS emulator), and SNS and
 * EventBridge writes, which have no emulator, to mocked clients whose request shapes are
 * asserted.
 */
const PLATFORM = '111122223333';
const TENANT = '444455556666';
const WORKER = `arn:aws:iam::${PLATFORM}:role/Hookpost-DeliveryWorkerRole`;
const ROLE = `arn:aws:iam::${TENANT}:role/hookpost-delivery`;
const OPEN_ROLE = `arn:aws:iam::${TENANT}:role/trusts-the-platform`;
const key = createSecretBox("k".repeat(32) + "5");
const ctx = { tenantId: 'acme', endpointId: 'wh_1', deliveryId: 'dlv_01m8zehsgwszekz5zqygb3j4cn', externalId: externalIdFor(key, 'acme') };
const message = { body: '{"id":"evt_1","event":"price.alert","timestamp":"2026-12-01T00:00:00Z","data":{"p":1}}', eventType: 'price.alert', webhookId: 'evt_1', webhookTimestamp: '1764547200', webhookSignature: 'v1,abc=' };

let sts: Awaited<ReturnType<typeof startStsServer>>;
let sqs: Awaited<ReturnType<typeof startSqs>>;
const assumed: string[] = [];

beforeAll(async () => {
  [sts, sqs] = await Promise.all([
    startStsServer({
      roles: [
        { arn: ROLE, trustPolicy: trustPolicy(WORKER, ctx.externalId), policies: [] },
        // Trusts the platform's whole account, with no external id: assumable by the worker for any tenant.
        { arn: OPEN_ROLE, trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PLATFORM}:root` }, Action: 'sts:AssumeRole' }] }, policies: [] },
      ],
      callerOf: (id) => (id === 'AKIAWORKER' ? { arn: WORKER, policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }] } : undefined),
    }),
    startSqs(),
  ]);
});
afterAll(async () => {
  await sts?.close();
  await sqs?.stop();
});

const sender = (clients: ClientFactory, now?: () => number) => {
  const client = sts.client('AKIAWORKER');
  client.middlewareStack.add((next) => async (args) => {
    assumed.push('AssumeRole');
    return next(args);
  }, { step: 'initialize', name: 'countAssumes' });
  return new AwsDestinationSender({ sts: client, clients, source: 'acme.platform', principalArn: WORKER, ...(now ? { now } : {}) });
};

const unused = (): never => {
  throw new Error('not this service');
};

describe('AwsDestinationSender', () => {
  it('writes to an SQS queue (fauxqs) with the signature as message attributes, through one session for a burst', async () => {
    await sqs.client.send(new CreateQueueCommand({ QueueName: 'orders' }));
    const destination = parseDestination({ type: 'sqs', target: `https://sqs.us-east-1.amazonaws.com/${TENANT}/orders`, role_arn: ROLE }, { platformAccount: PLATFORM });
    const seen: Array<{ accessKeyId: string }> = [];
    const clients: ClientFactory = {
      sqs: (region, credentials) => {
        seen.push({ accessKeyId: credentials.accessKeyId });
        return new SQSClient({ region, credentials, endpoint: sqs.endpoint });
      },
      sns: unused,
      eventBridge: unused,
    };
    assumed.length = 0;
    const s = sender(clients);
    const outcomes = await Promise.all([1, 2, 3].map(() => s.send(destination, message, ctx)));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(assumed).toEqual(['AssumeRole']);
    // Signed by the assumed session, not the worker's own credentials.
    expect(new Set(seen.map((c) => c.accessKeyId)).size).toBe(1);
    expect(seen[0]!.accessKeyId).toMatch(/^ASIA/);
    const got = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: `${sqs.endpoint}/000000000000/orders`, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
    expect(got.Messages?.[0]?.Body).toBe(message.body);
    expect(got.Messages?.[0]?.MessageAttributes).toEqual({
      'webhook-id': { DataType: 'String', StringValue: 'evt_1' },
      'webhook-timestamp': { DataType: 'String', StringValue: '1764547200' },
      'webhook-signature': { DataType: 'String', StringValue: 'v1,abc=' },
    });
  });

  it('renews the session five minutes before it lapses', async () => {
    let clock = Date.now();
    const destination = parseDestination({ type: 'sqs', target: `https://sqs.us-east-1.amazonaws.com/${TENANT}/orders`, role_arn: ROLE }, { platformAccount: PLATFORM });
    const clients: ClientFactory = { sqs: (region, credentials) => new SQSClient({ region, credentials, endpoint: sqs.endpoint }), sns: unused, eventBridge: unused };
    assumed.length = 0;
    const s = sender(clients, () => clock);
    await s.send(destination, message, ctx);
    clock += 9 * 60_000;
    await s.send(destination, message, ctx);
    expect(assumed).toHaveLength(1);
    clock += 2 * 60_000; // 11 minutes into a 15-minute session: inside the last five
    await s.send(destination, message, ctx);
    expect(assumed).toHaveLength(2);
  });

  it("publishes to an SNS FIFO topic with the tenant's message group and the delivery id as deduplication id", async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const destination = parseDestination({ type: 'sns', target: `arn:aws:sns:us-east-1:${TENANT}:alerts.fifo`, role_arn: ROLE }, { platformAccount: PLATFORM });
    const outcome = await sender({ sqs: unused, sns: (region, credentials) => new SNSClient({ region, credentials }), eventBridge: unused }).send(destination, message, ctx);
    expect(outcome).toEqual({ ok: true, messageId: 'm-1' });
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input).toEqual({
      TopicArn: destination.arn,
      Message: message.body,
      MessageAttributes: expect.objectContaining({ 'webhook-signature': { DataType: 'String', StringValue: 'v1,abc=' } }),
      MessageGroupId: 'acme',
      MessageDeduplicationId: ctx.deliveryId,
    });
    sns.restore();
  });

  it('puts one EventBridge event (detail-type, source, the signed body as a string beside its signature); a partial refusal is a failure', async () => {
    const events = mockClient(EventBridgeClient);
    events.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] }).resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    const destination = parseDestination({ type: 'eventbridge', target: `arn:aws:events:us-east-1:${TENANT}:event-bus/orders`, role_arn: ROLE }, { platformAccount: PLATFORM });
    const s = sender({ sqs: unused, sns: unused, eventBridge: (region, credentials) => new EventBridgeClient({ region, credentials }) });
    expect(await s.send(destination, message, ctx)).toEqual({ ok: true, messageId: 'e-1' });
    const [entry] = events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(entry).toMatchObject({ EventBusName: destination.arn, Source: 'acme.platform', DetailType: 'price.alert' });
    expect(JSON.parse(entry!.Detail!)).toEqual({ body: message.body, 'webhook-id': 'evt_1', 'webhook-timestamp': '1764547200', 'webhook-signature': 'v1,abc=' });
    expect(await s.send(destination, message, ctx)).toEqual({ ok: false, code: 'InternalFailure', message: 'try again', retryable: true });
    events.restore();
  });

  it('fails at once, not to be retried, what the service would refuse as too large; a refused AssumeRole is a failure with STS\'s words', async () => {
    const destination = parseDestination({ type: 'eventbridge', target: `arn:aws:events:us-east-1:${TENANT}:event-bus/orders`, role_arn: ROLE }, { platformAccount: PLATFORM });
    const s = sender({ sqs: unused, sns: unused, eventBridge: unused });
    const big = { ...message, body: JSON.stringify({ data: 'x'.repeat(262_144) }) };
    expect(await s.send(destination, big, ctx)).toMatchObject({ ok: false, code: 'too_large', retryable: false });
    const wrong = await s.send(destination, message, { ...ctx, externalId: externalIdFor(key, 'globex') });
    expect(wrong).toMatchObject({ ok: false, code: 'AccessDenied', retryable: true, message: expect.stringContaining('is not authorized to perform: sts:AssumeRole') });
  });
});

describe('checking a destination ("test")', () => {
  const bus = (role: string) => parseDestination({ type: 'eventbridge', target: `arn:aws:events:us-east-1:${TENANT}:event-bus/orders`, role_arn: role }, { platformAccount: PLATFORM });
  const check = (role: string, sendTest: () => Promise<{ ok: true; messageId: string } | { ok: false; code: string; message: string }>, externalId = ctx.externalId) => {
    const s = sender({ sqs: unused, sns: unused, eventBridge: unused });
    const d = bus(role);
    return checkDestination({ tryAssume: (id) => s.tryAssume(d, ctx, id), sendTest }, d, { externalId, deliveryRoleArn: WORKER });
  };

  it('passes a role that requires the external id and a target that takes the test message', async () => {
    expect(await check(ROLE, async () => ({ ok: true, messageId: 'e-1' }))).toEqual({ ok: true, messageId: 'e-1' });
  });

  it('refuses a role that lets hookpost in without the external id (another tenant could name it)', async () => {
    const result = await check(OPEN_ROLE, async () => ({ ok: true, messageId: 'e-1' }));
    expect(result).toMatchObject({ ok: false, problem: 'role_without_external_id', message: expect.stringContaining(`"sts:ExternalId": "${ctx.externalId}"`) });
  });

  it("says what is wrong: the trust (with STS's answer), the target's policy, its KMS key, a target that does not exist", async () => {
    expect(await check(ROLE, async () => ({ ok: true, messageId: 'x' }), externalIdFor(key, 'globex'))).toMatchObject({ ok: false, problem: 'role_not_assumable', aws: { code: 'AccessDenied' } });
    expect(await check(ROLE, async () => ({ ok: false, code: 'AccessDeniedException', message: 'not authorized to perform: events:PutEvents' }))).toMatchObject({
      problem: 'target_refused',
      message: expect.stringContaining('refused events:PutEvents'),
    });
    expect(await check(ROLE, async () => ({ ok: false, code: 'KMS.AccessDeniedException', message: 'denied' }))).toMatchObject({ problem: 'kms_key_refused' });
    expect(await check(ROLE, async () => ({ ok: false, code: 'ResourceNotFoundException', message: 'Event bus orders does not exist.' }))).toMatchObject({ problem: 'target_not_found' });
  });
});
