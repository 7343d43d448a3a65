import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime } from '../support/service';
import { HookpostApiError, HookpostClient, Webhook, WebhookSignatureError } from '../../sdk/typescript/src/index';
import type { LocalRuntime } from '../../local/runtime';
import { waitUntil } from '../support/client';
import { type Received, type Receiver, startReceiver } from '../support/receiver';

const KEY = 'hpk_sdk_key_0123456789abcdef0123456789';
const ADMIN = 'hpadmin_sdk_key_0123456789';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const now = () => Math.floor(Date.now() / 1000);

describe('Webhook.constructEvent cross-checked with the standardwebhooks and svix packages', () => {
  const payload = JSON.stringify({ id: 'evt_1', event: 'price.alert', timestamp: '2026-02-16T12:00:00Z', data: { p: 1 } });

  it('verifies what standardwebhooks and svix sign', () => {
    const at = new Date();
    const standard = new StandardWebhook(SECRET).sign('evt_1', at, payload);
    const event = Webhook.constructEvent(payload, { 'webhook-id': 'evt_1', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': standard }, SECRET);
    expect(event).toMatchObject({ id: 'evt_1', data: { p: 1 } });
    const svix = new SvixWebhook(SECRET).sign('msg_1', at, payload);
    expect(Webhook.constructEvent(payload, { 'svix-id': 'msg_1', 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': svix }, SECRET)).toMatchObject({ id: 'evt_1' });
  });

  it('rejects a tampered body, a wrong secret, an old or future timestamp, and a missing signature', () => {
    const at = new Date();
    const ts = String(Math.floor(at.getTime() / 1000));
    const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': ts, 'webhook-signature': new StandardWebhook(SECRET).sign('evt_1', at, payload) };
    expect(() => Webhook.constructEvent(payload.replace('"p":1', '"p":2'), headers, SECRET)).toThrow(WebhookSignatureError);
    expect(() => Webhook.constructEvent(payload, headers, 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toThrow(WebhookSignatureError);
    const old = new Date(at.getTime() - 600_000);
    const oldHeaders = { 'webhook-id': 'evt_1', 'webhook-timestamp': String(Math.floor(old.getTime() / 1000)), 'webhook-signature': new StandardWebhook(SECRET).sign('evt_1', old, payload) };
    expect(() => Webhook.constructEvent(payload, oldHeaders, SECRET)).toThrow(/old or replayed/);
    expect(Webhook.constructEvent(payload, oldHeaders, SECRET, { toleranceSeconds: 900 })).toBeTruthy();
    expect(() => Webhook.constructEvent(payload, headers, SECRET, { now: now() - 3600 })).toThrow(WebhookSignatureError);
    expect(() => Webhook.constructEvent(payload, { 'content-type': 'application/json' }, SECRET)).toThrow(WebhookSignatureError);
  });

  it('what it accepts, standardwebhooks and svix accept too (the same delivery, verified three ways)', () => {
    const at = new Date();
    const signature = new StandardWebhook(SECRET).sign('evt_9', at, payload);
    const headers = { 'webhook-id': 'evt_9', 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
    expect(Webhook.constructEvent(payload, headers, SECRET)).toBeTruthy();
    expect(new StandardWebhook(SECRET).verify(payload, headers)).toBeTruthy();
    expect(() => new SvixWebhook(SECRET).verify(payload, headers)).not.toThrow();
    expect(() => new SvixWebhook(SECRET).verify(`${payload} `, headers)).toThrow(); // and it does check
  });
});

describe('the TypeScript SDK against the local runtime', () => {
  let runtime: LocalRuntime;
  let receiver: Receiver;
  let client: HookpostClient;

  beforeAll(async () => {
    receiver = await startReceiver();
    runtime = await startTestRuntime('sdk-ts', {
      apiKeys: [{ tenantId: 'acme', key: KEY }],
      adminKey: ADMIN,
      retrySchedule: [1],
    });
    client = new HookpostClient({ apiKey: KEY, baseUrl: runtime.url, orgId: 'acme' });
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });

  const publish = (type: string, data: unknown) =>
    fetch(`${runtime.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ tenant_id: 'acme', type, data }) });

  /** Verifies one received delivery by each scheme alone, then by all of them. */
  const verifyEachWay = (hit: Received, secret: string | string[]) => {
    const all = hit.headers as Record<string, string>;
    const only = (...names: string[]) => Object.fromEntries(Object.entries(all).filter(([k]) => names.includes(k) || !/signature|webhook-/.test(k)));
    return {
      standard: Webhook.constructEvent(hit.body, only('webhook-id', 'webhook-timestamp', 'webhook-signature'), secret),
      seed: Webhook.constructEvent(hit.body, only('x-webhook-signature', 'x-auggie-signature', 'webhook-timestamp'), secret),
      all: Webhook.constructEvent(hit.body, all, secret),
    };
  };

  it('account surface: register, get, rotate, delete; deliveries verify with X-Auggie-Signature and webhook-signature', async () => {
    const registered = await client.registerWebhook({ url: `${receiver.url}/account`, eventTypes: ['research.completed'] });
    expect(registered.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(await client.getWebhook()).toMatchObject({ url: `${receiver.url}/account`, active: true, event_types: ['research.completed'] });
    await publish('research.completed', { job_id: 1 });
    const [hit] = await receiver.waitFor((r) => r.path === '/account');
    const verified = verifyEachWay(hit!, registered.secret!);
    expect(verified.seed).toMatchObject({ type: 'research.completed', data: { job_id: 1 } });
    expect(verified.standard).toEqual(verified.seed);
    const rotated = await client.rotateWebhookSecret({ gracePeriodSeconds: 60 });
    expect(rotated.secret).not.toBe(registered.secret);
    await client.deleteWebhook();
    await expect(client.getWebhook()).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('admin surface: create, list, get, update, rotate, test, deliveries, retry, recover, delete', async () => {
    receiver.respondWith((r) => (r.path === '/admin-failing' ? { status: 500, body: 'down' } : { status: 200, body: '{}' }));
    const created = await client.webhooks.create({ url: `${receiver.url}/admin`, events: ['price.alert'] });
    expect(created.secret).toMatch(/^whsec_/);
    const listed = await client.webhooks.list();
    // The shape of every list: data, has_more, next_starting_after.
    expect(listed).toMatchObject({ object: 'list', has_more: false, next_starting_after: null });
    expect(listed.data.map((w) => w.id)).toContain(created.id);
    expect(await client.webhooks.get(created.id)).toMatchObject({ id: created.id, status: 'active' });
    await client.webhooks.update(created.id, { events: ['price.alert', 'analysis.complete'] });

    const rotated = await client.webhooks.rotateSecret(created.id, { gracePeriodSeconds: 3600 });
    const test = await client.webhooks.sendTestEvent(created.id);
    const hit = (await receiver.waitFor((r) => r.path === '/admin' && r.body.toString().includes(test.event_id)))[0]!;
    // During the grace period: webhook-signature verifies with either secret; the seed header with the new one.
    expect(verifyEachWay(hit, rotated.secret!).all).toMatchObject({ event: 'webhook.test' });
    expect(Webhook.constructEvent(hit.body, hit.headers as Record<string, string>, created.secret!)).toBeTruthy();
    expect(verifyEachWay(hit, [created.secret!, rotated.secret!]).seed).toBeTruthy();
    // The audit trail of what this test changed (issue 28).
    const trail = await client.auditLog({ webhookId: created.id });
    expect(trail.data.map((r) => r.action)).toEqual(['webhook.test_sent', 'webhook.secret_rotated', 'webhook.updated', 'webhook.created']);
    expect(trail.data[2]).toMatchObject({ actor: { type: 'api_key' }, before: { events: ['price.alert'] }, after: { events: ['price.alert', 'analysis.complete'] } });
    // The catalogue, and a type's example sent as a test (issue 28).
    const catalogue = await client.eventTypes();
    const priceAlert = catalogue.data.find((t) => t.type === 'price.alert')!;
    expect(priceAlert).toMatchObject({ object: 'event_type', validation: 'warn', system: false, schema: { type: 'object' } });
    const example = await client.webhooks.sendTestEvent(created.id, { eventType: 'price.alert' });
    expect(example.type).toBe('price.alert');
    const exampleHit = (await receiver.waitFor((r) => r.path === '/admin' && r.body.toString().includes(example.event_id)))[0]!;
    expect(Webhook.constructEvent(exampleHit.body, exampleHit.headers as Record<string, string>, rotated.secret!)).toMatchObject({ event: 'price.alert', data: priceAlert.example });

    const failing = await client.webhooks.create({ url: `${receiver.url}/admin-failing`, events: ['price.alert'] });
    await publish('price.alert', { n: 1 });
    const failed = await waitUntil(async () => (await client.webhooks.deliveries(failing.id, { status: 'failed' })).data[0], 20_000, 'a failed delivery');
    expect(failed).toMatchObject({ status: 'failed', retry_count: 1 });
    expect(await client.webhooks.delivery(failing.id, failed.id)).toMatchObject({ id: failed.id, attempts: [expect.anything(), expect.anything()] });
    expect(await client.webhooks.retry(failing.id, failed.id)).toMatchObject({ object: 'retry', attempt: 3 });
    const recovery = await client.webhooks.recover(failing.id, { since: new Date(Date.now() - 3600_000) });
    expect(await client.webhooks.recovery(failing.id, recovery.id)).toMatchObject({ id: recovery.id });
    expect(await client.getEvent(failed.event_id)).toMatchObject({ id: failed.event_id, data: { n: 1 }, deliveries: expect.arrayContaining([expect.objectContaining({ webhook_id: failing.id })]) });
    expect(await client.webhooks.health(failing.id)).toMatchObject({ object: 'webhook_health', webhook_id: failing.id, succeeded: 0 });
    expect(await client.failedDeliveries({ limit: 5 })).toMatchObject({ object: 'list', limit: 5 });
    await client.webhooks.delete(failing.id);
    await expect(client.webhooks.get(failing.id)).rejects.toBeInstanceOf(HookpostApiError);
  });

  it('an AWS destination: its trust, create, check, and a message verified as a consumer of the queue would', async () => {
    const queue = 'https://sqs.us-east-1.amazonaws.com/444455556666/orders';
    const trust = await client.destinationTrust({ type: 'sqs', target: queue });
    expect(trust.external_id).toMatch(/^hpx_/);
    const made = await fetch(`${runtime.aws!.endpoint}/_local/accounts/444455556666/stacks`, { method: 'POST', body: JSON.stringify(trust.cloudformation) });
    const role = ((await made.json()) as { outputs: { RoleArn: string } }).outputs.RoleArn;
    const created = await client.webhooks.create({ destination: { type: 'sqs', target: queue, role_arn: role }, events: ['list.failed'] });
    expect(created.destination).toMatchObject({ type: 'sqs', queue_url: queue, external_id: trust.external_id });
    expect(await client.webhooks.checkDestination(created.id)).toMatchObject({ ok: true, problem: null });
    const sent = await client.webhooks.sendTestEvent(created.id);
    const message = await waitUntil(async () => runtime.aws!.received.find((r) => r.body.includes(sent.event_id)), 20_000, 'the test message');
    expect(Webhook.constructEvent(message.body, message.attributes, created.secret!)).toMatchObject({ id: sent.event_id, event: 'webhook.test' });
    // The history is eventually consistent: the delivery may take a moment to be listed.
    const delivery = await waitUntil(async () => (await client.webhooks.deliveries(created.id)).data[0], 20_000, 'the delivery listed');
    expect(delivery.attempts[0]!.message_id).toBe(message.id);
  });
});

describe('the published package', () => {
  it('dist/ is the build of src/ (run `npm run build` in sdk/typescript after a change), and plain Node imports it', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync: tmp, readFileSync } = await import('node:fs');
    const sdk = join(import.meta.dirname, '..', '..', 'sdk', 'typescript');
    const out = tmp(join(tmpdir(), 'hookpost-sdk-build-'));
    const esbuild = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'esbuild');
    execFileSync(esbuild, ['src/index.ts', '--bundle', '--platform=node', '--format=esm', '--target=node20', `--outfile=${join(out, 'index.js')}`], { cwd: sdk, stdio: 'pipe' });
    expect(readFileSync(join(sdk, 'dist', 'index.js'), 'utf8')).toBe(readFileSync(join(out, 'index.js'), 'utf8'));
    expect(readFileSync(join(sdk, 'dist', 'receive.d.ts'), 'utf8')).toContain('constructEvent<T = Record<string, unknown>>');
    const script = `import { Webhook, WebhookSignatureError } from ${JSON.stringify(join(sdk, 'dist', 'index.js'))};
      try { Webhook.constructEvent('{}', { 'x-webhook-signature': 'sha256=' + '0'.repeat(64) }, 'secret-secret-secret'); }
      catch (e) { console.log(e instanceof WebhookSignatureError ? 'refused' : 'other'); }`;
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim()).toBe('refused');
  });

  it('its types refuse a header name the API refuses (cloud providers\' and proxies\' included), from the same lists as the API', async () => {
    const { execFileSync } = await import('node:child_process');
    const root = join(import.meta.dirname, '..', '..');
    const sdk = await import('../../sdk/typescript/src/index');
    const api = await import('../../lambdas/shared/domain/reserved-headers');
    expect([...sdk.RESERVED_HEADER_NAMES]).toEqual([...api.RESERVED_HEADER_NAMES]);
    expect([...sdk.RESERVED_HEADER_PREFIXES]).toEqual(api.RESERVED_HEADER_PREFIXES);
    // Against the published declarations: an unused @ts-expect-error (a name the types let through) fails tsc.
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    const args = ['--noEmit', '--ignoreConfig', '--strict', '--target', 'es2023', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--skipLibCheck', 'test/fixtures/sdk-types/custom-headers.ts'];
    const run = () => execFileSync(tsc, args, { cwd: root, encoding: 'utf8', stdio: 'pipe' });
    expect(run).not.toThrow();
  });
});
