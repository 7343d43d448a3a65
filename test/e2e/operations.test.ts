import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

const KEY = 'hpk_ops_test_key_0123456789abcdef';
let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];

beforeAll(async () => {
  receiver = await startReceiver();
  runtime = await startTestRuntime('ops', {
    apiKeys: [{ tenantId: 'acme', key: KEY }],
    retrySchedule: [1, 2, 3, 4, 5],
  });
  api = apiClient(runtime.url).call;
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

describe('EventBridge ingest through the local runtime', () => {
  const eventBridge = () =>
    new EventBridgeClient({ endpoint: runtime.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

  it('an event put on the hookpost bus is published and delivered like POST /v1/events', async () => {
    const hook = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/eb`, events: ['subscription.created'] } });
    const out = await eventBridge().send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'hookpost', Source: 'billing', DetailType: 'subscription.created', Detail: JSON.stringify({ tenant_id: 'acme', data: { plan: 'pro' } }) },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    const [req] = await receiver.waitFor((r) => r.path === '/eb');
    expect(JSON.parse(req!.body.toString())).toMatchObject({ event: 'subscription.created', data: { plan: 'pro' } });
    expect(req!.headers['x-webhook-event']).toBe('subscription.created');
    // Recorded once the receiver has answered, and the page is eventually consistent: wait for it.
    const history = await waitUntil(async () => {
      const res = await api('GET', `/api/v1/admin/webhooks/${hook.body.id}/deliveries`, { key: KEY });
      return res.body.data.length === 1 ? res : undefined;
    });
    expect(history.body).toMatchObject({ total: 1, has_more: false });
  });

  it('refuses, entry by entry, events that are not valid or for another bus', async () => {
    const out = await eventBridge().send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'hookpost', Source: 's', DetailType: 'nope.never', Detail: JSON.stringify({ tenant_id: 'acme', data: {} }) },
          { EventBusName: 'hookpost', Source: 's', DetailType: 'price.alert', Detail: JSON.stringify({ tenant_id: 'nobody', data: {} }) },
          { EventBusName: 'hookpost', Source: 's', DetailType: 'price.alert', Detail: JSON.stringify({ data: {} }) },
          { EventBusName: 'default', Source: 's', DetailType: 'price.alert', Detail: JSON.stringify({ tenant_id: 'acme', data: {} }) },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(4);
    expect(out.Entries!.map((e) => e.ErrorCode)).toEqual(['TargetInvocationFailed', 'TargetInvocationFailed', 'TargetInvocationFailed', 'ResourceNotFoundException']);
  });
});

describe('endpoint health through the local runtime', () => {
  it('a receiver answering 410 Gone is disabled with the reason in the API; PATCH re-enables it', async () => {
    receiver.respondWith((r) => (r.path === '/gone' ? { status: 410, body: 'gone' } : { status: 200, body: 'ok' }));
    const gone = (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/gone`, events: ['price.alert'] } })).body.id;
    const ops = (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/ops`, events: ['webhook.disabled'] } })).body.id;
    await api('POST', '/v1/events', { key: runtime.adminKey, body: { tenant_id: 'acme', type: 'price.alert', data: {} } });
    const disabled = await waitUntil(async () => {
      const w = (await api('GET', `/api/v1/admin/webhooks/${gone}`, { key: KEY })).body;
      return w.status === 'disabled' ? w : undefined;
    });
    expect(disabled.disabled_reason).toBe('The receiver answered 410 Gone');
    const [notice] = await receiver.waitFor((r) => r.path === '/ops');
    expect(JSON.parse(notice!.body.toString())).toMatchObject({ event: 'webhook.disabled', data: { webhook_id: gone, reason: 'The receiver answered 410 Gone' } });
    const enabled = await api('PATCH', `/api/v1/admin/webhooks/${gone}`, { key: KEY, body: { status: 'active' } });
    expect(enabled.body.status).toBe('active');
    expect(enabled.body.disabled_reason).toBeUndefined();
    await api('DELETE', `/api/v1/admin/webhooks/${ops}`, { key: KEY });
  });
});
