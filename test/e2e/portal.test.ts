/// <reference lib="dom" />
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient } from '../support/client';
import { startTestRuntime } from '../support/service';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DUMMY_AWS } from '../../local/emulators';

/**
 * Portal sessions: the platform asks for a short-lived link for one tenant and hands it over;
 * the dashboard opens it once (the token only ever in the fragment, then in memory), scoped to
 * that tenant, read-only if asked, signed out when it ends. Through the API, and in Chromium.
 */
const KEY = 'hpk_portal_test_key_0123456789abcdef0123';
const ADMIN = 'hpadmin_portal_test_0123456789';
let runtime: LocalRuntime;
let api: ReturnType<typeof apiClient>['call'];
let browser: Browser;

beforeAll(async () => {
  runtime = await startTestRuntime('portal', {
    apiKeys: [{ tenantId: 'acme', key: KEY }, { tenantId: 'other', key: 'hpk_portal_other_key_0123456789abcdef01' }],
    adminKey: ADMIN,
    portal: { frameAncestors: 'https://app.example.com', productName: 'Acme Cloud', accentColor: '#7c3aed', colorScheme: 'dark', fontFamily: 'Georgia, serif', radiusPx: 3 },
  });
  api = apiClient(runtime.url).call;
  await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: 'https://hooks.example.com/acme', events: ['price.alert'] } });
  await api('POST', '/api/v1/admin/webhooks', { key: 'hpk_portal_other_key_0123456789abcdef01', body: { url: 'https://hooks.example.com/other', events: ['price.alert'] } });
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

const link = async (tenant: string, body?: Record<string, unknown>) => api('POST', `/v1/tenants/${tenant}/portal-sessions`, { key: ADMIN, ...(body ? { body } : {}) });
const tokenOf = (url: string) => /#portal=(hpl_[A-Za-z0-9_-]{43})$/.exec(url)![1]!;
const open = (token: string) => api('POST', '/api/v1/portal/sessions', { body: { token } });

describe('portal sessions through the API', () => {
  it('a link opens once, for its tenant only, and API keys keep working', async () => {
    const created = await link('acme');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'portal_session', tenant_id: 'acme', read_only: false, url: expect.stringMatching(new RegExp(`^${runtime.url}/dashboard#portal=hpl_`)) });
    expect(Date.parse(created.body.expires_at) - Date.now()).toBeGreaterThan(3_500_000);
    const token = tokenOf(created.body.url);
    const session = await open(token);
    expect(session.status).toBe(201);
    expect(session.body).toMatchObject({ tenant_id: 'acme', read_only: false, session_token: expect.stringMatching(/^hps_/), expires_at: created.body.expires_at });
    const again = await open(token);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'portal_link_used', message: expect.stringContaining('opened already') });
    const hooks = await api('GET', '/api/v1/admin/webhooks', { key: session.body.session_token });
    expect(hooks.body.data.map((w: { url: string }) => w.url)).toEqual(['https://hooks.example.com/acme']);
    expect((await api('GET', '/api/v1/admin/webhooks', { key: KEY })).status).toBe(200);
    // Only hashes are stored: neither the link's token nor the session's is in the table.
    const items = JSON.stringify((await new DynamoDBClient({ ...DUMMY_AWS, endpoint: runtime.emulators.dynamodb }).send(new ScanCommand({ TableName: 'hookpost-configs' }))).Items);
    expect(items).not.toContain(token);
    expect(items).not.toContain(session.body.session_token);
  });

  it('a read-only session reads and cannot change anything; a session ends when its link said', async () => {
    const readOnly = await open(tokenOf((await link('acme', { read_only: true })).body.url));
    expect(readOnly.body.read_only).toBe(true);
    const as = { key: readOnly.body.session_token };
    const [hook] = (await api('GET', '/api/v1/admin/webhooks', as)).body.data;
    expect((await api('GET', `/api/v1/admin/webhooks/${hook.id}/deliveries`, as)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/api/v1/admin/webhooks', { url: 'https://hooks.example.com/new', events: ['price.alert'] }],
      ['PATCH', `/api/v1/admin/webhooks/${hook.id}`, { status: 'disabled' }],
      ['DELETE', `/api/v1/admin/webhooks/${hook.id}`, undefined],
      ['POST', `/api/v1/admin/webhooks/${hook.id}/rotate-secret`, {}],
    ] as const) {
      const res = await api(method, path, { ...as, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('read_only_session');
    }
    expect((await api('GET', `/api/v1/admin/webhooks/${hook.id}`, { key: KEY })).body.status).toBe('active');

    const short = await open(tokenOf((await link('acme', { ttl_seconds: 1 })).body.url));
    expect((await api('GET', '/api/v1/admin/webhooks', { key: short.body.session_token })).status).toBe(200);
    const unopened = tokenOf((await link('acme', { ttl_seconds: 1 })).body.url);
    await new Promise((r) => setTimeout(r, 1_200));
    const ended = await api('GET', '/api/v1/admin/webhooks', { key: short.body.session_token });
    expect(ended.status).toBe(401);
    expect(ended.body.error.code).toBe('session_expired');
    expect((await open(unopened)).body.error.code).toBe('portal_link_expired');
  });

  it('refuses an unknown tenant, a bad ttl, a malformed or unknown token, each with a clear 4xx', async () => {
    expect((await link('nobody')).status).toBe(404);
    for (const body of [{ ttl_seconds: 0 }, { ttl_seconds: 86_401 }, { read_only: 'yes' }, { scope: 'all' }]) {
      const res = await link('acme', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await open('not-a-token')).status).toBe(400);
    expect((await open(`hpl_${'A'.repeat(43)}`)).status).toBe(404);
  });
});

describe('the portal in Chromium', () => {
  it('opens a link once: signed in as the tenant with the token gone from the address and from storage; a second opening is refused with a clear page', async () => {
    const { url } = (await link('acme')).body;
    const page = await browser.newPage();
    await page.goto(url);
    await expect.poll(() => page.locator('#webhooks').textContent(), { timeout: 10_000 }).toContain('https://hooks.example.com/acme');
    expect(await page.locator('#webhooks').textContent()).not.toContain('/other');
    expect(page.url()).toBe(`${runtime.url}/dashboard`);
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }))).toBe('{}{}');
    expect(await page.locator('#session').textContent()).toMatch(/^Session until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    expect(await page.locator('h1').textContent()).toBe('Acme Cloud webhooks');
    const second = await browser.newPage();
    await second.goto(url);
    await expect.poll(() => second.locator('#ended-title').textContent()).toBe('This link cannot be opened');
    expect(await second.locator('#ended-text').textContent()).toContain('opened already');
    expect(await second.locator('#signin').isHidden()).toBe(true);
    await page.close();
    await second.close();
  });

  it('a read-only session shows no control that changes anything; an ended session signs out', async () => {
    const { url } = (await link('acme', { read_only: true, ttl_seconds: 4 })).body;
    const page = await browser.newPage();
    await page.goto(url);
    await expect.poll(() => page.locator('#webhooks').textContent(), { timeout: 10_000 }).toContain('hooks.example.com/acme');
    await page.getByRole('button', { name: /^Open / }).first().click();
    await expect.poll(() => page.locator('#detail').isVisible()).toBe(true);
    for (const name of ['Send test event', 'Rotate secret', 'Retry window', 'New webhook', 'Edit', 'Disable', 'Delete']) expect(await page.getByRole('button', { name, exact: true }).isVisible(), name).toBe(false);
    for (const name of ['Refresh', 'Failures', 'Find an event']) expect(await page.getByRole('button', { name, exact: true }).isVisible(), name).toBe(true);
    await expect.poll(() => page.locator('#ended-text').textContent(), { timeout: 10_000 }).toContain('Your session has ended');
    expect(await page.locator('#app').isHidden()).toBe(true);
    await page.close();
  });

  it('the page may be framed by the allowed origin only, and carries the platform\'s brand', async () => {
    const res = await fetch(`${runtime.url}/dashboard`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain('frame-ancestors https://app.example.com');
    expect(res.headers.get('x-frame-options')).toBeNull();
    const html = await res.text();
    expect(html).toContain('<title>Acme Cloud webhooks</title>');
    expect(html).toContain(':root{--accent:#7c3aed;--font:Georgia, serif;--radius:3px}');
    expect(html).toContain('<html lang="en" data-scheme="dark">');
  });

  it('the stack\'s colours, fonts and radius apply under the page\'s own CSP, and a link\'s theme goes over them', async () => {
    const problems: string[] = [];
    const open = async (url: string) => {
      const p = await browser.newPage();
      p.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      await p.goto(url);
      return p;
    };
    let page = await open(`${runtime.url}/dashboard`);
    const looks = () => page.evaluate(() => ({ background: getComputedStyle(document.body).backgroundColor, font: getComputedStyle(document.body).fontFamily, radius: getComputedStyle(document.querySelector('button')!).borderRadius }));
    expect(await looks()).toEqual({ background: 'rgb(13, 17, 23)', font: 'Georgia, serif', radius: '3px' });
    const themed = await link('acme', { theme: { color_scheme: 'light', radius_px: 10 } });
    await page.close();
    page = await open(themed.body.url);
    await expect.poll(() => page.locator('#app').isVisible()).toBe(true);
    expect(await looks()).toEqual({ background: 'rgb(255, 255, 255)', font: 'Georgia, serif', radius: '10px' });
    expect(problems.filter((p) => /Content Security Policy/.test(p))).toEqual([]);
    await page.close();
  });
});
