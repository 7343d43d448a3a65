/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime } from '../support/service';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';

/**
 * The tenant dashboard in headless Chromium (Debian's, driven by playwright-core) against the
 * local runtime: sign in, webhooks, history, failed filter, retry one, retry a window, rotate,
 * test event, phone layout, and nothing kept after sign-out. `UPDATE_SCREENSHOT=1` rewrites
 * docs/dashboard.png for the README.
 */
const KEY = 'hpk_dashboard_key_0123456789abcdef01234567';
const ADMIN = 'hpadmin_dashboard_key_0123456789';
const ROOT = join(import.meta.dirname, '..', '..');

let runtime: LocalRuntime;
let receiver: Receiver;
let browser: Browser;
let api: ReturnType<typeof apiClient>['call'];
const ids: { ok?: string; failing?: string } = {};
const problems: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.respondWith((r) => (r.path === '/failing' ? { status: 503, body: '{"error":"maintenance"}' } : { status: 200, body: '{"received":true}' }));
  runtime = await startTestRuntime('dashboard', {
    apiKeys: [{ tenantId: 'acme', key: KEY }],
    adminKey: ADMIN,
    retrySchedule: [1],
  });
  api = apiClient(runtime.url).call;
  ids.ok = (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/ok`, events: ['price.alert', 'analysis.complete'], headers: { 'X-Receiver-Token': 'abc' }, timeout_seconds: 10 } })).body.id;
  ids.failing = (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/failing`, events: ['price.alert'] } })).body.id;
  for (let i = 0; i < 3; i++) await api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'acme', type: 'price.alert', data: { i } } });
  await waitUntil(async () => {
    const page = (await api('GET', `/api/v1/admin/webhooks/${ids.failing}/deliveries?status=failed`, { key: KEY })).body;
    return page.total === 3 ? true : undefined;
  }, 30_000, 'three failed deliveries');
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  await receiver?.close();
});

const open = async (viewport = { width: 1200, height: 900 }): Promise<Page> => {
  const page = await browser.newPage({ viewport });
  page.on('console', (m) => {
    if (m.type() === 'error' && !/401|Unauthorized|Failed to load resource/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${runtime.url}/dashboard`);
  return page;
};

const signIn = async (page: Page, key = KEY) => {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
};

describe('the tenant dashboard in headless Chromium', () => {
  it('refuses a wrong key, then shows the webhooks, the history with codes, times, retries and excerpts', async () => {
    const page = await open();
    await signIn(page, 'hpk_wrong');
    await expect.poll(() => page.getByRole('status').textContent()).toContain('not accepted');
    await signIn(page);
    await expect.poll(() => page.locator('#webhooks tr').count()).toBe(2);
    // A webhook whose every delivery fails says so in the list, with since when (UTC); the other does not.
    const since = (await api('GET', `/api/v1/admin/webhooks/${ids.failing}`, { key: KEY })).body.failing_since as string;
    expect(since).toMatch(/^\d{4}-/);
    const status = (url: string) => page.locator('#webhooks tr', { hasText: url }).locator('td[data-label="Status"]');
    expect(await status(`${receiver.url}/failing`).textContent()).toBe(`active, failing since ${since.slice(0, 16).replace('T', ' ')} UTC`);
    expect(await status(`${receiver.url}/failing`).getAttribute('class')).toBe('status-failing');
    expect(await status(`${receiver.url}/ok`).textContent()).toBe('active');
    await page.getByRole('button', { name: `Open ${receiver.url}/failing` }).click();
    await expect.poll(() => page.locator('#deliveries tr.delivery').count()).toBe(3);
    const row = page.locator('#deliveries tr.delivery').first();
    await expect.poll(() => row.locator('td[data-label="Status"]').textContent()).toBe('failed');
    expect(await row.locator('td[data-label="Code"]').textContent()).toBe('503');
    expect(await row.locator('td[data-label="Retries"]').textContent()).toBe('1');
    expect(await row.locator('td[data-label="Time"]').textContent()).toMatch(/^\d+ ms$/);
    await row.locator('summary').click();
    expect(await row.locator('pre').first().textContent()).toBe('{"error":"maintenance"}');
    expect(await page.locator('#detail-headers').isHidden()).toBe(true);
    await page.getByRole('button', { name: `Open ${receiver.url}/ok` }).click();
    await expect.poll(() => page.locator('#detail-headers').textContent()).toBe('Sent with every delivery: X-Receiver-Token: abc');
    expect(await page.locator('#detail-options').textContent()).toBe('Its own settings: a 10 s timeout.');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('filters failed deliveries, retries one, and retries a time window', async () => {
    const page = await open();
    await signIn(page);
    await page.getByRole('button', { name: `Open ${receiver.url}/ok` }).click();
    await expect.poll(() => page.locator('#deliveries tr.delivery').count()).toBe(3);
    await page.getByLabel('Failed only').check();
    await expect.poll(() => page.locator('#deliveries').textContent()).toContain('No failed deliveries.');

    await page.getByRole('button', { name: `Open ${receiver.url}/failing` }).click();
    await page.getByLabel('Failed only').check();
    await expect.poll(() => page.locator('#deliveries tr.delivery').count()).toBe(3);
    const before = receiver.received.filter((r) => r.path === '/failing').length;
    const retried = page.locator('#deliveries tr.delivery').first();
    const retriedId = await retried.getAttribute('data-id');
    await retried.getByRole('button', { name: /^Retry delivery/ }).click();
    // The answer is in the row of the delivery retried, not at the top of the page.
    const row = page.locator(`#deliveries tr[data-id="${retriedId}"]`);
    await expect.poll(() => row.getByRole('status').textContent()).toContain('Retry queued (attempt 3)');
    await receiver.waitFor((r) => r.path === '/failing', before + 1);

    await page.getByLabel('From (UTC)').fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Retry window' }).click();
    await expect.poll(() => page.locator('#recover-form').getByRole('status').textContent(), { timeout: 20_000 }).toMatch(/Recovery done: [23] of [23] failed deliveries re-sent/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('sends a test event and rotates the secret, showing the new one once', async () => {
    const page = await open();
    page.on('dialog', (d) => void d.accept());
    await signIn(page);
    await page.getByRole('button', { name: `Open ${receiver.url}/ok` }).click();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await expect.poll(() => page.locator('#secret-value').textContent()).toMatch(/^whsec_/);
    const secret = (await page.locator('#secret-value').textContent())!;
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.locator('#secret-value').textContent()).toBe('');

    await page.getByRole('button', { name: 'Send test event' }).click();
    const actions = page.locator('#detail').getByRole('status').first();
    await expect.poll(() => actions.textContent()).toMatch(/Test event evt_\w+ sent/);
    // Next to the button it answers.
    const [button, said] = [await page.getByRole('button', { name: 'Send test event' }).boundingBox(), await actions.boundingBox()];
    expect(Math.abs(said!.y - button!.y)).toBeLessThan(120);
    const eventId = /evt_\w+/.exec((await actions.textContent())!)![0];
    const [hit] = await receiver.waitFor((r) => r.path === '/ok' && r.body.toString().includes(eventId));
    expect(new Webhook(secret).verify(hit!.body.toString(), hit!.headers as Record<string, string>)).toMatchObject({ event: 'webhook.test' });

    if (process.env.UPDATE_SCREENSHOT) {
      mkdirSync(join(ROOT, 'docs'), { recursive: true });
      await page.getByRole('button', { name: `Open ${receiver.url}/failing` }).click();
      await expect.poll(() => page.locator('#deliveries tr.delivery').count()).toBeGreaterThan(0);
      await page.locator('#deliveries tr.delivery').first().locator('summary').click();
      await page.screenshot({ path: join(ROOT, 'docs', 'dashboard.png'), fullPage: true });
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('is usable on a phone: no sideways scrolling, tables stacked, every control named', async () => {
    const page = await open({ width: 375, height: 740 });
    await signIn(page);
    await page.getByRole('button', { name: `Open ${receiver.url}/failing` }).click();
    await expect.poll(() => page.locator('#deliveries tr.delivery').count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(await page.locator('#deliveries').evaluate((el) => getComputedStyle(el.closest('table')!.querySelector('thead')!).display)).toBe('none');
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll('button, input')]
        .filter((el) => (el as HTMLElement).offsetParent !== null)
        .filter((el) => {
          if (el instanceof HTMLInputElement) return !(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label');
          return !(el.textContent ?? '').trim() && !el.getAttribute('aria-label');
        })
        .map((el) => el.outerHTML),
    );
    expect(unnamed).toEqual([]);
    await page.close();
  });

  it('nothing overflows the page or a card at 360 and 390 px: history with attempts opened, a long URL listed, the webhook form, failures, an event', async () => {
    const long = (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/${'segment-without-breaks'.repeat(8)}?token=${'x'.repeat(60)}`, events: ['price.alert'] } })).body.id;
    const overflow = (page: Page, width: number) =>
      page.evaluate((w) => {
        const cards = [...document.querySelectorAll('.card')].filter((el) => (el as HTMLElement).offsetParent !== null);
        const wide = [...document.querySelectorAll('body *')]
          .filter((el) => (el as HTMLElement).offsetParent !== null)
          .filter((el) => el.getBoundingClientRect().right > w + 0.5)
          .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className} right=${Math.round(el.getBoundingClientRect().right)}`);
        // What inside a card is wider than its box (text overflows its element without widening it).
        const inner = cards.flatMap((c) => [...c.querySelectorAll('*')]).filter((el) => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0).map((el) => `${el.tagName}.${el.className}#${el.id} ${el.scrollWidth}/${el.clientWidth}`);
        return { page: document.documentElement.scrollWidth, cards: cards.filter((c) => c.scrollWidth > c.clientWidth).map((c) => c.id + ' ' + inner.join(', ')), wide: wide.slice(0, 5) };
      }, width);
    for (const width of [360, 390]) {
      const page = await open({ width, height: 800 });
      await signIn(page);
      await expect.poll(() => page.locator('#webhooks tr').count()).toBe(3);
      await page.getByRole('button', { name: `Open ${receiver.url}/failing` }).click();
      await expect.poll(() => page.locator('#deliveries tr.delivery').count()).toBeGreaterThan(0);
      for (const summary of await page.locator('#deliveries summary').all()) await summary.click();
      expect(await overflow(page, width), `history at ${width} px`).toEqual({ page: width, cards: [], wide: [] });
      await page.getByRole('button', { name: 'New webhook' }).click();
      expect(await overflow(page, width), `webhook form at ${width} px`).toEqual({ page: width, cards: [], wide: [] });
      await page.getByRole('button', { name: 'Failures' }).click();
      await expect.poll(() => page.locator('#failures tr.delivery').count()).toBeGreaterThan(0);
      for (const summary of await page.locator('#failures summary').all()) await summary.click();
      expect(await overflow(page, width), `failures at ${width} px`).toEqual({ page: width, cards: [], wide: [] });
      await page.locator('#failures').getByRole('button', { name: /^View event/ }).first().click();
      await expect.poll(() => page.locator('#event-deliveries tr.delivery').count()).toBeGreaterThan(0);
      for (const summary of await page.locator('#event-deliveries summary').all()) await summary.click();
      expect(await overflow(page, width), `event at ${width} px`).toEqual({ page: width, cards: [], wide: [] });
      await page.getByRole('button', { name: 'Event types' }).click();
      await expect.poll(() => page.locator('article.event-type').count()).toBeGreaterThan(0);
      for (const summary of await page.locator('#catalogue summary').all()) await summary.click();
      expect(await overflow(page, width), `event types at ${width} px`).toEqual({ page: width, cards: [], wide: [] });
      await page.getByRole('button', { name: 'Activity' }).click();
      await expect.poll(() => page.locator('#activity tr.audit-record').count()).toBeGreaterThan(0);
      expect(await overflow(page, width), `activity at ${width} px`).toEqual({ page: width, cards: [], wide: [] });
      await page.close();
    }
    await api('DELETE', `/api/v1/admin/webhooks/${long}`, { key: KEY });
  });

  it('offers a disabled webhook neither a test event nor retries, and says it is disabled', async () => {
    const hook = (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/paused`, events: ['price.alert'] } })).body.id;
    await api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'acme', type: 'price.alert', data: { paused: true } } });
    await waitUntil(async () => (await api('GET', `/api/v1/admin/webhooks/${hook}/deliveries`, { key: KEY })).body.data[0], 20_000);
    await api('PATCH', `/api/v1/admin/webhooks/${hook}`, { key: KEY, body: { status: 'disabled' } });
    const page = await open();
    try {
      await signIn(page);
      await page.getByRole('button', { name: `Open ${receiver.url}/paused` }).click();
      await expect.poll(() => page.locator('#deliveries tr.delivery').count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Send test event' }).isVisible()).toBe(false);
      expect(await page.locator('#deliveries button').first().isDisabled()).toBe(true);
      expect(await page.locator('#detail-disabled').textContent()).toContain('This webhook is disabled');
      await page.getByRole('button', { name: `Open ${receiver.url}/ok` }).click();
      await expect.poll(() => page.getByRole('button', { name: 'Send test event' }).isVisible()).toBe(true);
      expect(await page.locator('#detail-disabled').isHidden()).toBe(true);
    } finally {
      await api('DELETE', `/api/v1/admin/webhooks/${hook}`, { key: KEY });
      await page.close();
    }
  });

  it('takes a recovery window in UTC, the zone of every time it shows (on hover beside "3 min ago"), whatever the browser\'s', async () => {
    const page = await browser.newPage({ timezoneId: 'America/New_York' });
    await page.goto(`${runtime.url}/dashboard`);
    await signIn(page);
    await page.getByRole('button', { name: `Open ${receiver.url}/failing` }).click();
    await expect.poll(() => page.locator('#deliveries tr.delivery').count()).toBeGreaterThan(0);
    // "3 min ago", with the UTC time on hover and in its datetime.
    const shown = page.locator('#deliveries tr.delivery td[data-label="Event"] time').first();
    expect(await shown.textContent()).toMatch(/^(just now|\d+ (min|h|d) ago)$/);
    expect(await shown.getAttribute('title')).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    expect(await shown.getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const sent = page.waitForRequest((r) => r.url().endsWith('/recover') && r.method() === 'POST');
    await page.getByLabel('From (UTC)').fill('2026-01-02T03:04');
    await page.getByLabel(/^To \(UTC/).fill('2026-01-02T05:06');
    await page.getByRole('button', { name: 'Retry window' }).click();
    expect(JSON.parse((await sent).postData()!)).toEqual({ since: '2026-01-02T03:04:00.000Z', until: '2026-01-02T05:06:00.000Z' });
    await page.close();
  });

  it('keeps nothing in storage after sign-out', async () => {
    const page = await open();
    await signIn(page);
    await expect.poll(() => page.locator('#webhooks tr').count()).toBe(2);
    expect(await page.evaluate(() => localStorage.length)).toBe(0); // never localStorage
    await page.getByRole('button', { name: 'Sign out' }).click();
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
    expect(stored).not.toContain(KEY);
    expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
    expect(await page.getByLabel('API key').isVisible()).toBe(true);
    await page.reload();
    expect(await page.getByLabel('API key').isVisible()).toBe(true); // a reload does not sign back in
    await page.close();
  });
});
