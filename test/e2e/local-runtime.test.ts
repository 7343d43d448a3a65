import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_TYPES } from '../../lambdas/shared/domain/catalogue';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { runPython } from '../support/python';
import { type Receiver, startReceiver } from '../support/receiver';

const require = createRequire(import.meta.url);
const { verifyWebhook: seed003NodeVerify } = require('../fixtures/seed-003-verify.cjs') as {
  verifyWebhook: (payload: Buffer, signature: string, secret: string) => boolean;
};

const ACME = 'hpk_acme_test_key_0123456789abcdef';
const GLOBEX = 'hpk_globex_test_key_0123456789abcdef';
const ADMIN = 'hpadmin_test_key_0123456789';

let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];
let dataDir: string;

const start = (dir: string) =>
  startLocalRuntime({
    dataDir: dir,
    apiKeys: [
      { tenantId: 'acme', key: ACME },
      { tenantId: 'globex', key: GLOBEX },
    ],
    adminKey: ADMIN,
  });

beforeAll(async () => {
  receiver = await startReceiver();
  dataDir = mkdtempSync(join(tmpdir(), 'hookpost-e2e-'));
  runtime = await start(dataDir);
  api = apiClient(runtime.url).call;
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

const publish = (type: string, data: unknown, headers: Record<string, string> = {}, tenant = 'acme') =>
  api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: tenant, type, data }, headers });

/** Data where JavaScript and Python serialise differently. */
const TRICKY = { job_id: 123, document_id: 456, company_url: 'https://example.com', score: 1e-5, tiny: 1.5e-7, big: 1e21, name: 'Zoë Ω 日本 🚀', nested: { list: [0.1, null, true, { 'é': 'x', a: '\u007f' }] } };

describe('seed 000: the account webhook, as documented', () => {
  let secret: string;

  it('POST /v1/webhooks/register answers the documented shape with the secret', async () => {
    const res = await api('POST', '/v1/webhooks/register', {
      key: ACME,
      body: { url: `${receiver.url}/account`, event_types: ['research.completed', 'bulk.completed'] },
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['active', 'event_types', 'object', 'secret', 'url']);
    expect(res.body).toMatchObject({ object: 'webhook', url: `${receiver.url}/account`, active: true, event_types: ['research.completed', 'bulk.completed'] });
    expect(res.body.secret).toMatch(/^[0-9a-f]{64}$/);
    secret = res.body.secret;
  });

  it('GET /v1/webhooks answers the same without the secret', async () => {
    const res = await api('GET', '/v1/webhooks', { key: ACME });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ object: 'webhook', url: `${receiver.url}/account`, active: true, event_types: ['research.completed', 'bulk.completed'] });
  });

  it('registering again updates url and event types and keeps the secret', async () => {
    const res = await api('POST', '/v1/webhooks/register', { key: ACME, body: { url: `${receiver.url}/account`, event_types: null } });
    expect(res.body).toMatchObject({ event_types: null, secret });
  });

  it('delivers the envelope signed so that the seed Python sample and standardwebhooks accept it', async () => {
    const pub = await publish('research.completed', TRICKY);
    expect(pub.status).toBe(202);
    expect(pub.body.id).toMatch(/^evt_/);
    const [req] = await receiver.waitFor((r) => r.path === '/account' && r.headers['webhook-id'] === pub.body.id);
    const envelope = JSON.parse(req!.body.toString('utf8'));
    expect(envelope).toEqual({ id: pub.body.id, type: 'research.completed', created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), data: TRICKY });
    expect(req!.headers['content-type']).toBe('application/json');
    const sig = req!.headers['x-auggie-signature'] as string;
    expect(runPython([{ scheme: '000', body: req!.body, signature: sig, secret }])).toEqual([true]);
    expect(new Webhook(secret).verify(req!.body.toString('utf8'), req!.headers as Record<string, string>)).toEqual(envelope);
  });

  it('DELETE /v1/webhooks answers 204, then GET answers 404', async () => {
    expect((await api('DELETE', '/v1/webhooks', { key: ACME })).status).toBe(204);
    const res = await api('GET', '/v1/webhooks', { key: ACME });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found' });
    expect((await api('DELETE', '/v1/webhooks', { key: ACME })).status).toBe(404);
  });
});

describe('seed 003: admin webhooks, as documented', () => {
  let id: string;
  const secret = 'whsec_your_signing_secret';

  it('POST creates (201) with the documented shape, with X-Org-ID', async () => {
    const res = await api('POST', '/api/v1/admin/webhooks', {
      key: ACME,
      headers: { 'X-Org-ID': 'acme' },
      body: { url: `${receiver.url}/webhooks/curate-me`, events: ['analysis.complete', 'price.alert'], secret },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^wh_/), url: `${receiver.url}/webhooks/curate-me`, events: ['analysis.complete', 'price.alert'], status: 'active', created_at: expect.any(String) });
    expect(res.body.secret).toBeUndefined();
    id = res.body.id;
  });

  it('generates a whsec_ secret when none is given, returned once', async () => {
    const res = await api('POST', '/api/v1/admin/webhooks', { key: ACME, body: { url: `${receiver.url}/generated`, events: ['price.alert'] } });
    expect(res.status).toBe(201);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const again = await api('GET', `/api/v1/admin/webhooks/${res.body.id}`, { key: ACME });
    expect(again.body.secret).toBeUndefined();
    expect((await api('DELETE', `/api/v1/admin/webhooks/${res.body.id}`, { key: ACME })).status).toBe(204);
  });

  it('GET lists the tenant\'s webhooks, the account webhook among them', async () => {
    await api('POST', '/v1/webhooks/register', { key: ACME, body: { url: `${receiver.url}/account2`, event_types: ['list.analyzed'] } });
    const res = await api('GET', '/api/v1/admin/webhooks', { key: ACME });
    expect(res.status).toBe(200);
    expect(res.body.object).toBe('list');
    expect(res.body.data.map((w: { url: string }) => w.url).sort()).toEqual([`${receiver.url}/account2`, `${receiver.url}/webhooks/curate-me`]);
    expect(JSON.stringify(res.body)).not.toContain('secret');
  });

  it('delivers with X-Webhook-* headers verifiable by both seed samples, and standard webhook headers', async () => {
    const data = { analysis_id: 'pipe_abc123', status: 'completed', total_cost: 0.0142, total_latency_ms: 4500, note: 'naïve ✓' };
    const pub = await publish('analysis.complete', data);
    const [req] = await receiver.waitFor((r) => r.path === '/webhooks/curate-me' && r.headers['webhook-id'] === pub.body.id);
    const body = JSON.parse(req!.body.toString('utf8'));
    expect(body).toEqual({ id: pub.body.id, event: 'analysis.complete', timestamp: expect.any(String), data });
    expect(req!.headers['x-webhook-event']).toBe('analysis.complete');
    expect(req!.headers['x-webhook-timestamp']).toBe(String(Date.parse(body.timestamp) / 1000));
    const sig = req!.headers['x-webhook-signature'] as string;
    expect(runPython([{ scheme: '003', body: req!.body, signature: sig, secret }])).toEqual([true]);
    expect(seed003NodeVerify(req!.body, sig, secret)).toBe(true);
    expect(new Webhook(secret, { format: 'raw' }).verify(req!.body.toString('utf8'), req!.headers as Record<string, string>)).toEqual(body);
  });

  it('delivery history answers the list shape, newest first, with each attempt', async () => {
    await publish('price.alert', { product: 'p1', price: 9.99 });
    await receiver.waitFor((r) => r.path === '/webhooks/curate-me', 2);
    const history = await waitUntil(async () => {
      const res = await api('GET', `/api/v1/admin/webhooks/${id}/deliveries?offset=0&limit=20`, { key: ACME });
      return res.body.total === 2 && res.body.data.length === 2 ? res : undefined;
    });
    expect(history.status).toBe(200);
    expect(history.body).toMatchObject({ object: 'list', offset: 0, limit: 20, total: 2 });
    const [newest, older] = history.body.data;
    expect(newest).toMatchObject({ event_type: 'price.alert', status: 'succeeded', status_code: 200, retry_count: 0, next_attempt_at: null });
    expect(older.event_type).toBe('analysis.complete');
    expect(newest.id).toMatch(/^dlv_/);
    expect(newest.event_id).toMatch(/^evt_/);
    expect(newest.response_time_ms).toEqual(expect.any(Number));
    expect(newest.attempts).toEqual([
      { number: 1, attempted_at: expect.any(String), status_code: 200, response_time_ms: expect.any(Number), error: null, response_body: '{"status":"ok"}', trigger: 'automatic', error_detail: null, retry_after_seconds: null, message_id: null, aws_error: null, token_endpoint: null, token_refresh: null },
    ]);
    const page = await api('GET', `/api/v1/admin/webhooks/${id}/deliveries?offset=1&limit=1`, { key: ACME });
    expect(page.body).toMatchObject({ offset: 1, limit: 1, total: 2 });
    expect(page.body.data.map((d: { id: string }) => d.id)).toEqual([older.id]);
    const one = await api('GET', `/api/v1/admin/webhooks/${id}/deliveries/${older.id}`, { key: ACME });
    expect(one.body).toEqual(older);
    // More than a page: has_more, no total (counting would read the whole history), and a cursor.
    const first = await api('GET', `/api/v1/admin/webhooks/${id}/deliveries?limit=1`, { key: ACME });
    expect(first.body).toMatchObject({ total: null, has_more: true, next_starting_after: newest.id });
    const second = await api('GET', `/api/v1/admin/webhooks/${id}/deliveries?limit=1&starting_after=${first.body.next_starting_after}`, { key: ACME });
    expect(second.body).toMatchObject({ total: null, has_more: false, next_starting_after: null });
    expect(second.body.data.map((d: { id: string }) => d.id)).toEqual([older.id]);
  });

  it('bounds history offsets with a clear 400 that names the way to walk further', async () => {
    const deep = await api('GET', `/api/v1/admin/webhooks/${id}/deliveries?offset=1001`, { key: ACME });
    expect(deep.status).toBe(400);
    expect(deep.body.error).toEqual({ code: 'offset_too_large', message: expect.stringContaining('starting_after') });
    expect((await api('GET', `/api/v1/admin/webhooks/${id}/deliveries?offset=1000`, { key: ACME })).status).toBe(200);
    const both = await api('GET', `/api/v1/admin/webhooks/${id}/deliveries?offset=5&starting_after=dlv_01j00000000000000000000000`, { key: ACME });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/offset and starting_after/);
    const bad = await api('GET', `/api/v1/admin/webhooks/${id}/deliveries?starting_after=evt_1`, { key: ACME });
    expect(bad.status).toBe(400);
  });

  it('PATCH updates url, events and status; a disabled webhook receives nothing', async () => {
    const res = await api('PATCH', `/api/v1/admin/webhooks/${id}`, {
      key: ACME,
      body: { events: ['analysis.complete', 'price.alert', 'subscription.created'], url: `${receiver.url}/webhooks/v2/curate-me` },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ url: `${receiver.url}/webhooks/v2/curate-me`, events: ['analysis.complete', 'price.alert', 'subscription.created'] });
    expect((await api('PATCH', `/api/v1/admin/webhooks/${id}`, { key: ACME, body: { status: 'disabled' } })).body.status).toBe('disabled');
    const pub = await publish('subscription.created', { plan: 'pro' });
    const control = await api('POST', '/api/v1/admin/webhooks', { key: ACME, body: { url: `${receiver.url}/control`, events: ['subscription.created'] } });
    const pub2 = await publish('subscription.created', { plan: 'pro' });
    await receiver.waitFor((r) => r.path === '/control' && r.headers['webhook-id'] === pub2.body.id);
    expect(receiver.received.filter((r) => r.headers['webhook-id'] === pub.body.id || r.path.includes('v2'))).toEqual([]);
    await api('PATCH', `/api/v1/admin/webhooks/${id}`, { key: ACME, body: { status: 'active' } });
    await api('DELETE', `/api/v1/admin/webhooks/${control.body.id}`, { key: ACME });
  });

  it('a receiver that fails leaves the delivery retrying, with the attempt recorded', async () => {
    receiver.respondWith((r) => (r.path === '/failing' ? { status: 500, body: 'boom '.repeat(400) } : { status: 200, body: '{"status":"ok"}' }));
    const ep = await api('POST', '/api/v1/admin/webhooks', { key: ACME, body: { url: `${receiver.url}/failing`, events: ['bulk.failed'] } });
    await publish('bulk.failed', { job: 1 });
    const delivery = await waitUntil(async () => (await api('GET', `/api/v1/admin/webhooks/${ep.body.id}/deliveries`, { key: ACME })).body.data[0]);
    expect(delivery).toMatchObject({ status: 'retrying', status_code: 500, retry_count: 0 });
    expect(Date.parse(delivery.next_attempt_at) - Date.parse(delivery.attempts[0].attempted_at)).toBe(60_000);
    expect(delivery.attempts[0]).toMatchObject({ error: 'http_status', status_code: 500 });
    expect(Buffer.byteLength(delivery.attempts[0].response_body)).toBe(1024);
  });
});

describe('publishing', () => {
  it('an Idempotency-Key replay answers the same id and delivers once', async () => {
    const ep = await api('POST', '/api/v1/admin/webhooks', { key: GLOBEX, body: { url: `${receiver.url}/idem`, events: ['price.alert'] } });
    const first = await publish('price.alert', { n: 1 }, { 'Idempotency-Key': 'order-1' }, 'globex');
    const second = await publish('price.alert', { n: 1 }, { 'Idempotency-Key': 'order-1' }, 'globex');
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const conflict = await publish('price.alert', { n: 2 }, { 'Idempotency-Key': 'order-1' }, 'globex');
    expect(conflict.status).toBe(409);
    await receiver.waitFor((r) => r.path === '/idem');
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.received.filter((r) => r.path === '/idem')).toHaveLength(1);
    await api('DELETE', `/api/v1/admin/webhooks/${ep.body.id}`, { key: GLOBEX });
  });

  it('the batch form publishes each event', async () => {
    const res = await api('POST', '/v1/events/batch', {
      key: ADMIN,
      body: { events: [{ tenant_id: 'acme', type: 'list.failed', data: { a: 1 } }, { tenant_id: 'globex', type: 'list.failed', data: { b: 2 } }] },
    });
    expect(res.status).toBe(202);
    expect(res.body.data).toHaveLength(2);
  });

  it('is the platform\'s: a tenant key cannot publish', async () => {
    expect((await api('POST', '/v1/events', { key: ACME, body: { tenant_id: 'acme', type: 'price.alert', data: {} } })).status).toBe(403);
    expect((await api('POST', '/v1/events', { body: { tenant_id: 'acme', type: 'price.alert', data: {} } })).status).toBe(403);
  });
});

describe('bad input: a clear 4xx and nothing written', () => {
  const count = async () => (await api('GET', '/api/v1/admin/webhooks', { key: ACME })).body.data.length;
  const cases: Array<[string, string, string, { body?: unknown; raw?: string; headers?: Record<string, string>; key?: string }, number, string]> = [
    ['malformed JSON', 'POST', '/api/v1/admin/webhooks', { raw: '{"url": ' }, 400, 'invalid_json'],
    ['wrong type', 'POST', '/api/v1/admin/webhooks', { body: { url: 42, events: ['price.alert'] } }, 400, 'validation_error'],
    ['unknown event type', 'POST', '/api/v1/admin/webhooks', { body: { url: 'https://x.example/', events: ['nope.never'] } }, 400, 'unknown_event_type'],
    ['non-HTTP URL', 'POST', '/api/v1/admin/webhooks', { body: { url: 'ftp://x.example/', events: ['price.alert'] } }, 400, 'validation_error'],
    ['not a URL', 'POST', '/v1/webhooks/register', { body: { url: 'yourserver.com/webhook' } }, 400, 'validation_error'],
    ['URL over 2048', 'POST', '/api/v1/admin/webhooks', { body: { url: `https://x.example/${'a'.repeat(2040)}`, events: ['price.alert'] } }, 400, 'validation_error'],
    ['duplicate events', 'POST', '/api/v1/admin/webhooks', { body: { url: 'https://x.example/', events: ['price.alert', 'price.alert'] } }, 400, 'validation_error'],
    ['too many events', 'POST', '/api/v1/admin/webhooks', { body: { url: 'https://x.example/', events: [...DEFAULT_EVENT_TYPES, 'price.alert'] } }, 400, 'validation_error'],
    ['empty events', 'POST', '/api/v1/admin/webhooks', { body: { url: 'https://x.example/', events: [] } }, 400, 'validation_error'],
    ['empty secret', 'POST', '/api/v1/admin/webhooks', { body: { url: 'https://x.example/', events: ['price.alert'], secret: '' } }, 400, 'validation_error'],
    ['short secret', 'POST', '/api/v1/admin/webhooks', { body: { url: 'https://x.example/', events: ['price.alert'], secret: 'whsec_short' } }, 400, 'validation_error'],
    ['unprintable secret', 'POST', '/api/v1/admin/webhooks', { body: { url: 'https://x.example/', events: ['price.alert'], secret: 'whsec_abc\ndefghijklmnop' } }, 400, 'validation_error'],
    ['unknown field', 'POST', '/api/v1/admin/webhooks', { body: { url: 'https://x.example/', events: ['price.alert'], colour: 'red' } }, 400, 'validation_error'],
    ['body over 1 MB', 'POST', '/api/v1/admin/webhooks', { raw: JSON.stringify({ url: 'https://x.example/', events: ['price.alert'], pad: 'x'.repeat(1_100_000) }) }, 413, 'payload_too_large'],
    ['not JSON content type', 'POST', '/api/v1/admin/webhooks', { raw: 'url=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type'],
    ['empty PATCH', 'PATCH', '/api/v1/admin/webhooks/wh_x', { body: {} }, 400, 'validation_error'],
    ['bad status', 'PATCH', '/api/v1/admin/webhooks/wh_x', { body: { status: 'paused' } }, 400, 'validation_error'],
    ['bad pagination', 'GET', '/api/v1/admin/webhooks/wh_x/deliveries?limit=1000', {}, 400, 'validation_error'],
    ['negative offset', 'GET', '/api/v1/admin/webhooks/wh_x/deliveries?offset=-1', {}, 400, 'validation_error'],
    ['missing key', 'POST', '/api/v1/admin/webhooks', { key: '', body: { url: 'https://x.example/', events: ['price.alert'] } }, 401, 'unauthorized'],
    ['wrong key', 'POST', '/api/v1/admin/webhooks', { key: 'hpk_wrong', body: { url: 'https://x.example/', events: ['price.alert'] } }, 401, 'unauthorized'],
    ['X-Org-ID of another tenant', 'POST', '/api/v1/admin/webhooks', { headers: { 'X-Org-ID': 'globex' }, body: { url: 'https://x.example/', events: ['price.alert'] } }, 403, 'forbidden'],
  ];
  for (const [name, method, path, options, status, code] of cases) {
    it(`${name} -> ${status} ${code}`, async () => {
      const before = await count();
      const res = await api(method, path, { key: ACME, ...options });
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
      expect(res.body.error.message.length).toBeGreaterThan(5);
      expect(await count()).toBe(before);
    });
  }

  it('unknown event types are refused with the valid list', async () => {
    const res = await api('POST', '/v1/webhooks/register', { key: ACME, body: { url: 'https://x.example/', event_types: ['nope'] } });
    for (const t of DEFAULT_EVENT_TYPES) expect(res.body.error.message).toContain(t);
  });

  const publishCases: Array<[string, unknown, number, string]> = [
    ['without type', { tenant_id: 'acme', data: {} }, 400, 'validation_error'],
    ['without data', { tenant_id: 'acme', type: 'price.alert' }, 400, 'validation_error'],
    ['with array data', { tenant_id: 'acme', type: 'price.alert', data: [1] }, 400, 'validation_error'],
    ['with null data', { tenant_id: 'acme', type: 'price.alert', data: null }, 400, 'validation_error'],
    ['of an unknown type', { tenant_id: 'acme', type: 'nope.never', data: {} }, 400, 'unknown_event_type'],
    ['for an unknown tenant', { tenant_id: 'nobody', type: 'price.alert', data: {} }, 404, 'tenant_not_found'],
    ['with data over 256 KB', { tenant_id: 'acme', type: 'price.alert', data: { pad: 'x'.repeat(262_144) } }, 413, 'payload_too_large'],
  ];
  for (const [name, body, status, code] of publishCases) {
    it(`publish ${name} -> ${status} ${code}`, async () => {
      const res = await api('POST', '/v1/events', { key: ADMIN, body });
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
    });
  }
});

describe('persistence', () => {
  it('a restart keeps webhooks, keys and history', async () => {
    const before = (await api('GET', '/api/v1/admin/webhooks', { key: ACME })).body;
    const totals = async () =>
      Promise.all(before.data.map(async (w: { id: string }) => (await api('GET', `/api/v1/admin/webhooks/${w.id}/deliveries?limit=100`, { key: ACME })).body.data.length as number));
    const historyBefore = await totals();
    expect(historyBefore.some((t) => t > 0)).toBe(true);
    await runtime.stop();
    runtime = await start(dataDir);
    api = apiClient(runtime.url).call;
    expect((await api('GET', '/api/v1/admin/webhooks', { key: ACME })).body).toEqual(before);
    const historyAfter = await totals();
    historyAfter.forEach((t, i) => expect(t).toBeGreaterThanOrEqual(historyBefore[i]!));
  });
});
