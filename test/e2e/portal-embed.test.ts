/// <reference lib="dom" />
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { launchChromium } from '../support/browser';
import { apiClient } from '../support/client';
import { startTestRuntime } from '../support/service';

/**
 * The portal embedded (issue 29): a platform's page on another origin frames it; framed, it
 * shows no header or sign-out of its own, and tells its host, by postMessage to the allowed
 * origins only, its height, that a session started and ended, and that a webhook was created.
 */
const KEY = 'hpk_portal_embed_key_0123456789abcdef012';
const ADMIN = 'hpadmin_portal_embed_0123456789';
let runtime: LocalRuntime;
let host: Server;
let hostUrl: string;
let browser: Browser;
let api: ReturnType<typeof apiClient>['call'];

/** The platform's page: a frame for the portal, and every message it gets, with its origin. */
const HOST_PAGE = `<!doctype html><html><head><title>Acme settings</title></head><body><h1>Acme settings</h1>
<iframe id="portal" title="Webhooks" style="width:900px;height:500px;border:0"></iframe>
<script>window.got = []; window.addEventListener('message', (e) => window.got.push({ origin: e.origin, data: e.data }));</script></body></html>`;

beforeAll(async () => {
  host = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(HOST_PAGE));
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', () => r()));
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  runtime = await startTestRuntime('portal-embed', { apiKeys: [{ tenantId: 'acme', key: KEY }], adminKey: ADMIN, portal: { frameAncestors: hostUrl } });
  api = apiClient(runtime.url).call;
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  host?.close();
});

const framed = async (body: Record<string, unknown>) => {
  const link = await api('POST', '/v1/tenants/acme/portal-sessions', { key: ADMIN, body });
  expect(link.status).toBe(201);
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(hostUrl);
  await page.evaluate((url) => ((document.getElementById('portal') as HTMLIFrameElement).src = url), link.body.url);
  return { page, problems, frame: page.frameLocator('#portal') };
};
const messages = (page: Page) => page.evaluate(() => (window as unknown as { got: Array<{ origin: string; data: Record<string, unknown> }> }).got);
const types = async (page: Page) => (await messages(page)).map((m) => m.data.type);

describe('the portal framed by the platform\'s page', () => {
  it('shows no header or sign-out of its own, and posts its height, the session and a new webhook to its host', async () => {
    const { page, problems, frame } = await framed({});
    await expect.poll(() => types(page), { timeout: 15_000 }).toContain('hookpost:session.started');
    await expect.poll(() => frame.locator('#app').isVisible()).toBe(true);
    expect(await frame.locator('header').isVisible()).toBe(false);
    expect(await frame.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(false);
    const started = (await messages(page)).find((m) => m.data.type === 'hookpost:session.started')!;
    expect(started).toEqual({ origin: runtime.url, data: expect.objectContaining({ tenant_id: 'acme', read_only: false }) });
    const resize = (await messages(page)).find((m) => m.data.type === 'hookpost:resize');
    expect(resize?.data.height).toBeGreaterThan(100);

    await frame.getByRole('button', { name: 'New webhook' }).click();
    await frame.getByLabel('URL').fill('https://hooks.example.com/embedded');
    await frame.getByLabel('price.alert').check();
    await frame.getByRole('button', { name: 'Create webhook' }).click();
    await expect.poll(() => types(page)).toContain('hookpost:webhook.created');
    const created = (await messages(page)).find((m) => m.data.type === 'hookpost:webhook.created')!;
    const id = created.data.webhook_id as string;
    expect((await api('GET', `/api/v1/admin/webhooks/${id}`, { key: KEY })).body.url).toBe('https://hooks.example.com/embedded');
    // The form grew the page: the host heard of it, to size its frame.
    const heights = (await messages(page)).filter((m) => m.data.type === 'hookpost:resize').map((m) => m.data.height as number);
    expect(new Set(heights).size).toBeGreaterThan(1);
    expect((await messages(page)).every((m) => m.origin === runtime.url)).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('tells its host when the session ends', async () => {
    const { page, frame } = await framed({ ttl_seconds: 3, read_only: true });
    await expect.poll(() => types(page), { timeout: 15_000 }).toContain('hookpost:session.started');
    await expect.poll(() => types(page), { timeout: 15_000 }).toContain('hookpost:session.ended');
    expect((await messages(page)).find((m) => m.data.type === 'hookpost:session.ended')!.data).toEqual({ type: 'hookpost:session.ended', reason: 'ended' });
    expect(await frame.locator('#ended').isVisible()).toBe(true);
    await page.close();
  }, 30_000);

  it('not framed, it keeps its own header and posts nothing', async () => {
    const link = await api('POST', '/v1/tenants/acme/portal-sessions', { key: ADMIN, body: {} });
    const page = await browser.newPage();
    await page.goto(link.body.url);
    await expect.poll(() => page.locator('#app').isVisible()).toBe(true);
    expect(await page.locator('header').isVisible()).toBe(true);
    expect(await page.evaluate(() => document.body.classList.contains('embedded'))).toBe(false);
    await page.close();
  });
});
