/// <reference lib="dom" />
import { ScanCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DUMMY_AWS } from '../../local/emulators';
import type { LocalRuntime } from '../../local/runtime';
import { launchChromium } from '../support/browser';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';
import { issue, type Issued, makeCa, type TestCa } from '../support/test-ca';
import { startTokenServer, type TokenServer } from '../support/token-server';

/**
 * Receiver auth end to end through the local runtime (issue 27): a receiver behind an OAuth
 * token (the token server on loopback), one behind mutual TLS (a private CA), one behind Basic;
 * each set through the API or the dashboard, and every answer of every read route, the portal's
 * pages and both tables scanned for the credentials stored.
 */
const KEY = 'hpk_receiver_auth_key_0123456789abcdef01';
const ADMIN = 'hpadmin_receiver_auth_0123456789';
const SECRETS = {
  clientSecret: 'oauth-client-secret-7Yq2',
  password: 'basic-password-Zk41x',
  apiKey: 'x-api-key-value-Pq83',
  marked: 'marked-header-value-Hh20',
  dashboardPassword: 'dashboard-password-Mm55',
};
let runtime: LocalRuntime;
let api: ReturnType<typeof apiClient>['call'];
let idp: TokenServer;
let oauthReceiver: Receiver;
let basicReceiver: Receiver;
let mtlsReceiver: Receiver;
let ca: TestCa;
let client: Issued;
let browser: Browser | undefined;
const hooks: Record<string, string> = {};

const basicOk = (authorization: string | undefined, password: string) => authorization === `Basic ${Buffer.from(`hookpost:${password}`).toString('base64')}`;

beforeAll(async () => {
  idp = await startTokenServer({ hookpost: SECRETS.clientSecret }, 3600);
  oauthReceiver = await startReceiver();
  oauthReceiver.respondWith((r) => (idp.accepts(r.headers.authorization) ? { status: 200 } : { status: 401, body: '{"error":"invalid_token"}' }));
  basicReceiver = await startReceiver();
  basicReceiver.respondWith((r) => (basicOk(r.headers.authorization, SECRETS.password) || basicOk(r.headers.authorization, SECRETS.dashboardPassword) ? { status: 200 } : { status: 401 }));
  ca = await makeCa('Receiver Private CA');
  const server = await issue(ca, { subject: 'localhost', kind: 'server' });
  client = await issue(ca, { subject: 'hookpost acme', kind: 'client' });
  mtlsReceiver = await startReceiver({ tls: { key: server.keyPem, cert: server.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true } });
  runtime = await startTestRuntime('receiver-auth', { apiKeys: [{ tenantId: 'acme', key: KEY }], adminKey: ADMIN, retrySchedule: [1, 1] });
  api = apiClient(runtime.url).call;
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  await Promise.all([idp?.close(), oauthReceiver?.close(), basicReceiver?.close(), mtlsReceiver?.close()]);
});

const create = (body: Record<string, unknown>) => api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { events: ['price.alert'], ...body } });
const publish = (n: number) =>
  api('POST', '/v1/events/batch', { key: ADMIN, body: { events: Array.from({ length: n }, (_, i) => ({ tenant_id: 'acme', type: 'price.alert', data: { i } })) } });
const deliveries = async (id: string) => (await api('GET', `/api/v1/admin/webhooks/${id}/deliveries?limit=100`, { key: KEY })).body.data as Array<{ id: string; status: string; attempts: Array<Record<string, unknown>> }>;

describe('each scheme delivers end to end', () => {
  it('OAuth: a burst fetches one token; a revoked token is refreshed once and the delivery goes through', async () => {
    const hook = await create({
      url: `${oauthReceiver.url}/oauth`,
      auth: { type: 'oauth2_client_credentials', token_url: idp.url, client_id: 'hookpost', client_secret: SECRETS.clientSecret, scope: 'webhooks' },
      headers: { 'X-Api-Key': SECRETS.apiKey, 'X-Marked': SECRETS.marked, 'X-Region': 'eu-1' },
      sensitive_headers: ['X-Marked'],
    });
    expect(hook.status).toBe(201);
    expect(hook.body.auth).toEqual({ type: 'oauth2_client_credentials', token_url: idp.url, client_id: 'hookpost', client_secret: { set_at: hook.body.created_at }, scope: 'webhooks', client_auth: 'client_secret_basic' });
    hooks.oauth = hook.body.id;
    expect((await publish(10)).status).toBe(202);
    await oauthReceiver.waitFor((r) => r.path === '/oauth', 10);
    expect(idp.grants).toHaveLength(1);
    expect(oauthReceiver.received.every((r) => r.headers['x-api-key'] === SECRETS.apiKey && r.headers['x-marked'] === SECRETS.marked)).toBe(true);
    idp.revokeAll();
    await publish(1);
    // Refused once (401 to the revoked token), then sent again with the new one.
    await oauthReceiver.waitFor((r) => r.path === '/oauth' && idp.accepts(r.headers.authorization), 1);
    expect(oauthReceiver.received.filter((r) => r.path === '/oauth')).toHaveLength(12);
    expect(idp.grants).toHaveLength(2);
    const refreshed = await waitUntil(async () => (await deliveries(hooks.oauth!)).find((d) => d.attempts[0]!.token_refresh), 20_000, 'the refreshed delivery in the history');
    expect(refreshed).toMatchObject({ status: 'succeeded', attempts: [{ status_code: 200, token_refresh: { status_code: 401, response_body: '{"error":"invalid_token"}' } }] });
  });

  it('OAuth: a token endpoint that fails is the attempt\'s failure, retried, then delivered once it answers', async () => {
    idp.answerWith(() => ({ status: 503, body: { error: 'temporarily_unavailable' } }));
    const hook = await create({ url: `${oauthReceiver.url}/down`, auth: { type: 'oauth2_client_credentials', token_url: idp.url, client_id: 'hookpost', client_secret: SECRETS.clientSecret, scope: 'other' } });
    await publish(1);
    const failed = await waitUntil(async () => (await deliveries(hook.body.id))[0], 20_000, 'a delivery');
    expect(failed.attempts[0]).toMatchObject({ status_code: null, error: 'auth', token_endpoint: { status_code: 503, response_body: expect.stringContaining('temporarily_unavailable') } });
    expect(oauthReceiver.received.filter((r) => r.path === '/down')).toHaveLength(0);
    idp.answerWith(undefined);
    await oauthReceiver.waitFor((r) => r.path === '/down');
  });

  it('mutual TLS: the receiver gets the client certificate, its private CA trusted through the CA bundle', async () => {
    const hook = await create({ url: `${mtlsReceiver.url}/mtls`, auth: { type: 'mtls', certificate: client.certPem, private_key: client.keyPem, ca_bundle: ca.certPem } });
    expect(hook.status).toBe(201);
    expect(hook.body.auth).toMatchObject({ type: 'mtls', certificate: { subject: 'CN=hookpost acme', issuer: 'CN=Receiver Private CA' }, private_key: { set_at: hook.body.created_at }, ca_bundle: { certificates: 1 } });
    hooks.mtls = hook.body.id;
    await publish(1);
    const [got] = await mtlsReceiver.waitFor((r) => r.path === '/mtls');
    expect(got!.clientCertificate).toBe('CN=hookpost acme');
  });

  it('mutual TLS: an expired certificate, or one whose key does not match, is refused at creation with a 400', async () => {
    const expired = await issue(ca, { subject: 'old', kind: 'client', notBefore: new Date(Date.now() - 90 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const refused = await create({ url: `${mtlsReceiver.url}/expired`, auth: { type: 'mtls', certificate: expired.certPem, private_key: expired.keyPem } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/auth.certificate: expired on /);
    const mismatched = await create({ url: `${mtlsReceiver.url}/x`, auth: { type: 'mtls', certificate: client.certPem, private_key: expired.keyPem } });
    expect(mismatched.status).toBe(400);
    expect(mismatched.body.error.message).toMatch(/does not match the certificate/);
    expect((await create({ url: 'http://127.0.0.1:9/x', auth: { type: 'mtls', certificate: client.certPem, private_key: client.keyPem } })).body.error.message).toMatch(/must be https/);
  });

  it('Basic: delivered with the credentials; a PATCH that changes the username keeps the password', async () => {
    const hook = await create({ url: `${basicReceiver.url}/basic`, auth: { type: 'basic', username: 'someone', password: SECRETS.password } });
    hooks.basic = hook.body.id;
    const patched = await api('PATCH', `/api/v1/admin/webhooks/${hook.body.id}`, { key: KEY, body: { auth: { type: 'basic', username: 'hookpost' } } });
    expect(patched.body.auth).toEqual({ type: 'basic', username: 'hookpost', password: { set_at: hook.body.created_at } });
    await publish(1);
    await basicReceiver.waitFor((r) => r.path === '/basic');
    expect(basicReceiver.received.filter((r) => r.path === '/basic').every((r) => basicOk(r.headers.authorization, SECRETS.password))).toBe(true);
  });

  it('the dashboard sets Basic credentials, shows only that they are set, and an edit keeps them', async () => {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await signIn(page);
    await page.getByRole('button', { name: 'New webhook' }).click();
    await page.getByLabel('URL').fill(`${basicReceiver.url}/from-dashboard`);
    await page.getByLabel('price.alert').check();
    await page.getByLabel('The receiver also wants').selectOption('basic');
    await page.getByLabel('Username').fill('hookpost');
    await page.getByLabel('Password', { exact: true }).fill(SECRETS.dashboardPassword);
    await page.getByRole('button', { name: 'Create webhook' }).click();
    await expect.poll(() => page.locator('#wf-status').textContent()).toMatch(/^Created /);
    const made = (await api('GET', '/api/v1/admin/webhooks', { key: KEY })).body.data.find((w: { url: string }) => w.url.endsWith('/from-dashboard'));
    expect(made.auth).toMatchObject({ type: 'basic', username: 'hookpost' });
    hooks.dashboard = made.id;
    await page.getByRole('button', { name: 'Close' }).click();
    await page.locator('#webhooks tr', { hasText: '/from-dashboard' }).getByRole('button').click();
    await expect.poll(() => page.locator('#detail-auth').textContent()).toMatch(/^Proves itself to the receiver with HTTP Basic credentials as hookpost \(password set .* UTC\)/);
    await page.getByRole('button', { name: 'Edit' }).click();
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('placeholder')).toMatch(/^Set .* UTC; leave empty to keep it$/);
    await page.getByLabel('Headers sent with every delivery').fill('X-Region: eu-2');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.locator('#detail-status').textContent()).toBe('Saved.');
    await publish(1);
    const [got] = await basicReceiver.waitFor((r) => r.path === '/from-dashboard');
    expect(basicOk(got!.headers.authorization, SECRETS.dashboardPassword)).toBe(true);
    expect(got!.headers['x-region']).toBe('eu-2');
    await page.close();
  }, 60_000);
});

const signIn = async (page: Page) => {
  await page.goto(`${runtime.url}/dashboard`);
  await page.getByLabel('API key').fill(KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.locator('#webhooks tr').count()).toBeGreaterThan(1);
};

const leaks = (text: string): string[] => {
  const values = [...Object.values(SECRETS), client.keyPem.split('\n')[1]!];
  return values.filter((v) => text.includes(v));
};

describe('credentials are write-only', () => {
  it('no answer of any read route, for the tenant, the platform or a portal session, holds a stored credential', async () => {
    // An ed25519 webhook with credentials too, for its key set's route.
    const ed = await create({ url: `${basicReceiver.url}/ed25519`, signature_scheme: 'ed25519', auth: { type: 'basic', username: 'hookpost', password: SECRETS.password } });
    hooks.ed25519 = ed.body.id;
    await api('POST', `/api/v1/admin/webhooks/${ed.body.id}/test`, { key: KEY });
    // Every webhook has had deliveries; a recovery gives the recovery route something to read.
    for (const id of Object.values(hooks)) await waitUntil(async () => (await deliveries(id))[0], 20_000, 'a delivery');
    // The tenant's account webhook too (seed 000), for its read route.
    expect((await api('POST', '/v1/webhooks/register', { key: KEY, body: { url: `${basicReceiver.url}/account` } })).status).toBeLessThan(300);
    const recovery = await api('POST', `/api/v1/admin/webhooks/${hooks.basic}/recover`, { key: KEY, body: { since: new Date(Date.now() - 3_600_000).toISOString() } });
    const portal = await api('POST', '/v1/tenants/acme/portal-sessions', { key: ADMIN });
    const session = (await api('POST', '/api/v1/portal/sessions', { body: { token: /#portal=(hpl_[\w-]{43})$/.exec(portal.body.url)![1] } })).body.session_token as string;
    // An erased tenant, for the erasure's route (its receipt holds no configuration at all).
    expect((await api('POST', '/v1/tenants', { key: ADMIN, body: { id: 'erased' } })).status).toBe(201);
    expect((await api('DELETE', '/v1/tenants/erased', { key: ADMIN })).status).toBe(202);
    const document = (await api('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const reads = Object.keys(document.paths).filter((p) => document.paths[p]!.get);
    const answered = new Set<string>();
    for (const path of reads) {
      for (const id of Object.values(hooks)) {
        const [first] = await deliveries(id);
        const concrete = path
          .replace('{tenant_id}', path.endsWith('/erasure') ? 'erased' : 'acme')
          .replace('{id}', id)
          .replace('{delivery_id}', first!.id)
          .replace('{event_id}', (await api('GET', `/api/v1/admin/webhooks/${id}/deliveries/${first!.id}`, { key: KEY })).body.event_id)
          .replace('{recovery_id}', recovery.body.id);
        for (const key of [KEY, ADMIN, session]) {
          const answer = await api('GET', concrete, { key });
          const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? '');
          expect(leaks(text), `${concrete} answered a credential`).toEqual([]);
          if (answer.status === 200) answered.add(path);
        }
      }
    }
    // Every read route was read at least once with something to show.
    expect(reads.filter((p) => !answered.has(p))).toEqual([]);
  }, 120_000);

  it('the portal\'s pages show none: the list, each webhook\'s detail, its edit form and its attempts', async () => {
    browser ??= await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await signIn(page);
    for (const id of Object.values(hooks)) {
      const url = (await api('GET', `/api/v1/admin/webhooks/${id}`, { key: KEY })).body.url as string;
      await page.locator('#webhooks tr', { hasText: url }).getByRole('button').click();
      await expect.poll(() => page.locator('#deliveries tr.delivery').count()).toBeGreaterThan(0);
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
      expect(leaks(await page.content())).toEqual([]);
      await page.getByRole('button', { name: 'Edit' }).click();
      const values = await page.locator('#webhook-form input, #webhook-form textarea').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value).join('\n'));
      expect(leaks(values + (await page.content()))).toEqual([]);
      await page.getByRole('button', { name: 'Cancel' }).click();
    }
    await page.close();
  }, 60_000);

  it('both tables hold them sealed only', async () => {
    const db = new DynamoDBClient({ ...DUMMY_AWS, endpoint: runtime.emulators.dynamodb });
    for (const table of ['hookpost-configs', 'hookpost-deliveries']) {
      const items = JSON.stringify((await db.send(new ScanCommand({ TableName: table }))).Items);
      expect(leaks(items), table).toEqual([]);
    }
  });
});
