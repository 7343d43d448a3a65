import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/** A content filter per endpoint: events of a subscribed type that do not match are neither delivered nor recorded. */
const KEY = 'hpk_filter_test_key_0123456789abcdef0';
let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];

beforeAll(async () => {
  receiver = await startReceiver();
  runtime = await startTestRuntime('filter', { apiKeys: [{ tenantId: 'acme', key: KEY }] });
  api = apiClient(runtime.url).call;
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

describe('endpoint filters', () => {
  it('delivers an event that matches and drops one that does not, recording only the first', async () => {
    const filter = { product: [{ prefix: 'sku-' }], price: [{ numeric: ['>', 100, '<=', 1000.5] }] };
    const hook = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/f`, events: ['price.alert'], filter } });
    expect(hook.status).toBe(201);
    expect(hook.body.filter).toEqual(filter);
    const publish = (data: unknown) => api('POST', '/v1/events', { key: runtime.adminKey, body: { tenant_id: 'acme', type: 'price.alert', data } });
    const miss = await publish({ product: 'sku-1', price: 50 });
    const hit = await publish({ product: 'sku-2', price: 150.25 });
    const [req] = await receiver.waitFor((r) => r.path === '/f');
    expect(JSON.parse(req!.body.toString()).id).toBe(hit.body.id);
    const history = await waitUntil(async () => {
      const page = (await api('GET', `/api/v1/admin/webhooks/${hook.body.id}/deliveries`, { key: KEY })).body;
      return page.data.length === 1 ? page : undefined;
    });
    expect(history.data.map((d: { event_id: string }) => d.event_id)).toEqual([hit.body.id]);
    expect(receiver.received.filter((r) => r.path === '/f').map((r) => JSON.parse(r.body.toString()).id)).not.toContain(miss.body.id);
    const cleared = await api('PATCH', `/api/v1/admin/webhooks/${hook.body.id}`, { key: KEY, body: { filter: null } });
    expect(Object.keys(cleared.body)).not.toContain('filter');
  });

  it('an invalid pattern is a 400 naming its path in the pattern, and nothing is written', async () => {
    const res = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/g`, events: ['price.alert'], filter: { price: [{ numeric: ['>'] }] } } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_error', message: expect.stringContaining('filter.price.0.numeric:') });
    const list = (await api('GET', '/api/v1/admin/webhooks', { key: KEY })).body.data.map((w: { url: string }) => w.url);
    expect(list).not.toContain(`${receiver.url}/g`);
  });
});
