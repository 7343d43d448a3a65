/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type RouteSpec } from '../../lambdas/shared/http/routes';
import type { LocalRuntime } from '../../local/runtime';
import { launchChromium } from '../support/browser';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/**
 * Capability-scoped portal links (issue 29): the platform grants a link some of
 * manage_webhooks, rotate_secrets, retry, erase_payloads, and may limit it to listed webhooks
 * and event types. The API refuses what a session was not granted, on every route; the page
 * offers only what it was.
 */
const KEY = 'hpk_portal_scopes_key_0123456789abcdef01';
const ADMIN = 'hpadmin_portal_scopes_0123456789';
let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];
let browser: Browser | undefined;
const hooks: Record<string, string> = {};

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.respondWith((r) => ({ status: r.path.startsWith('/fail') ? 500 : 200 }));
  runtime = await startTestRuntime('portal-scopes', { apiKeys: [{ tenantId: 'acme', key: KEY }], adminKey: ADMIN, retrySchedule: [3600] });
  api = apiClient(runtime.url).call;
  for (const [name, events] of [['mine', ['price.alert']], ['theirs', ['price.alert']], ['fail', ['list.analyzed']]] as const) {
    const res = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/${name}`, events } });
    expect(res.status).toBe(201);
    hooks[name] = res.body.id;
  }
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  await receiver?.close();
});

const session = async (scope: Record<string, unknown>) => {
  const link = await api('POST', '/v1/tenants/acme/portal-sessions', { key: ADMIN, body: scope });
  expect(link.status, JSON.stringify(link.body)).toBe(201);
  const opened = await api('POST', '/api/v1/portal/sessions', { body: { token: /#portal=(.+)$/.exec(link.body.url)![1] } });
  expect(opened.status).toBe(201);
  return { link: link.body, session: opened.body, token: opened.body.session_token as string };
};

describe('capability-scoped portal links through the API', () => {
  it('every tenant route that changes something names the capability it asks for', () => {
    const changing: readonly RouteSpec[] = ROUTES.filter((r) => r.auth === 'tenant' && r.method !== 'GET');
    expect(changing.length).toBeGreaterThan(10);
    expect(changing.filter((r) => !r.capability).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('a link says what it grants; the session it opens says the same', async () => {
    const scoped = await session({ capabilities: ['retry'], webhook_ids: [hooks.mine], event_types: ['price.alert'] });
    for (const answer of [scoped.link, scoped.session]) expect(answer).toMatchObject({ read_only: false, capabilities: ['retry'], webhook_ids: [hooks.mine], event_types: ['price.alert'] });
    const full = await session({});
    expect(full.session).toMatchObject({ read_only: false, capabilities: ['manage_webhooks', 'rotate_secrets', 'retry', 'erase_payloads'], webhook_ids: null, event_types: null });
    expect((await session({ read_only: true })).session).toMatchObject({ read_only: true, capabilities: [] });
    expect((await session({ capabilities: [] })).session).toMatchObject({ read_only: true, capabilities: [] });
  });

  it('refuses, on the API, each change a session was not granted, and a retry-only session retries', async () => {
    const { token } = await session({ capabilities: ['retry'] });
    const refused = async (method: string, path: string, body?: unknown) => {
      const res = await api(method, path, { key: token, ...(body !== undefined ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code, `${method} ${path}`).toBe('capability_not_granted');
      return res;
    };
    expect((await refused('POST', '/api/v1/admin/webhooks', { url: `${receiver.url}/new`, events: ['price.alert'] })).body.error.message).toContain('manage_webhooks');
    await refused('PATCH', `/api/v1/admin/webhooks/${hooks.mine}`, { status: 'disabled' });
    await refused('DELETE', `/api/v1/admin/webhooks/${hooks.mine}`);
    await refused('POST', `/api/v1/admin/webhooks/${hooks.mine}/test`, {});
    await refused('POST', `/api/v1/admin/webhooks/${hooks.mine}/rotate-secret`, {});
    await refused('POST', '/v1/webhooks/register', { url: `${receiver.url}/account` });
    await refused('DELETE', '/api/v1/admin/events/evt_01jzzzzzzzzzzzzzzzzzzzzzzz/data');
    // Nothing changed.
    expect((await api('GET', `/api/v1/admin/webhooks/${hooks.mine}`, { key: KEY })).body.status).toBe('active');
    expect((await api('GET', '/api/v1/admin/webhooks', { key: KEY })).body.data).toHaveLength(3);
    // What it was granted: a failed delivery retried, a recovery started; and reading.
    expect((await api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'acme', type: 'list.analyzed', data: { n: 1 } } })).status).toBe(202);
    const waiting = await waitUntil(async () => (await api('GET', `/api/v1/admin/webhooks/${hooks.fail}/deliveries`, { key: token })).body.data[0], 20_000, 'a delivery that failed once');
    expect((await api('POST', `/api/v1/admin/webhooks/${hooks.fail}/deliveries/${waiting.id}/retry`, { key: token })).status).toBe(202);
    expect((await api('POST', `/api/v1/admin/webhooks/${hooks.fail}/recover`, { key: token, body: { since: '2020-01-01T00:00:00Z' } })).status).toBe(202);
  });

  it('a session limited to listed webhooks sees and acts on those alone, and creates none', async () => {
    const { token } = await session({ webhook_ids: [hooks.mine] });
    expect((await api('GET', '/api/v1/admin/webhooks', { key: token })).body.data.map((w: { id: string }) => w.id)).toEqual([hooks.mine]);
    expect((await api('GET', `/api/v1/admin/webhooks/${hooks.theirs}`, { key: token })).status).toBe(404);
    expect((await api('PATCH', `/api/v1/admin/webhooks/${hooks.theirs}`, { key: token, body: { status: 'disabled' } })).status).toBe(404);
    expect((await api('GET', `/api/v1/admin/webhooks/${hooks.theirs}/deliveries`, { key: token })).status).toBe(404);
    const create = await api('POST', '/api/v1/admin/webhooks', { key: token, body: { url: `${receiver.url}/new`, events: ['price.alert'] } });
    expect([create.status, create.body.error.code]).toEqual([403, 'scope_limited']);
    expect((await api('GET', '/v1/webhooks', { key: token })).body.error.code).toBe('scope_limited');
    // An event delivered to both: the session sees its own webhook's delivery only.
    const published = await api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'acme', type: 'price.alert', data: { p: 1 } } });
    await receiver.waitFor((r) => r.path === '/theirs');
    const found = await waitUntil(async () => {
      const res = await api('GET', `/api/v1/admin/events/${published.body.id}`, { key: token });
      return res.status === 200 ? res.body : undefined;
    }, 20_000, 'the event');
    expect(found.deliveries.map((d: { webhook_id: string }) => d.webhook_id)).toEqual([hooks.mine]);
    // Its own webhook it may change (manage_webhooks by default), and the trail shows only its records.
    expect((await api('PATCH', `/api/v1/admin/webhooks/${hooks.mine}`, { key: token, body: { timeout_seconds: 5 } })).status).toBe(200);
    const trail = (await api('GET', '/api/v1/admin/audit-log', { key: token })).body.data as Array<{ webhook_id: string | null }>;
    expect(trail.length).toBeGreaterThan(0);
    expect(trail.every((r) => r.webhook_id === hooks.mine)).toBe(true);
  });

  it('a session limited to event types subscribes webhooks to those alone', async () => {
    const { token } = await session({ capabilities: ['manage_webhooks'], event_types: ['price.alert'] });
    const beyond = await api('POST', '/api/v1/admin/webhooks', { key: token, body: { url: `${receiver.url}/typed`, events: ['price.alert', 'list.analyzed'] } });
    expect([beyond.status, beyond.body.error.code]).toEqual([403, 'scope_limited']);
    expect(beyond.body.error.message).toContain('list.analyzed');
    // The account webhook without event_types would take every type.
    const every = await api('POST', '/v1/webhooks/register', { key: token, body: { url: `${receiver.url}/typed` } });
    expect([every.status, every.body.error.code]).toEqual([403, 'scope_limited']);
    const within = await api('POST', '/api/v1/admin/webhooks', { key: token, body: { url: `${receiver.url}/typed`, events: ['price.alert'] } });
    expect(within.status).toBe(201);
    expect((await api('PATCH', `/api/v1/admin/webhooks/${within.body.id}`, { key: token, body: { events: ['list.analyzed'] } })).status).toBe(403);
    expect((await api('POST', `/api/v1/admin/webhooks/${within.body.id}/test`, { key: token, body: { event_type: 'list.analyzed' } })).status).toBe(403);
    expect((await api('DELETE', `/api/v1/admin/webhooks/${within.body.id}`, { key: token })).status).toBe(204);
  });

  it('refuses a bad scope with a clear 400, and writes no link', async () => {
    const bad = async (body: Record<string, unknown>, code: string) => {
      const res = await api('POST', '/v1/tenants/acme/portal-sessions', { key: ADMIN, body });
      expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([400, code]);
    };
    await bad({ capabilities: ['everything'] }, 'validation_error');
    await bad({ capabilities: ['retry', 'retry'] }, 'validation_error');
    await bad({ read_only: true, capabilities: ['retry'] }, 'validation_error');
    await bad({ webhook_ids: [] }, 'validation_error');
    await bad({ webhook_ids: ['wh_01jzzzzzzzzzzzzzzzzzzzzzzz'] }, 'unknown_webhook');
    await bad({ event_types: ['no.such.type'] }, 'unknown_event_type');
    // A theme is data, never CSS: a value that could close a declaration is refused.
    await bad({ theme: { color_scheme: 'sepia' } }, 'validation_error');
    await bad({ theme: { font_family: 'x;}body{display:none' } }, 'validation_error');
    await bad({ theme: { radius_px: 99 } }, 'validation_error');
    await bad({ theme: { accent_color: 'red' } }, 'validation_error');
  });
});

describe('a scoped session in Chromium', () => {
  it('offers only what the link grants: a retry-only session has no create, edit, delete, rotate or test control', async () => {
    browser ??= await launchChromium();
    const link = await api('POST', '/v1/tenants/acme/portal-sessions', { key: ADMIN, body: { capabilities: ['retry'] } });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(link.body.url);
    await expect.poll(() => page.locator('#webhooks').textContent()).toContain(`${receiver.url}/mine`);
    expect(await page.getByRole('button', { name: 'New webhook' }).isVisible()).toBe(false);
    await page.getByRole('button', { name: `Open ${receiver.url}/fail` }).click();
    await expect.poll(() => page.locator('#deliveries tr.delivery').count()).toBeGreaterThan(0);
    for (const name of ['Edit', 'Delete', 'Rotate secret', 'Send test event', 'Disable']) expect(await page.getByRole('button', { name, exact: true }).isVisible(), name).toBe(false);
    expect(await page.locator('#recover-form').isVisible()).toBe(true);
    expect(await page.locator('#deliveries').getByRole('button', { name: /^Retry delivery/ }).first().isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });
});
