import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/**
 * The platform's operational events, put by the worker on the stack's bus (under the template's
 * IAM) and left alone by the ingest rule: what the platform's own EventBridge rules would get.
 */
const KEY = 'hpk_operational_events_key_0123456789';
let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];
let flakyUp = false;

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.respondWith((r) => (r.path === '/gone' ? { status: 410 } : r.path === '/flaky' && !flakyUp ? { status: 503 } : { status: 200 }));
  runtime = await startTestRuntime('operational-events', { apiKeys: [{ tenantId: 'acme', key: KEY }] });
  api = apiClient(runtime.url).call;
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

const create = async (path: string, type: string, extra: Record<string, unknown> = {}) =>
  (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}${path}`, events: [type], ...extra } })).body.id as string;
const publish = (type: string) => api('POST', '/v1/events', { key: runtime.adminKey, body: { tenant_id: 'acme', type, data: {} } });
const eventsOf = (webhookId: string) => runtime.operationalEvents.filter((e) => (e.detail as { webhook_id?: string }).webhook_id === webhookId);
const typesOf = (webhookId: string) => eventsOf(webhookId).map((e) => e['detail-type']);

describe('operational events on the stack bus', () => {
  it('a failing endpoint is webhook.failing, its exhausted delivery delivery.failed, and its next success webhook.recovered', async () => {
    const hook = await create('/flaky', 'price.alert', { retry_schedule: [1] });
    const { body } = await publish('price.alert');
    await waitUntil(async () => typesOf(hook).includes('delivery.failed') || undefined, 20_000);
    expect(typesOf(hook)).toEqual(['webhook.failing', 'delivery.failed']);
    const failed = eventsOf(hook)[1]!;
    expect(failed).toMatchObject({ source: 'hookpost.operations', 'detail-type': 'delivery.failed' });
    expect(failed.detail).toMatchObject({ tenant_id: 'acme', webhook_id: hook, event_id: body.id, event_type: 'price.alert', reason: 'retries_exhausted', attempts: 2, last_status_code: 503 });
    // The API shows the run of failures as the event told it.
    const failingSince = (eventsOf(hook)[0]!.detail as { failing_since: string }).failing_since;
    expect((await api('GET', `/api/v1/admin/webhooks/${hook}`, { key: KEY })).body.failing_since).toBe(failingSince);
    flakyUp = true;
    await publish('price.alert');
    await waitUntil(async () => typesOf(hook).includes('webhook.recovered') || undefined, 20_000);
    expect(typesOf(hook)).toEqual(['webhook.failing', 'delivery.failed', 'webhook.recovered']);
    expect(Object.keys((await api('GET', `/api/v1/admin/webhooks/${hook}`, { key: KEY })).body)).not.toContain('failing_since');
  });

  it('a 410 Gone is webhook.disabled; none of these reach a tenant\'s webhook through the ingest rule', async () => {
    const hook = await create('/gone', 'subscription.cancelled');
    await publish('subscription.cancelled');
    await waitUntil(async () => typesOf(hook).includes('webhook.disabled') || undefined, 20_000);
    expect(eventsOf(hook).find((e) => e['detail-type'] === 'webhook.disabled')!.detail).toMatchObject({ reason: 'The receiver answered 410 Gone', last_status_code: 410 });
    // Nothing on the bus was published as a tenant event: no delivery of an operational type exists.
    expect(receiver.received.filter((r) => ['delivery.failed', 'webhook.failing', 'webhook.recovered'].includes(String(r.headers['x-webhook-event'])))).toEqual([]);
  });
});
