import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { freePort, kill9, startService } from '../support/service';

/**
 * `ordered: true`: an endpoint's deliveries are attempted one at a time in publish order, a
 * retrying delivery holding those behind it. 200 events published in batches, the receiver
 * refusing some first attempts, and the service killed with -9 mid-run: the receiver sees the
 * events in publish order (a retry, or a resend after the crash, repeats an event; nothing comes
 * before an event published earlier), and every event ends delivered.
 */
const KEY = 'hpk_ordered_test_key_0123456789abcdef';
const ADMIN = 'hpadmin_ordered_test_0123456789';
let receiver: Receiver;
let child: ChildProcess | undefined;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  if (child) await kill9(child);
  await receiver.close();
});

const service = (port: number, dataDir: string) =>
  startService({
    HOOKPOST_PORT: String(port),
    HOOKPOST_DATA_DIR: dataDir,
    HOOKPOST_API_KEYS: `acme:${KEY}`,
    HOOKPOST_ADMIN_KEY: ADMIN,
    HOOKPOST_RETRY_SCHEDULE: '1,1,1,1,1',
  });

describe('ordered delivery', () => {
  it('200 events through failures and a kill -9 arrive in publish order, each delivered', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'hookpost-ordered-'));
    child = await service(port, dataDir);
    const api = apiClient(`http://127.0.0.1:${port}`).call;
    // Every 7th request to the ordered endpoint fails: its event must come again before the next.
    let n = 0;
    receiver.respondWith((r) => (r.path === '/ordered' && ++n % 7 === 0 ? { status: 503, body: 'busy' } : { status: 200, body: 'ok' }));
    const hook = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/ordered`, events: ['price.alert'], ordered: true } });
    expect(hook.status).toBe(201);
    expect(hook.body.ordered).toBe(true);
    const free = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/unordered`, events: ['price.alert'] } });
    expect(free.status).toBe(201);

    const publish = async (from: number, to: number) => {
      for (let i = from; i < to; i += 20) {
        const events = Array.from({ length: Math.min(20, to - i) }, (_, k) => ({ tenant_id: 'acme', type: 'price.alert', data: { seq: i + k } }));
        const res = await api('POST', '/v1/events/batch', { key: ADMIN, body: { events } });
        expect(res.status).toBe(202);
      }
    };
    await publish(0, 100);
    // Killed while the ordered endpoint is still working through the first hundred.
    await receiver.waitFor((r) => r.path === '/ordered', 30, 60_000);
    await kill9(child);
    child = await service(port, dataDir);
    await publish(100, 200);

    const seqOf = (r: { body: Buffer }) => (JSON.parse(r.body.toString()) as { data: { seq: number } }).data.seq;
    await waitUntil(
      async () => new Set(receiver.received.filter((r) => r.path === '/ordered').map(seqOf)).size === 200 || undefined,
      150_000,
      'all 200 ordered events to arrive',
    );
    const order = receiver.received.filter((r) => r.path === '/ordered').map(seqOf);
    // Publish order: each request is for the same event as the one before (a retry, a resend) or the next.
    for (let i = 1; i < order.length; i++) expect(order[i]! - order[i - 1]!, `request ${i}: ${order[i - 1]} then ${order[i]}`).toBeGreaterThanOrEqual(0);
    for (let i = 1; i < order.length; i++) expect(order[i]! - order[i - 1]!).toBeLessThanOrEqual(1);
    expect(order[0]).toBe(0);
    // Every failure was retried before the next event: no event after a refused one came first.
    expect(order.length).toBeGreaterThan(200);
    const history = await waitUntil(async () => {
      const page = (await api('GET', `/api/v1/admin/webhooks/${hook.body.id}/deliveries?limit=100&status=succeeded`, { key: KEY })).body;
      return page.data.length === 100 ? page : undefined;
    }, 30_000);
    expect(history.data.every((d: { status: string }) => d.status === 'succeeded')).toBe(true);
    // The endpoint without the option got all 200 too, in whatever order.
    expect(new Set(receiver.received.filter((r) => r.path === '/unordered').map(seqOf)).size).toBe(200);
    // Chosen at creation: PATCH refuses it, and a value that is not a boolean is a 400 naming it.
    for (const [method, path, body] of [
      ['PATCH', `/api/v1/admin/webhooks/${free.body.id}`, { ordered: true }],
      ['POST', '/api/v1/admin/webhooks', { url: `${receiver.url}/x`, events: ['price.alert'], ordered: 'yes' }],
    ] as const) {
      const res = await api(method, path, { key: KEY, body });
      expect(res.status, `${method} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.message).toContain('ordered:');
    }
    await kill9(child);
    child = undefined;
  }, 240_000);
});
