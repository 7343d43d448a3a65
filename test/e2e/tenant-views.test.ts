import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/**
 * What a tenant reads across its webhooks (issue 17): an event found by its id with its
 * delivery to each webhook, the failed deliveries of every webhook in one list, and each
 * webhook's health over the last 24 hours.
 */
const KEY = 'hpk_views_test_key_0123456789abcdef000';
const OTHER = 'hpk_views_other_key_0123456789abcdef00';
let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];
const hooks: Record<'ok' | 'bad' | 'worse', string> = { ok: '', bad: '', worse: '' };

interface DeliveryBody {
  id: string;
  webhook_id: string;
  event_id: string;
  status: string;
  attempts: Array<{ status_code: number | null }>;
}

const publish = async (type: string, data: unknown, idempotencyKey?: string) =>
  (await api('POST', '/v1/events', { key: runtime.adminKey, body: { tenant_id: 'acme', type, data }, ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey } } : {}) })).body.id as string;

const settled = (webhookId: string, eventId: string, status: string) =>
  waitUntil(
    async () => {
      const page = (await api('GET', `/api/v1/admin/webhooks/${webhookId}/deliveries`, { key: KEY })).body;
      return page.data.find((d: DeliveryBody) => d.event_id === eventId && d.status === status);
    },
    30_000,
    `${eventId} ${status} at ${webhookId}`,
  );

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.respondWith((r) => (r.path === '/ok' ? { status: 200 } : { status: 500, body: 'down' }));
  runtime = await startTestRuntime('views', { apiKeys: [{ tenantId: 'acme', key: KEY }, { tenantId: 'globex', key: OTHER }] });
  api = apiClient(runtime.url).call;
  const create = async (path: string, events: string[]) =>
    (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}${path}`, events, retry_schedule: [1] } })).body.id as string;
  hooks.ok = await create('/ok', ['price.alert', 'subscription.created']);
  hooks.bad = await create('/bad', ['price.alert']);
  hooks.worse = await create('/worse', ['subscription.updated']);
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

describe('an event found by its id', () => {
  it('answers the event, its payload when kept, and its delivery to each webhook with their attempts', async () => {
    const id = await publish('price.alert', { product: 'sku-1', price: 12 });
    await settled(hooks.ok, id, 'succeeded');
    await settled(hooks.bad, id, 'failed');
    const res = await api('GET', `/api/v1/admin/events/${id}`, { key: KEY });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: 'event', id, type: 'price.alert', created_at: expect.any(String), data: { product: 'sku-1', price: 12 } });
    const byHook = new Map((res.body.deliveries as DeliveryBody[]).map((d) => [d.webhook_id, d]));
    expect([...byHook.keys()].sort()).toEqual([hooks.ok, hooks.bad].sort());
    expect(byHook.get(hooks.ok)).toMatchObject({ status: 'succeeded', event_id: id });
    expect(byHook.get(hooks.bad)).toMatchObject({ status: 'failed' });
    expect(byHook.get(hooks.bad)!.attempts.map((a) => a.status_code)).toEqual([500, 500]);
  });

  it('says when the payload was not kept (delivered at once, no idempotency key), and keeps a keyed one', async () => {
    const plain = await publish('subscription.created', { plan: 'pro' });
    await settled(hooks.ok, plain, 'succeeded');
    const res = await api('GET', `/api/v1/admin/events/${plain}`, { key: KEY });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: 'subscription.created', data: null });
    expect(res.body.deliveries.map((d: DeliveryBody) => d.webhook_id)).toEqual([hooks.ok]);
    const keyed = await publish('subscription.created', { plan: 'team' }, 'views-keyed-1');
    await settled(hooks.ok, keyed, 'succeeded');
    expect((await api('GET', `/api/v1/admin/events/${keyed}`, { key: KEY })).body).toMatchObject({ id: keyed, data: { plan: 'team' } });
  });

  it('finds a test event sent to one webhook', async () => {
    const sent = (await api('POST', `/api/v1/admin/webhooks/${hooks.ok}/test`, { key: KEY })).body;
    await settled(hooks.ok, sent.event_id, 'succeeded');
    const res = await api('GET', `/api/v1/admin/events/${sent.event_id}`, { key: KEY });
    expect(res.body).toMatchObject({ type: 'webhook.test', deliveries: [expect.objectContaining({ webhook_id: hooks.ok })] });
  });

  it('is a 404 for an unknown id, a malformed one, and another tenant\'s event', async () => {
    const id = await publish('price.alert', { product: 'sku-2', price: 1 });
    await settled(hooks.ok, id, 'succeeded');
    for (const [key, eventId] of [[KEY, 'evt_01jzzzzzzzzzzzzzzzzzzzzzzz'], [KEY, 'not-an-id'], [OTHER, id]] as const) {
      const res = await api('GET', `/api/v1/admin/events/${eventId}`, { key });
      expect(res.status, `${eventId}`).toBe(404);
      expect(res.body.error.code).toBe('event_not_found');
    }
  });
});

describe('failed deliveries across webhooks', () => {
  it('lists every webhook\'s failed deliveries newest first, a page at a time, and drops one once it succeeds', async () => {
    const first = await publish('subscription.updated', { n: 1 });
    const second = await publish('price.alert', { product: 'sku-3', price: 3 });
    await settled(hooks.worse, first, 'failed');
    await settled(hooks.bad, second, 'failed');
    const all = await waitUntil(async () => {
      const page = (await api('GET', '/api/v1/admin/failed-deliveries?limit=100', { key: KEY })).body;
      return page.data.some((d: DeliveryBody) => d.event_id === second) && page.data.some((d: DeliveryBody) => d.event_id === first) ? page : undefined;
    });
    expect(all.data.every((d: DeliveryBody) => d.status === 'failed')).toBe(true);
    expect(new Set(all.data.map((d: DeliveryBody) => d.webhook_id))).toEqual(new Set([hooks.bad, hooks.worse]));
    const ids = all.data.map((d: DeliveryBody) => d.id);
    expect(ids).toEqual([...ids].sort().reverse());
    // One at a time: the pages walk the same list.
    const walked: string[] = [];
    let after: string | null = null;
    do {
      const page: { data: DeliveryBody[]; has_more: boolean; next_starting_after: string | null } = (await api('GET', `/api/v1/admin/failed-deliveries?limit=1${after ? `&starting_after=${after}` : ''}`, { key: KEY })).body;
      walked.push(...page.data.map((d: DeliveryBody) => d.id));
      after = page.has_more ? page.next_starting_after : null;
    } while (after);
    expect(walked).toEqual(ids);
    // Another tenant sees none of them.
    expect((await api('GET', '/api/v1/admin/failed-deliveries', { key: OTHER })).body.data).toEqual([]);
    // A retried delivery that succeeds leaves the list.
    receiver.respondWith((r) => (r.path === '/ok' || r.path === '/worse' ? { status: 200 } : { status: 500 }));
    const failed = all.data.find((d: DeliveryBody) => d.event_id === first);
    expect((await api('POST', `/api/v1/admin/webhooks/${hooks.worse}/deliveries/${failed.id}/retry`, { key: KEY })).status).toBe(202);
    await settled(hooks.worse, first, 'succeeded');
    await waitUntil(async () => {
      const page = (await api('GET', '/api/v1/admin/failed-deliveries?limit=100', { key: KEY })).body;
      return page.data.some((d: DeliveryBody) => d.id === failed.id) ? undefined : true;
    });
  });

  it('leaves out a deleted webhook\'s failures, those recorded before its deletion and a retry it cancelled after', async () => {
    const failing = async (path: string, schedule: number[]) =>
      (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}${path}`, events: ['analysis.complete'], retry_schedule: schedule } })).body.id as string;
    const gone = await failing('/gone', [1]);
    const cancelled = await failing('/cancelled', [3]);
    const id = await publish('analysis.complete', { n: 'gone' });
    await settled(gone, id, 'failed');
    await settled(cancelled, id, 'retrying');
    const listed = () => api('GET', '/api/v1/admin/failed-deliveries?limit=100', { key: KEY }).then((r) => r.body.data as DeliveryBody[]);
    await waitUntil(async () => ((await listed()).some((d) => d.webhook_id === gone) ? true : undefined));
    for (const hook of [gone, cancelled]) expect((await api('DELETE', `/api/v1/admin/webhooks/${hook}`, { key: KEY })).status).toBe(204);
    expect((await listed()).map((d) => d.webhook_id)).not.toContain(gone);
    // The retry due after the deletion is cancelled (the delivery fails, as its operational event says): it is not listed either.
    await waitUntil(async () => (runtime.operationalEvents.some((e) => e['detail-type'] === 'delivery.failed' && (e.detail as { webhook_id?: string }).webhook_id === cancelled) ? true : undefined), 15_000, 'the cancelled retry');
    await new Promise((r) => setTimeout(r, 1100)); // past the index's rehearsed eventual consistency
    const rest = await listed();
    expect(rest.map((d) => d.webhook_id)).not.toContain(cancelled);
    expect(rest.map((d) => d.webhook_id)).not.toContain(gone);
    expect(rest.length).toBeGreaterThan(0); // the other webhooks' failures are still there
  });

  it('refuses a bad limit with a 400', async () => {
    const res = await api('GET', '/api/v1/admin/failed-deliveries?limit=0', { key: KEY });
    expect(res.status).toBe(400);
  });
});

describe('health over 24 hours', () => {
  it('answers the success rate of the finished deliveries and the last attempt', async () => {
    const ok = await waitUntil(async () => {
      const body = (await api('GET', `/api/v1/admin/webhooks/${hooks.ok}/health`, { key: KEY })).body;
      return body.succeeded >= 4 ? body : undefined;
    });
    expect(ok).toMatchObject({ object: 'webhook_health', webhook_id: hooks.ok, failed: 0, success_rate: 1, complete: true, last_attempt: { status_code: 200 } });
    expect(Date.parse(ok.since)).toBeGreaterThan(Date.now() - 24 * 3600_000 - 60_000);
    const bad = (await api('GET', `/api/v1/admin/webhooks/${hooks.bad}/health`, { key: KEY })).body;
    expect(bad).toMatchObject({ succeeded: 0, success_rate: 0, last_attempt: { status_code: 500 } });
    expect(bad.failed).toBeGreaterThanOrEqual(2);
    expect((await api('GET', `/api/v1/admin/webhooks/${hooks.ok}/health`, { key: OTHER })).status).toBe(404);
  });
});

describe('a stack that keeps every payload (keepEventPayloads)', () => {
  it('shows an event\'s data even when every webhook took it at the first attempt', async () => {
    const keeping = await startTestRuntime('views-keep', { apiKeys: [{ tenantId: 'acme', key: KEY }], keepEventPayloads: true });
    try {
      const call = apiClient(keeping.url).call;
      const hook = (await call('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/ok`, events: ['price.alert'] } })).body.id;
      const id = (await call('POST', '/v1/events', { key: keeping.adminKey, body: { tenant_id: 'acme', type: 'price.alert', data: { kept: true } } })).body.id;
      const found = await waitUntil(async () => {
        const res = await call('GET', `/api/v1/admin/events/${id}`, { key: KEY });
        return res.status === 200 && res.body.deliveries.length === 1 ? res.body : undefined;
      });
      expect(found).toMatchObject({ data: { kept: true }, deliveries: [{ webhook_id: hook, status: 'succeeded' }] });
    } finally {
      await keeping.stop();
    }
  });
});
