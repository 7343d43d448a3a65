import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { freePort, kill9, startService } from '../support/service';

const KEY = 'hpk_crash_test_key_0123456789abcdef';
const ADMIN = 'hpadmin_crash_test_0123456789';

let receiver: Receiver;
let child: ChildProcess | undefined;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  if (child) await kill9(child);
  await receiver.close();
});

const service = async (port: number, dataDir: string, extra: Record<string, string> = {}) =>
  startService({
    HOOKPOST_PORT: String(port),
    HOOKPOST_DATA_DIR: dataDir,
    HOOKPOST_API_KEYS: `acme:${KEY}`,
    HOOKPOST_ADMIN_KEY: ADMIN,
    ...extra,
  });

describe('kill -9', () => {
  it('loses nothing acknowledged: every accepted event is delivered and recorded after a restart', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'hookpost-crash-'));
    child = await service(port, dataDir);
    const api = apiClient(`http://127.0.0.1:${port}`).call;
    const hook = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/crash`, events: ['price.alert'] } });
    expect(hook.status).toBe(201);

    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'acme', type: 'price.alert', data: { i } } });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    await kill9(child);

    child = await service(port, dataDir);
    expect((await api('GET', `/api/v1/admin/webhooks/${hook.body.id}`, { key: KEY })).status).toBe(200);
    const history = await waitUntil(
      async () => {
        const res = await api('GET', `/api/v1/admin/webhooks/${hook.body.id}/deliveries?limit=100`, { key: KEY });
        // The page and the total are two reads of a live history: wait for the page itself.
        return res.body.data.length === ids.length ? res.body : undefined;
      },
      90_000,
      'every event to be delivered and recorded',
    );
    expect(new Set(history.data.map((d: { event_id: string }) => d.event_id))).toEqual(new Set(ids));
    expect(history.data.every((d: { status: string }) => d.status === 'succeeded')).toBe(true);
    const receivedIds = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    for (const id of ids) expect(receivedIds.has(id)).toBe(true);
    await kill9(child);
    child = undefined;
  }, 150_000);

  it('under faults: hundreds of events, a third of attempts failing, killed mid-run: every event ends delivered or failed after six attempts', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'hookpost-faults-'));
    const env = { HOOKPOST_RETRY_SCHEDULE: '1,2,3,4,5' };
    child = await service(port, dataDir, env);
    const api = apiClient(`http://127.0.0.1:${port}`).call;
    let n = 0;
    receiver.respondWith((r) => (r.path === '/flaky' && ++n % 3 === 0 ? { status: 500, body: 'flaky' } : { status: 200, body: 'ok' }));
    const hook = (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/flaky`, events: ['bulk.completed'] } })).body.id;

    const ids: string[] = [];
    const publishRange = async (from: number, to: number) => {
      const batch = [];
      for (let i = from; i < to; i++) batch.push({ tenant_id: 'acme', type: 'bulk.completed', data: { i } });
      const res = await api('POST', '/v1/events/batch', { key: ADMIN, body: { events: batch } });
      expect(res.status).toBe(202);
      ids.push(...res.body.data.map((e: { id: string }) => e.id));
    };
    await publishRange(0, 100);
    await publishRange(100, 200);
    await new Promise((r) => setTimeout(r, 1500)); // deliveries and retries under way
    await kill9(child);
    child = await service(port, dataDir, env);
    await publishRange(200, 300);

    const final = await waitUntil(
      async () => {
        // The whole history, a page of 100 at a time with starting_after.
        const all: Array<Record<string, any>> = [];
        let next: string | null = null;
        do {
          const res = await api('GET', `/api/v1/admin/webhooks/${hook}/deliveries?limit=100${next ? `&starting_after=${next}` : ''}`, { key: KEY });
          all.push(...res.body.data);
          next = res.body.has_more ? res.body.next_starting_after : null;
        } while (next);
        if (all.length !== ids.length) return undefined; // a live history: wait for every delivery
        return all.every((d) => d.status === 'succeeded' || d.status === 'failed') ? all : undefined;
      },
      150_000,
      'every delivery to settle',
    );
    expect(new Set(final.map((d) => d.event_id))).toEqual(new Set(ids));
    for (const d of final) {
      expect(d.attempts.map((a: { number: number }) => a.number)).toEqual(d.attempts.map((_: unknown, i: number) => i + 1));
      if (d.status === 'failed') expect(d.attempts).toHaveLength(6);
      else expect(d.attempts.at(-1).status_code).toBe(200);
    }
    expect(final.some((d) => d.retry_count > 0)).toBe(true);
    await kill9(child);
    child = undefined;
  }, 240_000);

  it('receivers slower than the retry steps, killed mid-run: every delivery still ends failed after six attempts, none stranded', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'hookpost-slow-'));
    const env = { HOOKPOST_RETRY_SCHEDULE: '1,2,3,4,5', HOOKPOST_OVERDUE_MARGIN_SECONDS: '20', HOOKPOST_SWEEP_INTERVAL_SECONDS: '2' };
    child = await service(port, dataDir, env);
    const api = apiClient(`http://127.0.0.1:${port}`).call;
    receiver.respondWith((r) => (r.path === '/slow-fail' ? { status: 500, body: 'no', delayMs: 2500 } : { status: 200, body: 'ok' }));
    const hook = (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/slow-fail`, events: ['bulk.failed'] } })).body.id;
    const events = Array.from({ length: 20 }, (_, i) => ({ tenant_id: 'acme', type: 'bulk.failed', data: { i } }));
    const res = await api('POST', '/v1/events/batch', { key: ADMIN, body: { events } });
    expect(res.status).toBe(202);
    await new Promise((r) => setTimeout(r, 6000)); // first retries in flight, some scheduled before recorded
    await kill9(child);
    child = await service(port, dataDir, env);
    const final = await waitUntil(
      async () => {
        const page = await api('GET', `/api/v1/admin/webhooks/${hook}/deliveries?limit=100`, { key: KEY });
        return page.body.total === 20 && page.body.data.every((d: { status: string }) => d.status === 'failed') ? page.body.data : undefined;
      },
      200_000,
      'every slow delivery to fail after its six attempts',
    );
    for (const d of final) expect(d.attempts.map((a: { number: number }) => a.number)).toEqual([1, 2, 3, 4, 5, 6]);
    await kill9(child);
    child = undefined;
  }, 240_000);
});
