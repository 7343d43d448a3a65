import { mkdtempSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRuntime } from '../local/runtime';

/**
 * A healthy endpoint's publish-to-receipt latency through the local runtime, alone and beside
 * six endpoints of the same tenant that hang (hold every request until the run ends): the
 * figure shows whether a slow receiver delays anyone else's deliveries. Figures only.
 */
export interface Isolation {
  hanging_endpoints: number;
  hanging_fanouts: number;
  healthy_events: number;
  alone: { p50_ms: number; max_ms: number };
  beside_hanging: { p50_ms: number; max_ms: number };
}

const round = (n: number) => Math.round(n * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50_ms: round(sorted[Math.floor((sorted.length - 1) / 2)] ?? 0), max_ms: round(sorted.at(-1) ?? 0) };
};

export const slowEndpointIsolation = async (opts: { smoke: boolean }): Promise<Isolation> => {
  const held: ServerResponse[] = [];
  const arrivals = new Map<string, number>();
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url!.startsWith('/hang')) return void held.push(res);
      arrivals.set(String(req.headers['webhook-id']), performance.now());
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const key = 'hpk_bench_isolation_0123456789abcdef';
  const admin = 'hpadmin_bench_isolation_0123456789';
  const runtime = await startLocalRuntime({ dataDir: mkdtempSync(join(tmpdir(), 'hookpost-bench-iso-')), apiKeys: [{ tenantId: 'iso', key }], adminKey: admin });
  const call = async (path: string, auth: string, body: unknown) => {
    const res = await fetch(`${runtime.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path} -> ${res.status} ${await res.text()}`);
    return res.json() as Promise<{ id: string }>;
  };
  const healthyEvents = opts.smoke ? 5 : 20;
  const hangingFanouts = 12;
  const latencies = async () => {
    const out: number[] = [];
    for (let i = 0; i < healthyEvents; i++) {
      const at = performance.now();
      const { id } = await call('/v1/events', admin, { tenant_id: 'iso', type: 'price.alert', data: { i } });
      const deadline = Date.now() + 60_000;
      while (!arrivals.has(id)) {
        if (Date.now() > deadline) throw new Error('isolation bench: a healthy delivery did not arrive within 60 s');
        await sleep(5);
      }
      out.push(arrivals.get(id)! - at);
      await sleep(100);
    }
    return out;
  };
  try {
    await call('/api/v1/admin/webhooks', key, { url: `${url}/healthy`, events: ['price.alert'] });
    const alone = summary(await latencies());
    for (let i = 0; i < 6; i++) await call('/api/v1/admin/webhooks', key, { url: `${url}/hang-${i}`, events: ['bulk.completed'] });
    for (let i = 0; i < hangingFanouts; i++) await call('/v1/events', admin, { tenant_id: 'iso', type: 'bulk.completed', data: { i } });
    const deadline = Date.now() + 30_000;
    while (held.length < 6 * hangingFanouts && Date.now() < deadline) await sleep(20);
    const beside = summary(await latencies());
    return { hanging_endpoints: 6, hanging_fanouts: hangingFanouts, healthy_events: healthyEvents, alone, beside_hanging: beside };
  } finally {
    for (const res of held) if (!res.writableEnded) res.writeHead(200).end();
    await runtime.stop();
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
  }
};
