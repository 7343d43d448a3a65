import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthBundles } from '../../local/bundles/synth';
import { type LocalRuntime, workerTimeouts } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/**
 * One receiver that never answers must not hold its batch's other messages (other tenants'
 * deliveries) past the invocation: the worker cuts the attempt short before the invocation
 * ends, records it as a timeout, and answers its batch in time, so nothing is sent twice. The
 * worker's timeout is shortened to 5 s (the template's is 60 s, an attempt's 30 s), so that
 * the receiver's endpoint, at the default 30 s timeout, would outlast the invocation.
 */
const TLS = join(import.meta.dirname, '..', 'fixtures', 'tls');
const WORKER_TIMEOUT_SECONDS = 5;
const KEYS = [
  { tenantId: 'acme', key: 'hpk_worker_deadline_acme_0123456789' },
  { tenantId: 'umbrella', key: 'hpk_worker_deadline_umbrella_01234' },
];

const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

const scenario = async (runtime: LocalRuntime, receiver: Receiver) => {
  const api = apiClient(runtime.url).call;
  // The hanging receiver takes the request and never answers.
  receiver.respondWith((r) => (r.path === '/hangs' ? { status: 200, delayMs: 600_000 } : { status: 200, body: '{}' }));
  const hook = async (key: string, path: string) => (await api('POST', '/api/v1/admin/webhooks', { key, body: { url: `${receiver.url}${path}`, events: ['price.alert'], retry_schedule: [3600] } })).body.id as string;
  const hangs = await hook(KEYS[0]!.key, '/hangs');
  await hook(KEYS[0]!.key, '/acme-ok');
  const umbrella = await hook(KEYS[1]!.key, '/umbrella-ok');
  const publish = (tenant: string, n: number) => api('POST', '/v1/events', { key: runtime.adminKey, body: { tenant_id: tenant, type: 'price.alert', data: { n } } });
  const started = Date.now();
  const published = await Promise.all([publish('acme', 0), ...[1, 2, 3, 4].map((n) => publish('umbrella', n))]);
  expect(published.map((p) => p.status)).toEqual([202, 202, 202, 202, 202]);

  // The hanging attempt is recorded, as a timeout cut short, before the invocation's end.
  const delivery = await waitUntil(async () => {
    const d = (await api('GET', `/api/v1/admin/webhooks/${hangs}/deliveries`, { key: KEYS[0]!.key })).body.data?.[0];
    return d?.attempts?.length ? d : undefined;
  }, 20_000, 'the hanging attempt to be recorded');
  expect(delivery).toMatchObject({ status: 'retrying', attempts: [{ error: 'timeout', status_code: null }] });
  expect(delivery.attempts[0].error_detail).toMatch(/cut short: the worker's invocation was ending/);
  expect(delivery.attempts[0].response_time_ms).toBeLessThan(WORKER_TIMEOUT_SECONDS * 1000);
  expect(Date.now() - started).toBeLessThan(WORKER_TIMEOUT_SECONDS * 1000 + 5_000);

  // Well past the visibility timeout: nothing came back, nobody got a request twice.
  await receiver.waitFor((r) => r.path === '/umbrella-ok', 4);
  await new Promise((r) => setTimeout(r, (WORKER_TIMEOUT_SECONDS + 2) * 1000));
  const count = (path: string) => receiver.received.filter((r) => r.path === path).length;
  expect({ hangs: count('/hangs'), acme: count('/acme-ok'), umbrella: count('/umbrella-ok') }).toEqual({ hangs: 1, acme: 1, umbrella: 4 });
  const history = (await api('GET', `/api/v1/admin/webhooks/${umbrella}/deliveries`, { key: KEYS[1]!.key })).body.data;
  expect(history.map((d: { status: string; attempts: unknown[] }) => [d.status, d.attempts.length])).toEqual(Array(4).fill(['succeeded', 1]));
};

describe('a receiver that hangs past the invocation holds no other message of its batch', () => {
  it('in the local runtime', async () => {
    const receiver = await startReceiver();
    const runtime = await startTestRuntime('worker-deadline', { apiKeys: KEYS, workerTimeoutSeconds: WORKER_TIMEOUT_SECONDS, visibilityTimeoutSeconds: WORKER_TIMEOUT_SECONDS + 1 });
    stops.push(() => receiver.close(), () => runtime.stop());
    await scenario(runtime, receiver);
  });

  it('with the bundles, killed at the template\'s timeout as Lambda kills them', async () => {
    const bundles = await synthBundles({ allowedTargetCidrs: ['127.0.0.1/32'], staticEgressIps: true, retrySchedule: [1, 3600] });
    const worker = bundles.functions['delivery-worker']!;
    expect(worker.timeoutSeconds).toBe(60);
    const receiver = await startReceiver({ tls: { key: readFileSync(join(TLS, 'localhost.key')), cert: readFileSync(join(TLS, 'localhost.crt')) } });
    const runtime = await startTestRuntime('worker-deadline-bundles', {
      apiKeys: KEYS,
      visibilityTimeoutSeconds: WORKER_TIMEOUT_SECONDS + 1,
      bundles: {
        ...bundles,
        functions: { ...bundles.functions, 'delivery-worker': { ...worker, timeoutSeconds: WORKER_TIMEOUT_SECONDS } },
        env: { NODE_EXTRA_CA_CERTS: join(TLS, 'localhost.crt') },
      },
    });
    stops.push(() => receiver.close(), () => runtime.stop());
    await scenario(runtime, receiver);
  }, 120_000);
});

describe('the worker\'s timeout and its queue\'s visibility timeout, under Lambda\'s rule', () => {
  it('refuses a visibility timeout under the function\'s timeout, as CreateEventSourceMapping does', () => {
    expect(() => workerTimeouts({ workerTimeoutSeconds: 60, visibilityTimeoutSeconds: 30 })).toThrow('Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds');
    expect(workerTimeouts({})).toEqual({ workerTimeoutSeconds: 40, visibilityTimeoutSeconds: 40 });
    expect(workerTimeouts({ visibilityTimeoutSeconds: 300 })).toEqual({ workerTimeoutSeconds: 60, visibilityTimeoutSeconds: 300 });
    const fn = { name: 'delivery-worker', dir: '', handler: 'index.handler', timeoutSeconds: 60, memoryMb: 512, runtime: 'nodejs24.x', layers: [] };
    expect(workerTimeouts({ bundles: { template: { Resources: {} }, functions: { 'delivery-worker': fn } } })).toEqual({ workerTimeoutSeconds: 60, visibilityTimeoutSeconds: 60 });
  });
});
