import { createSecretBox } from '../../lambdas/shared/domain/secret-box';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsDestinationSender, type ClientFactory } from '../../lambdas/shared/adapters/aws-destination-sender';
import { externalIdFor, parseDestination, trustPolicy } from '../../lambdas/shared/domain/destinations';
import { createDestinationTargets, type DestinationTargets } from '../../local/destination-targets';
import { startSqs } from '../../local/emulators';
import { createStsStandIn } from '../../local/sts';

/**
 * Tenants' targets in a second simulated account: the sender writes to an EventBridge bus and
 * an SNS topic (our stand-ins, over their wire protocols) and to an SQS queue on fauxqs
 * (authorized by the stand-in before it leaves), each as the assumed role's session, and is
 * refused what AWS refuses.
 */
const PLATFORM = '111122223333';
const TENANT = '444455556666';
const WORKER = `arn:aws:iam::${PLATFORM}:role/Hookpost-DeliveryWorkerRole`;
const ROLE = `arn:aws:iam::${TENANT}:role/hookpost-delivery`;
const NARROW_ROLE = `arn:aws:iam::${TENANT}:role/only-sqs`;
const BUS = `arn:aws:events:us-east-1:${TENANT}:event-bus/orders`;
const TOPIC = `arn:aws:sns:us-east-1:${TENANT}:alerts.fifo`;
const LOCKED_TOPIC = `arn:aws:sns:us-east-1:${TENANT}:locked`;
const QUEUE = `arn:aws:sqs:us-east-1:${TENANT}:tenant-orders`;
const key = createSecretBox("k".repeat(32) + "9");
const externalId = externalIdFor(key, 'acme');
const ctx = { tenantId: 'acme', endpointId: 'wh_1', deliveryId: 'dlv_01m8zehsgwszekz5zqygb3j4cn', externalId };
const message = { body: '{"id":"evt_1","event":"price.alert","data":{}}', eventType: 'price.alert', webhookId: 'evt_1', webhookTimestamp: '1764547200', webhookSignature: 'v1,abc=' };
const allow = (action: string, resource: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });

let server: Server;
let endpoint: string;
let targets: DestinationTargets;
let sqs: Awaited<ReturnType<typeof startSqs>>;
let sender: AwsDestinationSender;

beforeAll(async () => {
  const roles = [
    { arn: ROLE, trustPolicy: trustPolicy(WORKER, externalId), policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['events:PutEvents', 'sns:Publish', 'sqs:SendMessage'], Resource: '*' }] }] },
    { arn: NARROW_ROLE, trustPolicy: trustPolicy(WORKER, externalId), policies: [allow('sqs:SendMessage', QUEUE)] },
  ];
  const sts = createStsStandIn({ roles, callerOf: (id) => (id === 'AKIAWORKER' ? { arn: WORKER, policies: [allow('sts:AssumeRole', '*')] } : undefined) });
  targets = createDestinationTargets({
    sts,
    buses: [{ arn: BUS }],
    topics: [
      { arn: TOPIC },
      { arn: LOCKED_TOPIC, resourcePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: LOCKED_TOPIC }] } },
    ],
    queues: [{ arn: QUEUE }],
  });
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const accessKeyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!(await sts.handle(res, body, accessKeyId)) && !(await targets.handle(req, res, body, accessKeyId))) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sqs = await startSqs();
  await sqs.client.send(new CreateQueueCommand({ QueueName: 'tenant-orders' }));
  const guardedSqs = (region: string, credentials: { accessKeyId: string; secretAccessKey: string }) => {
    const client = new SQSClient({ region, credentials, endpoint: sqs.endpoint });
    // fauxqs checks no IAM: the write is authorized as SQS would before it leaves.
    client.middlewareStack.add((next) => async (args) => {
      await targets.authorizeSqsSend(credentials.accessKeyId, QUEUE);
      return next(args);
    }, { step: 'initialize', name: 'tenantQueueIam' });
    return client;
  };
  const clients: ClientFactory = {
    sqs: guardedSqs,
    sns: (region, credentials) => new SNSClient({ region, credentials, endpoint }),
    eventBridge: (region, credentials) => new EventBridgeClient({ region, credentials, endpoint }),
  };
  sender = new AwsDestinationSender({ sts: new STSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIAWORKER', secretAccessKey: 'x' } }), clients, source: 'acme.platform', principalArn: WORKER });
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await sqs?.stop();
});

const destination = (type: 'eventbridge' | 'sns' | 'sqs', target: string, role = ROLE) => parseDestination({ type, target, role_arn: role }, { platformAccount: PLATFORM });

describe('tenant targets in a second account', () => {
  it('take a delivery on each: the bus, the FIFO topic (its group and deduplication id), the queue on fauxqs', async () => {
    expect(await sender.send(destination('eventbridge', BUS), message, ctx)).toMatchObject({ ok: true });
    expect(await sender.send(destination('sns', TOPIC), message, ctx)).toMatchObject({ ok: true });
    expect(await sender.send(destination('sqs', `https://sqs.us-east-1.amazonaws.com/${TENANT}/tenant-orders`), message, ctx)).toMatchObject({ ok: true });
    expect(targets.received.find((r) => r.target === BUS)).toMatchObject({ detailType: 'price.alert', source: 'acme.platform', body: expect.stringContaining('"webhook-signature":"v1,abc="') });
    expect(targets.received.find((r) => r.target === TOPIC)).toMatchObject({ body: message.body, attributes: { 'webhook-id': 'evt_1', 'webhook-timestamp': '1764547200', 'webhook-signature': 'v1,abc=' }, groupId: 'acme', deduplicationId: ctx.deliveryId });
    const got = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: `${sqs.endpoint}/000000000000/tenant-orders`, WaitTimeSeconds: 1 }));
    expect(got.Messages?.[0]?.Body).toBe(message.body);
  });

  it("refuse what AWS refuses: a role whose policy lacks the action, the target's own deny, an unknown target", async () => {
    expect(await sender.send(destination('sns', TOPIC, NARROW_ROLE), message, ctx)).toMatchObject({ ok: false, code: 'AuthorizationErrorException', message: expect.stringContaining('is not authorized to perform: sns:Publish') });
    expect(await sender.send(destination('eventbridge', BUS, NARROW_ROLE), message, ctx)).toMatchObject({ ok: false, code: 'AccessDeniedException' });
    expect(await sender.send(destination('sns', LOCKED_TOPIC), message, ctx)).toMatchObject({ ok: false, code: 'AuthorizationErrorException' });
    expect(await sender.send(destination('sns', `arn:aws:sns:us-east-1:${TENANT}:nope`), message, ctx)).toMatchObject({ ok: false, code: 'NotFoundException' });
    expect(await sender.send(destination('eventbridge', `arn:aws:events:us-east-1:${TENANT}:event-bus/nope`), message, ctx)).toMatchObject({ ok: false, code: 'ResourceNotFoundException' });
  });

  it('refuse a publish without a session, a FIFO publish without a group, and a message over the limit', async () => {
    const sns = (accessKeyId: string, secretAccessKey = 'x', sessionToken?: string) => new SNSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } });
    await expect(sns('AKIANOBODY').send(new PublishCommand({ TopicArn: TOPIC, Message: 'x' }))).rejects.toMatchObject({ name: 'ExpiredTokenException' });
    const sts = new STSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIAWORKER', secretAccessKey: 'x' } });
    const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'probe', ExternalId: externalId }));
    const client = sns(c!.AccessKeyId!, c!.SecretAccessKey!, c!.SessionToken!);
    await expect(client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'x' }))).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('MessageGroupId') });
    await expect(client.send(new PublishCommand({ TopicArn: LOCKED_TOPIC.replace('locked', 'alerts.fifo'), Message: 'x'.repeat(262_145), MessageGroupId: 'g' }))).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('too long') });
    const events = new EventBridgeClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! } });
    await expect(events.send(new PutEventsCommand({ Entries: [{ EventBusName: BUS, Source: 's', DetailType: 'd', Detail: JSON.stringify({ x: 'y'.repeat(262_144) }) }] }))).rejects.toMatchObject({ name: 'ValidationException' });
  });
});
