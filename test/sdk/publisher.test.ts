import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { HookpostPublisher, PublishError } from '../../sdk/typescript/src/publisher';
import { apiClient } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/**
 * The TypeScript publisher against the local runtime, signing with SigV4 as on AWS (the
 * runtime verifies the signature with its own credential pair), and against a receiver that
 * refuses for a while.
 */
const KEY = 'hpk_publisher_ts_key_0123456789abcdef';
let runtime: LocalRuntime;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  runtime = await startTestRuntime('publisher-ts', { apiKeys: [{ tenantId: 'acme', key: KEY }, { tenantId: 'leaving', key: `${KEY}-leaving` }], erasure: { settleSeconds: 0 } });
  await apiClient(runtime.url).call('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/pub`, events: ['price.alert'] } });
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

describe('HookpostPublisher', () => {
  it('publishes a batch of 250 as three signed requests, and every event is delivered', async () => {
    const requests: Array<{ url: string; authorization: string; events: number }> = [];
    const recording: typeof fetch = async (input, init) => {
      const headers = init!.headers as Record<string, string>;
      requests.push({ url: String(input), authorization: headers.authorization ?? '', events: JSON.parse(String(init!.body)).events?.length ?? 1 });
      return fetch(input, init);
    };
    const publisher = new HookpostPublisher({ baseUrl: runtime.url, region: 'us-east-1', credentials: runtime.platformCredentials, fetch: recording });
    const events = Array.from({ length: 250 }, (_, i) => ({ tenantId: 'acme', type: 'price.alert', data: { i } }));
    const published = await publisher.publishBatch(events);
    expect(published).toHaveLength(250);
    expect(new Set(published.map((p) => p.idempotencyKey)).size).toBe(250);
    expect(requests.map((r) => r.events)).toEqual([100, 100, 50]);
    for (const r of requests) expect(r.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIALOCAL\w+\/\d{8}\/us-east-1\/execute-api\/aws4_request/);
    await receiver.waitFor((r) => r.path === '/pub', 250, 60_000);
    const one = await publisher.publish('acme', 'price.alert', { single: true }, 'order-42');
    expect(one).toEqual({ id: expect.stringMatching(/^evt_/), idempotencyKey: 'order-42' });
    // The same key again is an idempotent replay: the same event.
    expect((await publisher.publish('acme', 'price.alert', { single: true }, 'order-42')).id).toBe(one.id);
  }, 90_000);

  it('asks for a portal link, signed, which opens once as the tenant, read-only', async () => {
    const publisher = new HookpostPublisher({ baseUrl: runtime.url, region: 'us-east-1', credentials: runtime.platformCredentials });
    const link = await publisher.portalLink('acme', { readOnly: true, ttlSeconds: 600 });
    expect(link).toMatchObject({ url: expect.stringMatching(/\/dashboard#portal=hpl_/), readOnly: true });
    expect(Date.parse(link.expiresAt) - Date.now()).toBeGreaterThan(590_000);
    const token = /#portal=(.+)$/.exec(link.url)![1];
    const api = apiClient(runtime.url).call;
    const opened = await api('POST', '/api/v1/portal/sessions', { body: { token } });
    expect(opened.body).toMatchObject({ tenant_id: 'acme', read_only: true });
    await expect(publisher.portalLink('nobody')).rejects.toMatchObject({ status: 404, code: 'tenant_not_found' });
    // Scoped (issue 29): what it grants comes back, and the session it opens may do that alone.
    const scoped = await publisher.portalLink('acme', { capabilities: ['retry'], eventTypes: ['price.alert'] });
    expect(scoped).toMatchObject({ readOnly: false, capabilities: ['retry'], webhookIds: null, eventTypes: ['price.alert'] });
    const session = (await api('POST', '/api/v1/portal/sessions', { body: { token: /#portal=(.+)$/.exec(scoped.url)![1] } })).body.session_token;
    expect((await api('POST', '/api/v1/admin/webhooks', { key: session, body: { url: 'https://example.com/h', events: ['price.alert'] } })).body.error.code).toBe('capability_not_granted');
  });

  it('erases a tenant, signed (DELETE and GET), and reads the erasure to its receipt', async () => {
    const publisher = new HookpostPublisher({ baseUrl: runtime.url, region: 'us-east-1', credentials: runtime.platformCredentials });
    const started = await publisher.eraseTenant('leaving');
    expect(started).toMatchObject({ tenantId: 'leaving', status: 'erasing', requestedBy: expect.stringMatching(/^arn:aws:/), finishedAt: null });
    let erasure = started;
    for (let i = 0; i < 100 && erasure.status !== 'done'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      erasure = await publisher.tenantErasure('leaving');
    }
    expect(erasure).toMatchObject({ status: 'done', counts: { api_keys: 1 } });
    expect((await apiClient(runtime.url).call('GET', '/api/v1/admin/webhooks', { key: `${KEY}-leaving` })).status).toBe(401);
    await expect(publisher.tenantErasure('acme')).rejects.toMatchObject({ status: 404, code: 'erasure_not_found' });
  }, 30_000);

  it('a wrong secret is refused by the signature check, not retried', async () => {
    const publisher = new HookpostPublisher({ baseUrl: runtime.url, region: 'us-east-1', credentials: { ...runtime.platformCredentials, secretAccessKey: 'wrong' } });
    await expect(publisher.publish('acme', 'price.alert', {})).rejects.toMatchObject({ status: 403 });
  });

  it('retries 429 and 5xx honouring Retry-After, with the same body and idempotency key; a 400 is final', async () => {
    const seen: Array<{ key: string | undefined; body: string }> = [];
    const answers = [
      { status: 503, headers: { 'retry-after': '2' } },
      { status: 429, headers: {} },
      { status: 202, headers: {}, body: '{"id":"evt_1","object":"event"}' },
    ];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ key: req.headers['idempotency-key'] as string | undefined, body });
        const a = answers[seen.length - 1] ?? { status: 400, headers: {}, body: '{"error":{"code":"validation_error","message":"no"}}' };
        res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body ?? '{"error":{"code":"busy","message":"later"}}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const sleeps: number[] = [];
    const publisher = new HookpostPublisher({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, adminKey: 'hpadmin_x', sleep: async (ms) => void sleeps.push(ms) });
    try {
      expect(await publisher.publish('acme', 'price.alert', { n: 1 })).toMatchObject({ id: 'evt_1' });
      expect(seen).toHaveLength(3);
      expect(new Set(seen.map((s) => s.key)).size).toBe(1);
      expect(new Set(seen.map((s) => s.body)).size).toBe(1);
      expect(sleeps[0]).toBe(2000); // Retry-After
      expect(sleeps[1]).toBeLessThanOrEqual(400); // jittered backoff, second try
      const error = await publisher.publish('acme', 'price.alert', { n: 2 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PublishError);
      expect(error).toMatchObject({ status: 400, code: 'validation_error' });
      expect(seen).toHaveLength(4);
    } finally {
      server.close();
    }
  });

  it('publishes through the hookpost EventBridge bus, sending refused entries again', async () => {
    const eventBridge = new EventBridgeClient({ endpoint: runtime.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    let calls = 0;
    const flaky = {
      putEvents: async (entries: Parameters<NonNullable<Parameters<HookpostPublisher['publishToEventBus']>[2]>['putEvents']>[0]) => {
        calls++;
        if (calls === 1) return entries.map(() => ({ ErrorCode: 'ThrottlingException' })); // EventBridge refused the entry: sent again
        return (await eventBridge.send(new PutEventsCommand({ Entries: entries }))).Entries ?? [];
      },
    };
    const publisher = new HookpostPublisher({ baseUrl: runtime.url, adminKey: runtime.adminKey, sleep: async () => undefined });
    await publisher.publishToEventBus([{ tenantId: 'acme', type: 'price.alert', data: { via: 'bus' } }], 'hookpost', flaky);
    expect(calls).toBe(2);
    const [req] = await receiver.waitFor((r) => r.path === '/pub' && r.body.toString().includes('"via":"bus"'));
    expect(JSON.parse(req!.body.toString())).toMatchObject({ data: { via: 'bus' } });
  });
});

describe('the built publisher without its optional AWS peers', () => {
  it('publishes with the admin key, and only signing asks for the missing package by name', async () => {
    const { execFileSync } = await import('node:child_process');
    const { copyFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    // Outside the repository: nothing resolves @smithy/*, @aws-sdk/* or @aws-crypto/* from here.
    const dir = mkdtempSync(join(tmpdir(), 'hookpost-publisher-alone-'));
    try {
      copyFileSync(join(import.meta.dirname, '..', '..', 'sdk', 'typescript', 'dist', 'publisher.js'), join(dir, 'publisher.mjs'));
      const script = `import { HookpostPublisher } from './publisher.mjs';
        const fetch = async (url, init) => new Response(JSON.stringify({ id: 'evt_1', object: 'event' }), { status: 202, headers: { 'content-type': 'application/json', 'x-auth': init.headers.authorization } });
        const local = new HookpostPublisher({ baseUrl: 'http://127.0.0.1:1', adminKey: 'hpadmin_x', fetch });
        const published = await local.publish('acme', 'price.alert', {});
        let signing;
        try { await new HookpostPublisher({ baseUrl: 'http://127.0.0.1:1', fetch, maxRetries: 0 }).publish('acme', 'price.alert', {}); } catch (e) { signing = e.message; }
        console.log(JSON.stringify({ published: published.id, signing }));`;
      const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' }).trim());
      expect(out.published).toBe('evt_1');
      expect(out.signing).toMatch(/needs the optional peer dependency @(smithy\/signature-v4|aws-crypto\/sha256-js|aws-sdk\/credential-providers): npm install/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
