import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stackTemplate } from '../../local/iam/stack-template';
import { loadAuthorizer } from '../../local/iam/rehearsal';
import { guardClient } from '../../local/iam/sdk-guard';
import type { LocalRuntime } from '../../local/runtime';
import { logger } from '../../lambdas/shared/powertools';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/**
 * The local runtime checks every AWS call against the synthesized template's IAM, as AWS
 * would: a grant the template lacks is a refusal here, loudly, not a surprise after deploy.
 */
const KEY = 'hpk_iam_test_key_0123456789abcdef';
type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

let runtime: LocalRuntime | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await runtime?.stop();
  await receiver?.close();
  runtime = undefined;
  receiver = undefined;
});

/** The stack's template with the worker's UpdateItem on the configs table taken out (the first deploy audit's defect). */
const withoutHealthGrant = async (): Promise<Template> => {
  const template = structuredClone(await stackTemplate()) as Template;
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    // The worker's own statement on the configs table: UpdateItem (health) and DeleteItem (erasure); the delete stays.
    for (const s of r.Properties.PolicyDocument.Statement) if ([s.Action].flat().sort().join() === 'dynamodb:DeleteItem,dynamodb:UpdateItem') s.Action = 'dynamodb:DeleteItem';
  }
  return template;
};

/** A webhook whose receiver answers 410 Gone, and one event to it: the endpoint should be disabled. */
const goneEndpoint = async (rt: LocalRuntime, rx: Receiver) => {
  const { call } = apiClient(rt.url);
  rx.respondWith(() => ({ status: 410 }));
  const hook = await call('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${rx.url}/gone`, events: ['price.alert'] } });
  expect(hook.status).toBe(201);
  await call('POST', '/v1/events', { key: rt.adminKey, body: { tenant_id: 'acme', type: 'price.alert', data: {} } });
  await rx.waitFor((r) => r.path === '/gone');
  return { call, id: hook.body.id as string };
};

describe('IAM enforced by the local runtime', () => {
  it('a call the template does not grant is refused as AWS refuses it, and the refusal is an operational fault, not a WARN line', async () => {
    const errors = vi.spyOn(logger, 'error');
    receiver = await startReceiver();
    runtime = await startTestRuntime('iam-denied', { apiKeys: [{ tenantId: 'acme', key: KEY }], iam: { template: await withoutHealthGrant() } });
    const { call, id } = await goneEndpoint(runtime, receiver);
    const fault = await waitUntil(async () => errors.mock.calls.find(([message]) => message === 'could not update endpoint health'), 15_000, 'the health fault');
    expect(fault[1]).toMatchObject({
      fault: 'EndpointHealthUpdateFailed',
      error: expect.stringMatching(
        /^AccessDeniedException: User: arn:aws:sts::\d{12}:assumed-role\/hookpost-delivery-worker-role\/delivery-worker is not authorized to perform: dynamodb:UpdateItem on resource: arn:aws:dynamodb:us-east-1:\d{12}:table\/hookpost-configs because no identity-based policy allows/,
      ),
    });
    expect((await call('GET', `/api/v1/admin/webhooks/${id}`, { key: KEY })).body.status).toBe('active');
  });

  it('with the stack\'s own template the same 410 disables the endpoint; HOOKPOST_IAM=off (iam: false) turns the checks off', async () => {
    receiver = await startReceiver();
    runtime = await startTestRuntime('iam-granted', { apiKeys: [{ tenantId: 'acme', key: KEY }] });
    const granted = await goneEndpoint(runtime, receiver);
    await waitUntil(async () => ((await granted.call('GET', `/api/v1/admin/webhooks/${granted.id}`, { key: KEY })).body.status === 'disabled' ? true : undefined), 15_000, 'disabled');
    await runtime.stop();
    await receiver.close();

    receiver = await startReceiver();
    runtime = await startTestRuntime('iam-off', { apiKeys: [{ tenantId: 'acme', key: KEY }], iam: false });
    const off = await goneEndpoint(runtime, receiver);
    await waitUntil(async () => ((await off.call('GET', `/api/v1/admin/webhooks/${off.id}`, { key: KEY })).body.status === 'disabled' ? true : undefined), 15_000, 'disabled');
  });

  it('API Gateway may not invoke a function the template gives no permission for that route: 500 {"message":"Internal Server Error"}', async () => {
    const template = structuredClone(await stackTemplate()) as Template;
    for (const [id, r] of Object.entries(template.Resources)) {
      if (r.Type === 'AWS::Lambda::Permission' && JSON.stringify(r.Properties.SourceArn).includes('/*/*/openapi.json')) delete template.Resources[id];
    }
    runtime = await startTestRuntime('iam-invoke', { apiKeys: [{ tenantId: 'acme', key: KEY }], worker: false, iam: { template } });
    const res = await fetch(`${runtime.url}/openapi.json`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: 'Internal Server Error' });
    expect((await fetch(`${runtime.url}/dashboard`)).status).toBe(200);
  });

  it('an SDK client carrying a role is refused what the role may not do, before the request leaves', async () => {
    runtime = await startTestRuntime('iam-client', { apiKeys: [{ tenantId: 'acme', key: KEY }], worker: false });
    const iam = await loadAuthorizer({
      queueUrl: runtime.emulators.queueUrl,
      region: 'us-east-1',
      configTable: 'hookpost-configs',
      deliveriesTable: 'hookpost-deliveries',
      deliveryQueue: 'hookpost-delivery',
      deadLetterQueue: 'hookpost-delivery-dlq',
    });
    const sqs = guardClient(new SQSClient({ region: 'us-east-1', endpoint: runtime.emulators.sqs, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }), 'sqs', 'platform', iam);
    await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl: runtime.emulators.queueUrl }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('hookpost-platform-role/platform is not authorized to perform: sqs:ReceiveMessage on resource: arn:aws:sqs:us-east-1:'),
    });
  });
});
