/// <reference lib="dom" />
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/**
 * The dashboard and the portal checked with axe-core in Chromium: no violation of serious or
 * critical impact on the sign-in page, the webhooks and history (attempts opened), the webhook
 * form, the failures of every webhook, an event found by id, a read-only
 * portal session and a refused link. axe is injected into the page (the page's CSP admits only
 * its own script, so this context bypasses CSP for the scanner alone).
 */
const KEY = 'hpk_a11y_test_key_0123456789abcdef01234';
const ADMIN = 'hpadmin_a11y_test_0123456789';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let runtime: LocalRuntime;
let receiver: Receiver;
let browser: Browser;

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.respondWith((r) => (r.path === '/down' ? { status: 503, body: 'maintenance' } : { status: 200 }));
  runtime = await startTestRuntime('a11y', { apiKeys: [{ tenantId: 'acme', key: KEY }], adminKey: ADMIN, retrySchedule: [1] });
  const api = apiClient(runtime.url).call;
  const hook = (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/down`, events: ['price.alert'] } })).body.id;
  await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/up`, events: ['price.alert'], rate_limit_per_second: 5 } });
  await api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'acme', type: 'price.alert', data: {} } });
  await waitUntil(async () => (await api('GET', `/api/v1/admin/webhooks/${hook}/deliveries?status=failed`, { key: KEY })).body.data[0], 20_000);
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  await receiver?.close();
});

const serious = async (page: Page) => {
  await page.addScriptTag({ path: AXE });
  const results = await page.evaluate(async () => (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe.run({ resultTypes: ['violations'] }));
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
};

describe('accessibility (axe-core, serious and critical)', () => {
  it('sign-in, webhooks, history with attempts opened, on a desktop and a phone', async () => {
    for (const viewport of [{ width: 1200, height: 900 }, { width: 360, height: 800 }]) {
      const context = await browser.newContext({ viewport, bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${runtime.url}/dashboard`);
      expect(await serious(page), `sign-in at ${viewport.width}`).toEqual([]);
      await page.getByLabel('API key').fill(KEY);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: `Open ${receiver.url}/down` }).click();
      await expect.poll(() => page.locator('#deliveries tr.delivery').count()).toBeGreaterThan(0);
      for (const summary of await page.locator('#deliveries summary').all()) await summary.click();
      expect(await serious(page), `history at ${viewport.width}`).toEqual([]);
      await page.getByRole('button', { name: 'New webhook' }).click();
      expect(await serious(page), `webhook form at ${viewport.width}`).toEqual([]);
      await page.getByRole('button', { name: 'Failures' }).click();
      await expect.poll(() => page.locator('#failures tr.delivery').count()).toBeGreaterThan(0);
      expect(await serious(page), `failures at ${viewport.width}`).toEqual([]);
      await page.locator('#failures').getByRole('button', { name: /^View event/ }).first().click();
      await expect.poll(() => page.locator('#event-deliveries tr.delivery').count()).toBeGreaterThan(0);
      for (const summary of await page.locator('#event-deliveries summary').all()) await summary.click();
      expect(await serious(page), `event at ${viewport.width}`).toEqual([]);
      await page.getByRole('button', { name: 'Event types' }).click();
      await expect.poll(() => page.locator('article.event-type').count()).toBeGreaterThan(0);
      for (const summary of await page.locator('#catalogue summary').all()) await summary.click();
      expect(await serious(page), `event types at ${viewport.width}`).toEqual([]);
      await page.getByRole('button', { name: 'Activity' }).click();
      await expect.poll(() => page.locator('#activity tr.audit-record').count()).toBeGreaterThan(0);
      expect(await serious(page), `activity at ${viewport.width}`).toEqual([]);
      await context.close();
    }
  });

  it('a portal link themed dark, its own accent, font and radius: applied, and still clean', async () => {
    const api = apiClient(runtime.url).call;
    const theme = { color_scheme: 'dark', accent_color: '#7C3AED', font_family: 'Georgia, serif', radius_px: 0 };
    expect((await api('POST', '/v1/tenants/acme/portal-sessions', { key: ADMIN, body: { theme } })).body.theme).toEqual({ ...theme, accent_color: '#7c3aed' });
    for (const viewport of [{ width: 1200, height: 900 }, { width: 360, height: 800 }]) {
    const link = (await api('POST', '/v1/tenants/acme/portal-sessions', { key: ADMIN, body: { theme } })).body;
    const context = await browser.newContext({ viewport, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(link.url);
    await page.getByRole('button', { name: `Open ${receiver.url}/down` }).click();
    await expect.poll(() => page.locator('#deliveries tr.delivery').count()).toBeGreaterThan(0);
    const looks = await page.evaluate(() => {
      const body = getComputedStyle(document.body);
      const button = getComputedStyle(document.querySelector('button')!);
      return { background: body.backgroundColor, font: body.fontFamily, radius: button.borderRadius, accent: getComputedStyle(document.documentElement).getPropertyValue('--accent') };
    });
    expect(looks).toEqual({ background: 'rgb(13, 17, 23)', font: 'Georgia, serif', radius: '0px', accent: '#7c3aed' });
    expect(await serious(page), `dark history at ${viewport.width}`).toEqual([]);
    await page.getByRole('button', { name: 'Failures' }).click();
    await expect.poll(() => page.locator('#failures tr.delivery').count()).toBeGreaterThan(0);
    expect(await serious(page), `dark failures at ${viewport.width}`).toEqual([]);
    await context.close();
    }
  });

  it('a read-only portal session and a refused link', async () => {
    const api = apiClient(runtime.url).call;
    const { url } = (await api('POST', '/v1/tenants/acme/portal-sessions', { key: ADMIN, body: { read_only: true } })).body;
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(url);
    await expect.poll(() => page.locator('#webhooks tr').count()).toBe(2);
    expect(await serious(page), 'read-only session').toEqual([]);
    const again = await context.newPage();
    await again.goto(url);
    await expect.poll(() => again.locator('#ended-title').textContent()).toBe('This link cannot be opened');
    expect(await serious(again), 'refused link').toEqual([]);
    await context.close();
  });
});
