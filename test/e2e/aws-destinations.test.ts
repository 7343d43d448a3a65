import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TENANT_ACCOUNT } from '../../local/aws-accounts';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { startTestRuntime } from '../support/service';

/**
 * AWS destinations end to end (issue 26), in process: webhooks created through the API into a
 * tenant's bus, queue and topic in a simulated account; the role made from the CloudFormation
 * hookpost answers; each delivery through the worker's role chain (its role → the destination
 * role → the tenant's role, with the external id, under a session policy); what arrives
 * verified with the Standard Webhooks library. And the failures a tenant makes: a wrong external
 * id, a role trusting another account, a role of the platform's own account, a role without
 * the external id, a denied target, a message too large.
 */
const KEY = 'hpk_destinations_test_key_0123456789ab';
/** A tenant of its own for the ordered webhook: a platform container remembers for a while that a tenant has no ordered endpoint. */
const ORDERED_KEY = 'hpk_destinations_ordered_key_0123456789';
const REGION = 'us-east-1';
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${LOCAL_TENANT_ACCOUNT}:${resource}`;
const QUEUE = arn('sqs', 'tenant-orders');
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${LOCAL_TENANT_ACCOUNT}/tenant-orders`;
const FIFO_QUEUE = arn('sqs', 'tenant-orders.fifo');
const BUS = arn('events', 'event-bus/orders');
const TOPIC = arn('sns', 'alerts');
const LOCKED_TOPIC = arn('sns', 'locked');

let runtime: LocalRuntime;
let api: ReturnType<typeof apiClient>['call'];
let sqs: SQSClient;

beforeAll(async () => {
  runtime = await startTestRuntime('destinations', {
    apiKeys: [
      { tenantId: 'acme', key: KEY },
      { tenantId: 'initech', key: ORDERED_KEY },
    ],
    retrySchedule: [1, 1, 1],
    destinations: {
      accounts: [
        {
          id: LOCAL_TENANT_ACCOUNT,
          buses: [{ arn: BUS }],
          topics: [{ arn: TOPIC }, { arn: LOCKED_TOPIC, resourcePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: LOCKED_TOPIC }] } }],
          queues: [{ arn: QUEUE }, { arn: FIFO_QUEUE }],
        },
      ],
    },
  });
  api = apiClient(runtime.url).call;
  sqs = new SQSClient({ endpoint: runtime.emulators.sqs, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}, 60_000);
afterAll(async () => {
  sqs?.destroy();
  await runtime?.stop();
});

/** "Deploys" a CloudFormation template in the tenant's simulated account; its RoleArn output. */
const deploy = async (template: unknown): Promise<string> => {
  const res = await fetch(`${runtime.aws!.endpoint}/_local/accounts/${LOCAL_TENANT_ACCOUNT}/stacks`, { method: 'POST', body: JSON.stringify(template) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { outputs: { RoleArn: string } }).outputs.RoleArn;
};

/** The role hookpost's trust route makes for a target, named so each test has its own. */
const roleFor = async (type: string, target: string, name: string, change?: (t: any) => void, key = KEY): Promise<string> => {
  const trust = await api('GET', `/api/v1/admin/destinations/trust?type=${type}&target=${encodeURIComponent(target)}`, { key });
  expect(trust.status).toBe(200);
  const template = structuredClone(trust.body.cloudformation);
  template.Resources.HookpostDeliveryRole.Properties.RoleName = name;
  change?.(template.Resources.HookpostDeliveryRole.Properties);
  return deploy(template);
};

const create = (body: Record<string, unknown>, key = KEY) => api('POST', '/api/v1/admin/webhooks', { key, body: { events: ['price.alert'], ...body } });
const publish = (data: unknown, tenant = 'acme') => api('POST', '/v1/events', { key: runtime.adminKey, body: { tenant_id: tenant, type: 'price.alert', data } });
const deliveriesOf = async (webhookId: string, key = KEY) => (await api('GET', `/api/v1/admin/webhooks/${webhookId}/deliveries`, { key })).body.data as any[];

const receive = async (queueUrl: string, count: number) => {
  const got: any[] = [];
  await waitUntil(async () => {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
    got.push(...(out.Messages ?? []));
    // A FIFO queue gives a group's next messages only once those before are deleted.
    for (const m of out.Messages ?? []) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    return got.length >= count ? true : undefined;
  }, 30_000, `${count} messages in ${queueUrl}`);
  return got;
};

const headersOf = (attributes: Record<string, { StringValue?: string }>) => Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, v.StringValue!]));

describe('the trust a tenant grants', () => {
  it("answers hookpost's principal, the tenant's external id, the trust policy and a CloudFormation template for the target", async () => {
    const trust = await api('GET', `/api/v1/admin/destinations/trust?type=sqs&target=${encodeURIComponent(QUEUE_URL)}`, { key: KEY });
    expect(trust.body.principal).toMatch(/^arn:aws:iam::\d{12}:role\/hookpost-destination-role$/);
    expect(trust.body.external_id).toMatch(/^hpx_[\w-]{43}$/);
    expect(trust.body.trust_policy.Statement[0].Condition).toEqual({ StringEquals: { 'sts:ExternalId': trust.body.external_id } });
    const policy = trust.body.cloudformation.Resources.HookpostDeliveryRole.Properties.Policies[0].PolicyDocument.Statement[0];
    expect(policy).toEqual({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: QUEUE });
    // Without a target: the trust alone; a target of the platform's own account: refused.
    expect((await api('GET', '/api/v1/admin/destinations/trust', { key: KEY })).body.cloudformation).toBeNull();
    const own = await api('GET', `/api/v1/admin/destinations/trust?type=sns&target=${encodeURIComponent(`arn:aws:sns:${REGION}:000000000000:x`)}`, { key: KEY });
    expect(own.status).toBe(400);
    expect(own.body.error.code).toBe('destination_not_allowed');
  });
});

describe('delivering into the tenant\'s account', () => {
  it('an SQS queue: the check passes, and each event arrives signed (message attributes) as the history records it', async () => {
    const role = await roleFor('sqs', QUEUE_URL, 'queue-writer');
    const hook = await create({ destination: { type: 'sqs', target: QUEUE_URL, role_arn: role } });
    expect(hook.status).toBe(201);
    expect(hook.body.url).toBe(QUEUE);
    expect(hook.body.destination).toMatchObject({ type: 'sqs', target: QUEUE, queue_url: QUEUE_URL, role_arn: role, fifo: false });
    const check = await api('POST', `/api/v1/admin/webhooks/${hook.body.id}/check`, { key: KEY });
    expect(check.body).toMatchObject({ ok: true, problem: null, message_id: expect.any(String) });

    const sent = await publish({ symbol: 'ACME', price: 42 });
    const messages = await receive(`${runtime.emulators.sqs}/000000000000/tenant-orders`, 2); // the check's test message, and the event
    const event = messages.find((m) => JSON.parse(m.Body).event === 'price.alert')!;
    const verified = new Webhook(hook.body.secret).verify(event.Body, headersOf(event.MessageAttributes));
    expect(verified).toMatchObject({ id: sent.body.id, event: 'price.alert', data: { symbol: 'ACME', price: 42 } });
    const [delivery] = await waitUntil(async () => {
      const list = await deliveriesOf(hook.body.id);
      return list.length === 1 && list[0].status === 'succeeded' ? list : undefined;
    });
    expect(delivery.attempts[0]).toMatchObject({ status_code: null, error: null, message_id: event.MessageId, aws_error: null });

    // The test action sends a webhook.test event through the pipeline, as to a URL.
    expect((await api('POST', `/api/v1/admin/webhooks/${hook.body.id}/test`, { key: KEY })).status).toBe(202);
    const [tested] = await receive(`${runtime.emulators.sqs}/000000000000/tenant-orders`, 1);
    expect(JSON.parse(tested.Body).event).toBe('webhook.test');
  });

  it('an EventBridge bus: detail-type the event type, source the stack\'s, the signed body beside its signature', async () => {
    const role = await roleFor('eventbridge', BUS, 'bus-writer');
    const hook = await create({ destination: { type: 'eventbridge', target: BUS, role_arn: role } });
    const sent = await publish({ symbol: 'BUS' });
    const entry = await waitUntil(async () => runtime.aws!.received.find((r) => r.target === BUS && r.detailType === 'price.alert'));
    expect(entry.source).toBe('hookpost');
    const detail = JSON.parse(entry.body);
    expect(new Webhook(hook.body.secret).verify(detail.body, detail)).toMatchObject({ id: sent.body.id, data: { symbol: 'BUS' } });
    const [delivery] = await waitUntil(async () => {
      const list = await deliveriesOf(hook.body.id);
      return list[0]?.status === 'succeeded' ? list : undefined;
    });
    expect(delivery.attempts[0].message_id).toBe(entry.id);
  });

  it('a FIFO queue behind an ordered webhook: the events in publish order, one message group per tenant, the delivery id as deduplication id', async () => {
    const role = await roleFor('sqs', FIFO_QUEUE, 'fifo-writer', undefined, ORDERED_KEY);
    const hook = await create({ destination: { type: 'sqs', target: FIFO_QUEUE, role_arn: role }, ordered: true }, ORDERED_KEY);
    expect(hook.body.destination.fifo).toBe(true);
    for (let seq = 0; seq < 12; seq++) expect((await publish({ seq }, 'initech')).status).toBe(202);
    const messages = await receive(`${runtime.emulators.sqs}/000000000000/tenant-orders.fifo`, 12);
    expect(messages.map((m) => JSON.parse(m.Body).data.seq)).toEqual([...Array(12).keys()]);
    const writes = runtime.aws!.received.filter((r) => r.target === FIFO_QUEUE);
    expect(new Set(writes.map((w) => w.groupId))).toEqual(new Set(['initech']));
    // The history is eventually consistent: the last second's deliveries may take a moment to be listed.
    const deliveries = await waitUntil(async () => {
      const list = await deliveriesOf(hook.body.id, ORDERED_KEY);
      return list.length === 12 ? list : undefined;
    });
    expect(new Set(writes.map((w) => w.deduplicationId))).toEqual(new Set(deliveries.map((d) => d.id)));
  });
});

describe('what a tenant gets wrong, said in plain words', () => {
  it('a role that requires another external id: the check says so, and each attempt fails with STS\'s refusal, retried', async () => {
    const role = await roleFor('sns', TOPIC, 'wrong-external-id', (p) => (p.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals['sts:ExternalId'] = 'hpx_someone-else'));
    const hook = await create({ destination: { type: 'sns', target: TOPIC, role_arn: role } });
    const check = await api('POST', `/api/v1/admin/webhooks/${hook.body.id}/check`, { key: KEY });
    expect(check.body).toMatchObject({ ok: false, problem: 'role_not_assumable', aws_error: { code: 'AccessDenied' } });
    expect(check.body.message).toContain('sts:ExternalId');
    await publish({ wrong: true });
    const [delivery] = await waitUntil(async () => {
      const list = await deliveriesOf(hook.body.id);
      // Every retry spent (1 s apart), so that only the manual retry below can succeed.
      return list[0]?.status === 'failed' ? list : undefined;
    });
    expect(delivery.attempts).toHaveLength(4);
    expect(delivery.attempts[0]).toMatchObject({ error: 'destination', status_code: null, aws_error: { code: 'AccessDenied' }, message_id: null });
    expect(delivery.attempts[0].aws_error.message).toContain('sts:AssumeRole');

    // The tenant fixes its role (the template hookpost answers, deployed again) and retries the delivery by hand: it gets through.
    await roleFor('sns', TOPIC, 'wrong-external-id');
    expect((await api('POST', `/api/v1/admin/webhooks/${hook.body.id}/check`, { key: KEY })).body.ok).toBe(true);
    const retry = await api('POST', `/api/v1/admin/webhooks/${hook.body.id}/deliveries/${delivery.id}/retry`, { key: KEY });
    expect(retry.status).toBe(202);
    const fixed = await waitUntil(async () => {
      const d = (await api('GET', `/api/v1/admin/webhooks/${hook.body.id}/deliveries/${delivery.id}`, { key: KEY })).body;
      return d.status === 'succeeded' ? d : undefined;
    });
    expect(fixed.attempts.at(-1)).toMatchObject({ trigger: 'manual', error: null, message_id: expect.any(String) });
    expect(runtime.aws!.received.some((r) => r.target === TOPIC && r.id === fixed.attempts.at(-1).message_id)).toBe(true);
  });

  it('a role that trusts another account, and one that lets hookpost in without the external id', async () => {
    const elsewhere = await roleFor('sns', TOPIC, 'trusts-elsewhere', (p) => (p.AssumeRolePolicyDocument.Statement[0].Principal.AWS = 'arn:aws:iam::999988887777:root'));
    const a = await create({ destination: { type: 'sns', target: TOPIC, role_arn: elsewhere } });
    expect((await api('POST', `/api/v1/admin/webhooks/${a.body.id}/check`, { key: KEY })).body.problem).toBe('role_not_assumable');
    const open = await roleFor('sns', TOPIC, 'no-external-id', (p) => delete p.AssumeRolePolicyDocument.Statement[0].Condition);
    const b = await create({ destination: { type: 'sns', target: TOPIC, role_arn: open } });
    const check = await api('POST', `/api/v1/admin/webhooks/${b.body.id}/check`, { key: KEY });
    expect(check.body).toMatchObject({ ok: false, problem: 'role_without_external_id' });
    expect(check.body.message).toContain('another customer of this platform');
  });

  it("a role or a target in the platform's own account is refused at creation", async () => {
    const ownRole = await create({ destination: { type: 'sns', target: TOPIC, role_arn: 'arn:aws:iam::000000000000:role/anything' } });
    expect(ownRole.status).toBe(400);
    expect(ownRole.body.error).toMatchObject({ code: 'destination_not_allowed', message: expect.stringContaining("platform's own account") });
    const both = await create({ url: 'https://example.com/x', destination: { type: 'sns', target: TOPIC, role_arn: 'arn:aws:iam::444455556666:role/x' } });
    expect(both.status).toBe(400);
    const badArn = await create({ destination: { type: 'sqs', target: 'arn:aws:sns:us-east-1:444455556666:x', role_arn: 'arn:aws:iam::444455556666:role/x' } });
    expect(badArn.status).toBe(400);
    expect(badArn.body.error.message).toContain('SQS queue URL or ARN');
  });

  it("a target whose own policy denies the write: the check names it, and the attempt records SNS's refusal", async () => {
    const role = await roleFor('sns', LOCKED_TOPIC, 'locked-writer');
    const hook = await create({ destination: { type: 'sns', target: LOCKED_TOPIC, role_arn: role } });
    const check = await api('POST', `/api/v1/admin/webhooks/${hook.body.id}/check`, { key: KEY });
    expect(check.body).toMatchObject({ ok: false, problem: 'target_refused', aws_error: { code: 'AuthorizationErrorException' } });
    await publish({ locked: true });
    const [delivery] = await waitUntil(async () => {
      const list = await deliveriesOf(hook.body.id);
      return list[0]?.attempts.length > 0 ? list : undefined;
    });
    expect(delivery.attempts[0]).toMatchObject({ error: 'destination', aws_error: { code: 'AuthorizationErrorException' } });
  });

  it('an event too large for EventBridge fails at once with its reason, never retried', async () => {
    const role = await roleFor('eventbridge', BUS, 'big-bus-writer');
    const hook = await create({ destination: { type: 'eventbridge', target: BUS, role_arn: role } });
    // 240 KB of data: within a publish's 256 KB, over EventBridge's 256 KB once the body is a JSON string in Detail.
    expect((await publish({ list: Array(60_000).fill('x') })).status).toBe(202);
    const [delivery] = await waitUntil(async () => {
      const list = await deliveriesOf(hook.body.id);
      return list[0]?.status === 'failed' ? list : undefined;
    });
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ error: 'too_large', aws_error: { code: 'too_large' } });
    expect(delivery.attempts[0].error_detail).toContain('262144');
  });

  it('a URL webhook stays one: PATCH cannot make it a destination, nor a destination a URL', async () => {
    const role = await roleFor('sqs', QUEUE_URL, 'patch-writer');
    const hook = await create({ destination: { type: 'sqs', target: QUEUE_URL, role_arn: role } });
    const toUrl = await api('PATCH', `/api/v1/admin/webhooks/${hook.body.id}`, { key: KEY, body: { url: 'https://example.com/x' } });
    expect(toUrl.status).toBe(400);
    const moved = await api('PATCH', `/api/v1/admin/webhooks/${hook.body.id}`, { key: KEY, body: { destination: { type: 'sqs', target: FIFO_QUEUE, role_arn: role } } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ url: FIFO_QUEUE, destination: { target: FIFO_QUEUE, fifo: true } });
  });
});
