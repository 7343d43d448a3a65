import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient } from '../support/client';
import { runPython } from '../support/python';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

// What a platform publishes is what receivers get, or a clear 4xx with nothing delivered.
const KEY = 'hpk_input_test_key_0123456789abcdef';
const ADMIN = 'hpadmin_input_test_0123456789';

let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];
let accountSecret: string;
let adminSecret: string;

beforeAll(async () => {
  receiver = await startReceiver();
  runtime = await startTestRuntime('input', { apiKeys: [{ tenantId: 'acme', key: KEY }], adminKey: ADMIN });
  api = apiClient(runtime.url).call;
  accountSecret = (await api('POST', '/v1/webhooks/register', { key: KEY, body: { url: `${receiver.url}/account` } })).body.secret;
  adminSecret = (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/admin`, events: ['price.alert'] } })).body.secret;
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

const publishRaw = (raw: string, path = '/v1/events') => api('POST', path, { key: ADMIN, raw });
const settle = () => new Promise((r) => setTimeout(r, 1500));

describe('numbers arrive exact', () => {
  it('64-bit integers, 1.0 and -0.0 reach both surfaces as published, and seed 000\'s Python sample still verifies', async () => {
    const res = await publishRaw('{"tenant_id":"acme","type":"price.alert","data":{"snowflake":1381976489123209216,"price":1.0,"zero":-0.0,"small":7,"exp":2.5e-8}}');
    expect(res.status).toBe(202);
    const [account] = await receiver.waitFor((r) => r.path === '/account' && r.body.includes(res.body.id));
    const [admin] = await receiver.waitFor((r) => r.path === '/admin' && r.body.includes(res.body.id));
    // Seed 000: Python-canonical JSON, as Python itself writes what it read.
    expect(account!.body.toString()).toContain('"data":{"exp":2.5e-08,"price":1.0,"small":7,"snowflake":1381976489123209216,"zero":-0.0}');
    // Seed 003: the data as published, byte for byte.
    expect(admin!.body.toString()).toContain('"data":{"snowflake":1381976489123209216,"price":1.0,"zero":-0.0,"small":7,"exp":2.5e-8}');
    const [verified] = runPython([{ scheme: '000', body: account!.body, signature: String(account!.headers['x-auggie-signature']), secret: accountSecret }]);
    expect(verified).toBe(true);
    const [verified003] = runPython([{ scheme: '003', body: admin!.body, signature: String(admin!.headers['x-webhook-signature']), secret: adminSecret }]);
    expect(verified003).toBe(true);
  });
});

describe('publishing is all or nothing', () => {
  const before = () => receiver.received.length;

  it('a batch with one event out of the double range is a 400 naming it, and delivers nothing', async () => {
    const n = before();
    const res = await publishRaw(
      '{"events":[{"tenant_id":"acme","type":"price.alert","data":{"ok":1}},{"tenant_id":"acme","type":"price.alert","data":{"huge":1e400}}]}',
      '/v1/events/batch',
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('number_out_of_range');
    for (const raw of ['{"tenant_id":"acme","type":"price.alert","data":{"x":-1e400}}', '{"tenant_id":"acme","type":"price.alert","data":{"x":1e400}}']) {
      expect((await publishRaw(raw)).status).toBe(400);
    }
    await settle();
    expect(receiver.received.length).toBe(n);
  });

  it('a batch reusing an idempotency key with other data is a 409 naming the event, and delivers nothing', async () => {
    const n = before();
    const res = await api('POST', '/v1/events/batch', {
      key: ADMIN,
      body: {
        events: [
          { tenant_id: 'acme', type: 'price.alert', data: { v: 1 }, idempotency_key: 'same-key' },
          { tenant_id: 'acme', type: 'price.alert', data: { v: 2 }, idempotency_key: 'same-key' },
        ],
      },
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'idempotency_key_reused', message: expect.stringContaining('events.1') });
    await settle();
    expect(receiver.received.length).toBe(n);
  });

  it('a batch whose second key was stored with other data is a 409, and its first event is not delivered', async () => {
    const stored = await api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'acme', type: 'price.alert', data: { v: 'first' } }, headers: { 'idempotency-key': 'stored-key' } });
    expect(stored.status).toBe(202);
    await receiver.waitFor((r) => r.body.includes(stored.body.id), 2);
    const n = before();
    const res = await api('POST', '/v1/events/batch', {
      key: ADMIN,
      body: {
        events: [
          { tenant_id: 'acme', type: 'price.alert', data: { v: 'fresh' } },
          { tenant_id: 'acme', type: 'price.alert', data: { v: 'other' }, idempotency_key: 'stored-key' },
        ],
      },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('events.1');
    await settle();
    expect(receiver.received.length).toBe(n);
  });
});

describe('every refusal is a 4xx', () => {
  it('a recovery window before 1970 is a 400', async () => {
    const hooks = (await api('GET', '/api/v1/admin/webhooks', { key: KEY })).body.data;
    const res = await api('POST', `/api/v1/admin/webhooks/${hooks[0].id}/recover`, { key: KEY, body: { since: '1969-12-31T00:00:00Z' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('1970');
  });

  it('a body that is not UTF-8 is a 400 invalid_encoding, never rewritten', async () => {
    const body = Buffer.concat([Buffer.from('{"tenant_id":"acme","type":"price.alert","data":{"s":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]);
    const res = await fetch(`${runtime.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('invalid_encoding');
  });

  it('a lone surrogate in a tenant name or an idempotency key is a 400 invalid_encoding', async () => {
    const name = await publishRaw('{"id":"lonely","name":"bad \\ud800 name"}', '/v1/tenants');
    expect(name.status).toBe(400);
    expect(name.body.error).toMatchObject({ code: 'invalid_encoding', message: expect.stringContaining('name') });
    const key = await publishRaw('{"events":[{"tenant_id":"acme","type":"price.alert","data":{},"idempotency_key":"k\\udc00"}]}', '/v1/events/batch');
    expect(key.status).toBe(400);
    expect(key.body.error.code).toBe('invalid_encoding');
  });
});

