import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/** Custom request headers per endpoint: sent with every delivery, validated name by name. */
const KEY = 'hpk_headers_test_key_0123456789abcdef';
let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];

beforeAll(async () => {
  receiver = await startReceiver();
  runtime = await startTestRuntime('headers', { apiKeys: [{ tenantId: 'acme', key: KEY }] });
  api = apiClient(runtime.url).call;
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

const publish = (data: unknown) => api('POST', '/v1/events', { key: runtime.adminKey, body: { tenant_id: 'acme', type: 'price.alert', data } });

describe('endpoint headers', () => {
  it('are sent with every delivery beside the signatures; GET shows them, but a credential header only as set', async () => {
    const hook = await api('POST', '/api/v1/admin/webhooks', {
      key: KEY,
      body: { url: `${receiver.url}/h1`, events: ['price.alert'], headers: { Authorization: 'Bearer receiver-token', 'X-Tenant-Region': 'eu-1' } },
    });
    expect(hook.status).toBe(201);
    expect(hook.body.headers).toEqual({ 'X-Tenant-Region': 'eu-1' });
    expect(hook.body.sensitive_headers).toEqual({ Authorization: { set_at: hook.body.created_at } });
    expect(JSON.stringify(hook.body)).not.toContain('receiver-token');
    await publish({ n: 1 });
    const [req] = await receiver.waitFor((r) => r.path === '/h1');
    expect(req!.headers.authorization).toBe('Bearer receiver-token');
    expect(req!.headers['x-tenant-region']).toBe('eu-1');
    expect(req!.headers['x-webhook-signature']).toMatch(/^sha256=/);
    const read = (await api('GET', `/api/v1/admin/webhooks/${hook.body.id}`, { key: KEY })).body;
    expect(read.headers).toEqual(hook.body.headers);
    expect(read.sensitive_headers).toEqual(hook.body.sensitive_headers);
  });

  it('PATCH replaces them and changes nothing else; an empty map removes them; a webhook without them shows no field', async () => {
    const hook = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/h2`, events: ['price.alert'], headers: { 'X-A': '1' } } });
    const patched = await api('PATCH', `/api/v1/admin/webhooks/${hook.body.id}`, { key: KEY, body: { headers: { 'X-B': '2' } } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ url: `${receiver.url}/h2`, events: ['price.alert'], headers: { 'X-B': '2' } });
    const cleared = await api('PATCH', `/api/v1/admin/webhooks/${hook.body.id}`, { key: KEY, body: { headers: {} } });
    expect(cleared.body.headers).toBeUndefined();
    const plain = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/h3`, events: ['price.alert'] } });
    expect(Object.keys(plain.body)).not.toContain('headers');
  });

  it.each([
    ['a name that is not a token', { 'Bad Name': 'x' }, 'headers.Bad Name'],
    ['a hop-by-hop header', { Connection: 'close' }, 'headers.Connection'],
    ['host', { Host: 'evil.example' }, 'headers.Host'],
    ['content-type', { 'Content-Type': 'text/plain' }, 'headers.Content-Type'],
    ['content-length', { 'content-length': '1' }, 'headers.content-length'],
    ['a signature header', { 'X-Webhook-Signature': 'sha256=0' }, 'headers.X-Webhook-Signature'],
    ['a webhook-* header', { 'webhook-id': 'msg_1' }, 'headers.webhook-id'],
    ['an AWS SigV4 header, any case', { 'X-Amz-Security-Token': 't' }, 'headers.X-Amz-Security-Token'],
    ['an AWS service header', { 'x-amzn-oidc-identity': 'admin' }, 'headers.x-amzn-oidc-identity'],
    ['a Google front end header', { 'X-Goog-Authenticated-User-Email': 'a@b' }, 'headers.X-Goog-Authenticated-User-Email'],
    ['an Azure App Service header', { 'X-MS-CLIENT-PRINCIPAL-NAME': 'admin' }, 'headers.X-MS-CLIENT-PRINCIPAL-NAME'],
    ['a Cloudflare header', { 'CF-Connecting-IP': '10.0.0.1' }, 'headers.CF-Connecting-IP'],
    ['a proxy forwarding header', { 'X-Forwarded-For': '10.0.0.1' }, 'headers.X-Forwarded-For'],
    ['forwarded', { Forwarded: 'for=10.0.0.1' }, 'headers.Forwarded'],
    ['a value with a line break', { 'X-A': 'a\r\nX-Injected: 1' }, 'headers.X-A'],
    ['more than 20', Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v'])), 'headers'],
  ])('refuses %s with a 400 naming it, and writes nothing', async (_what, headers, path) => {
    const before = (await api('GET', '/api/v1/admin/webhooks', { key: KEY })).body.data.length;
    const res = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/bad`, events: ['price.alert'], headers } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(res.body.error.message).toContain(`${path}:`);
    expect((await api('GET', '/api/v1/admin/webhooks', { key: KEY })).body.data.length).toBe(before);
  });

  it('PATCH refuses a cloud provider\'s header with the same 400, and keeps the headers it had', async () => {
    const hook = (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/kept`, events: ['price.alert'], headers: { 'X-Tenant': 'a' } } })).body;
    const res = await api('PATCH', `/api/v1/admin/webhooks/${hook.id}`, { key: KEY, body: { headers: { 'x-AMZ-date': '20260101T000000Z' } } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_error', message: expect.stringContaining("headers.x-AMZ-date: is a cloud provider's or proxy's own header (x-amz-*)") });
    expect((await api('GET', `/api/v1/admin/webhooks/${hook.id}`, { key: KEY })).body.headers).toEqual({ 'X-Tenant': 'a' });
  });
});
