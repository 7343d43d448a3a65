import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { startTestRuntime } from '../support/service';

// Lambda's SQS event source keeps polling while invocations run, and scales them with the
// backlog: one slow endpoint holds its own invocations, never everyone else's deliveries.
const KEY = 'hpk_event_source_key_0123456789abcdef';
const ADMIN = 'hpadmin_event_source_0123456789';

let runtime: LocalRuntime;
let api: ReturnType<typeof apiClient>['call'];
const held: ServerResponse[] = [];
const arrivals: Array<{ path: string; at: number }> = [];
let receiver: ReturnType<typeof createServer>;
let url: string;

beforeAll(async () => {
  // `/hang` answers only when the test lets go; `/healthy` at once.
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.push({ path: req.url!, at: Date.now() });
      if (req.url!.startsWith('/hang')) held.push(res);
      else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  runtime = await startTestRuntime('event-source', { apiKeys: [{ tenantId: 'acme', key: KEY }], adminKey: ADMIN });
  api = apiClient(runtime.url).call;
});
afterAll(async () => {
  for (const res of held) if (!res.writableEnded) res.writeHead(200).end();
  await runtime?.stop();
  receiver.closeAllConnections();
  await new Promise<void>((r) => receiver.close(() => r()));
});

describe('the local SQS event source', () => {
  it('a healthy endpoint is delivered to while six hanging endpoints hold their deliveries', async () => {
    for (let i = 0; i < 6; i++) {
      await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${url}/hang-${i}`, events: ['bulk.completed'] } });
    }
    await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${url}/healthy`, events: ['price.alert'] } });
    // Enough hanging fan-outs to occupy every poller of an event source that waits for its batches.
    for (let i = 0; i < 12; i++) await api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'acme', type: 'bulk.completed', data: { i } } });
    await waitUntil(async () => (held.length >= 30 ? true : undefined), 20_000, 'the hanging endpoints to hold requests');
    const published = Date.now();
    await api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'acme', type: 'price.alert', data: { ok: true } } });
    await waitUntil(async () => (arrivals.some((a) => a.path === '/healthy') ? true : undefined), 20_000, 'the healthy delivery');
    // Delivered while every hanging request is still held: nothing it waited for was released.
    expect(held.every((res) => !res.writableEnded)).toBe(true);
    expect(arrivals.find((a) => a.path === '/healthy')!.at - published).toBeLessThan(20_000);
  }, 60_000);
});
