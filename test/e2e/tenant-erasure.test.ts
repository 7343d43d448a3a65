import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DUMMY_AWS } from '../../local/emulators';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { freePort, kill9, startService, startTestRuntime } from '../support/service';

/**
 * Erasing a whole tenant (issue 28), end to end through the local runtime: a tenant holding
 * every kind of item (keys, a portal link and a session, webhooks live and deleted, a retrying
 * delivery with its Scheduler schedule, keyed and unsubscribed events, an erased payload, a
 * recovery, pace and slot items, rate windows, its audit trail) is erased; then every table of
 * the emulator is scanned for it, and another tenant is untouched. And an erasure killed -9
 * mid-way goes on after a restart and leaves nothing either.
 */
const KEY = 'hpk_erasure_doomed_key_0123456789abcdef01';
const KEPT = 'hpk_erasure_kept_key_0123456789abcdef0123';
const ADMIN = 'hpadmin_erasure_test_0123456789';
const LOCAL_ADMIN_ARN = 'arn:aws:iam::000000000000:user/local-admin';
let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];
let child: ChildProcess | undefined;

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.respondWith((r) => ({ status: r.path.startsWith('/fail') ? 500 : 200 }));
  runtime = await startTestRuntime('erasure', {
    apiKeys: [
      { tenantId: 'doomed', key: KEY },
      { tenantId: 'kept', key: KEPT },
    ],
    adminKey: ADMIN,
    // The second retry waits an hour: an EventBridge Scheduler schedule the erasure must delete.
    retrySchedule: [1, 3600],
    maxConcurrentDeliveriesPerEndpoint: 4,
    // Small steps, so the erasure takes many; the settle shortened (nothing of this test runs for a minute).
    erasure: { stepItems: 7, ratePerSecond: 1000, settleSeconds: 1 },
  });
  api = apiClient(runtime.url).call;
}, 60_000);
afterAll(async () => {
  if (child) await kill9(child);
  await runtime?.stop();
  await receiver?.close();
});

/** Every item of every table of the emulator (the schedules' too), as plain objects. */
const everything = async (endpoint: string) => {
  const db = new DynamoDBClient({ ...DUMMY_AWS, endpoint });
  const items: Array<{ table: string; item: Record<string, unknown> }> = [];
  for (const table of (await db.send(new ListTablesCommand({}))).TableNames ?? []) {
    let start: Record<string, any> | undefined;
    do {
      const page = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const i of page.Items ?? []) items.push({ table, item: unmarshall(i) });
      start = page.LastEvaluatedKey;
    } while (start);
  }
  db.destroy();
  return items;
};
/** The items that name a tenant anywhere (keys, attributes, payloads). */
const of = (items: Awaited<ReturnType<typeof everything>>, tenant: string) => items.filter(({ item }) => JSON.stringify(item).includes(tenant));
const kindOf = (item: Record<string, unknown>) => `${String(item.pk ?? item.name).split('#')[0]}${item.sk ? `/${String(item.sk).split('#')[0]}` : ''}`;

const hook = async (key: string, body: Record<string, unknown>) => {
  const res = await api('POST', '/api/v1/admin/webhooks', { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
};
const publish = (tenant: string, type: string, data: unknown, idempotencyKey?: string) =>
  api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: tenant, type, data }, ...(idempotencyKey ? { headers: { 'Idempotency-Key': idempotencyKey } } : {}) });
const deliveries = async (key: string, id: string) => (await api('GET', `/api/v1/admin/webhooks/${id}/deliveries?limit=100`, { key })).body.data as Array<Record<string, any>>;

describe('erasing a tenant', () => {
  it('leaves no item of it in any table, deletes its pending retry, delivers nothing more, and leaves the other tenant as it was', async () => {
    // The tenant to erase, with one of everything.
    const ok = await hook(KEY, { url: `${receiver.url}/ok`, events: ['price.alert'] });
    const failing = await hook(KEY, { url: `${receiver.url}/fail`, events: ['price.alert'], rate_limit_per_second: 5 });
    const gone = await hook(KEY, { url: `${receiver.url}/gone`, events: ['list.analyzed'] });
    expect((await publish('doomed', 'list.analyzed', { n: 0 })).status).toBe(202);
    await waitUntil(async () => ((await deliveries(KEY, gone))[0]?.status === 'succeeded' ? true : undefined), 20_000, 'the deleted webhook to have history');
    expect((await api('DELETE', `/api/v1/admin/webhooks/${gone}`, { key: KEY })).status).toBe(204);
    expect((await api('POST', '/v1/tenants/doomed/keys', { key: ADMIN })).status).toBe(201);
    expect((await api('POST', '/v1/tenants/doomed/portal-sessions', { key: ADMIN, body: {} })).status).toBe(201);
    const link = await api('POST', '/v1/tenants/doomed/portal-sessions', { key: ADMIN, body: { read_only: true } });
    expect((await api('POST', '/api/v1/portal/sessions', { body: { token: /#portal=(.+)$/.exec(link.body.url)![1] } })).status).toBe(201);
    for (let i = 0; i < 5; i++) expect((await publish('doomed', 'price.alert', { i, customer: 'doomed-customer' }, `doomed-${i}`)).status).toBe(202);
    expect((await publish('doomed', 'analysis.complete', { unsubscribed: true }, 'doomed-nobody')).status).toBe(202);
    // The failing webhook's deliveries retry once (1 s), then wait an hour on a schedule.
    const waiting = await waitUntil(async () => {
      const page = await deliveries(KEY, failing);
      return page.length === 5 && page.every((d) => d.status === 'retrying' && d.attempts.length === 2) ? page : undefined;
    }, 30_000, 'the failing deliveries to wait for their second retry');
    const erasedPayload = await api('DELETE', `/api/v1/admin/events/${waiting[0]!.event_id}/data`, { key: KEY });
    expect(erasedPayload.status).toBe(200);
    expect((await api('POST', `/api/v1/admin/webhooks/${ok}/recover`, { key: KEY, body: { since: '2020-01-01T00:00:00Z' } })).status).toBe(202);

    // The tenant that stays.
    const keptHook = await hook(KEPT, { url: `${receiver.url}/kept`, events: ['price.alert'] });
    for (let i = 0; i < 2; i++) expect((await publish('kept', 'price.alert', { i }, `kept-${i}`)).status).toBe(202);
    await receiver.waitFor((r) => r.path === '/kept', 2);

    const before = await everything(runtime.emulators.dynamodb);
    const kinds = new Set(of(before, 'doomed').map(({ item }) => kindOf(item)));
    // Every kind of item the tenant can have is there to be erased.
    for (const kind of ['TENANT/TENANT', 'TENANT/APIKEY', 'TENANT/ENDPOINT', 'TENANT/RETIRED', 'APIKEY/APIKEY', 'PORTAL/PORTAL', 'SUBS', 'ENDPOINT/DELIVERY', 'EVENT/EVENT', 'RECOVERY/RECOVERY', 'PACE/FRAME', 'SLOTS/SLOTS', 'RATE/WINDOW', 'AUDIT']) {
      expect([...kinds].some((k) => k.startsWith(kind)), `${kind} in ${[...kinds].join(', ')}`).toBe(true);
    }
    const schedules = before.filter(({ table }) => table === 'hookpost-local-schedules');
    expect(schedules).toHaveLength(5);
    const keptBefore = of(before, 'kept').filter(({ item }) => !String(item.pk).startsWith('RATE#'));

    const erasure = await api('DELETE', '/v1/tenants/doomed', { key: ADMIN, headers: { 'user-agent': 'erasure-test/1.0' } });
    expect(erasure.status).toBe(202);
    expect(erasure.body).toMatchObject({ object: 'tenant_erasure', tenant_id: 'doomed', status: 'erasing', requested_by: { type: 'platform', id: LOCAL_ADMIN_ARN }, source: { user_agent: 'erasure-test/1.0' }, finished_at: null });
    // From that answer on: no publish is taken for it, and its keys soon stop working.
    expect((await publish('doomed', 'price.alert', { late: true })).body.error.code).toBe('tenant_not_found');
    expect((await api('POST', '/v1/tenants/doomed/keys', { key: ADMIN })).status).toBe(404);
    await waitUntil(async () => ((await api('GET', '/api/v1/admin/webhooks', { key: KEY })).status === 401 ? true : undefined), 10_000, 'its key to stop working');
    const done = await waitUntil(async () => {
      const res = await api('GET', '/v1/tenants/doomed/erasure', { key: ADMIN });
      return res.body.status === 'done' ? res.body : undefined;
    }, 60_000, 'the erasure to finish');
    expect(done.counts).toMatchObject({ api_keys: 2, portal_links: 2, portal_sessions: 1, webhooks: 2, deliveries: 11, events: 6, recoveries: 1, retry_schedules: 5 });
    expect(done.counts.audit_records).toBeGreaterThanOrEqual(8);
    expect(Date.parse(done.finished_at)).toBeGreaterThanOrEqual(Date.parse(done.requested_at));

    const after = await everything(runtime.emulators.dynamodb);
    // Nothing of the tenant is left but the erasure's receipt, which holds none of its data.
    expect(of(after, 'doomed').map(({ item }) => `${String(item.pk)} ${String(item.sk)}`)).toEqual(['ERASURE#doomed ERASURE']);
    expect(JSON.stringify(after)).not.toContain('doomed-customer');
    expect(after.filter(({ table }) => table === 'hookpost-local-schedules')).toHaveLength(0);
    // The other tenant's items are all there, unchanged but for its rate window.
    const keptAfter = of(after, 'kept').filter(({ item }) => !String(item.pk).startsWith('RATE#'));
    expect(keptAfter.map(({ item }) => `${String(item.pk)} ${String(item.sk)}`).sort()).toEqual(keptBefore.map(({ item }) => `${String(item.pk)} ${String(item.sk)}`).sort());
    expect((await deliveries(KEPT, keptHook)).length).toBe(2);

    // Nothing more reaches the erased tenant's receivers; the other's still works.
    const sent = receiver.received.filter((r) => r.path !== '/kept').length;
    expect((await publish('kept', 'price.alert', { after: true })).status).toBe(202);
    await receiver.waitFor((r) => r.path === '/kept', 3);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(receiver.received.filter((r) => r.path !== '/kept').length).toBe(sent);

    // Asked again, the receipt; the id can be a tenant again (and erased again).
    expect((await api('DELETE', '/v1/tenants/doomed', { key: ADMIN })).body).toMatchObject({ status: 'done', counts: done.counts });
    expect((await api('POST', '/v1/tenants', { key: ADMIN, body: { id: 'doomed' } })).status).toBe(201);
    expect((await api('DELETE', '/v1/tenants/doomed', { key: ADMIN })).body).toMatchObject({ status: 'erasing', counts: { api_keys: 0 } });
    await waitUntil(async () => ((await api('GET', '/v1/tenants/doomed/erasure', { key: ADMIN })).body.status === 'done' ? true : undefined), 30_000, 'the second erasure');
    expect((await api('DELETE', '/v1/tenants/nobody', { key: ADMIN })).status).toBe(404);
    expect((await api('GET', '/v1/tenants/nobody/erasure', { key: ADMIN })).status).toBe(404);
  }, 150_000);

  it('killed -9 mid-way, goes on after a restart where it was, and leaves nothing', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'hookpost-erasure-crash-'));
    const env = {
      HOOKPOST_PORT: String(port),
      HOOKPOST_DATA_DIR: dataDir,
      HOOKPOST_API_KEYS: `crashed:${KEY}`,
      HOOKPOST_ADMIN_KEY: ADMIN,
      // Three items a step, three a second: the kill lands mid-way.
      HOOKPOST_ERASURE_STEP_ITEMS: '3',
      HOOKPOST_ERASURE_RATE_PER_SECOND: '3',
      HOOKPOST_ERASURE_SETTLE_SECONDS: '0',
    };
    child = await startService(env);
    const call = apiClient(`http://127.0.0.1:${port}`).call;
    const created = await call('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/crashed`, events: ['price.alert'] } });
    expect(created.status).toBe(201);
    const events = Array.from({ length: 12 }, (_, i) => ({ tenant_id: 'crashed', type: 'price.alert', data: { i }, idempotency_key: `crashed-${i}` }));
    expect((await call('POST', '/v1/events/batch', { key: ADMIN, body: { events } })).status).toBe(202);
    await receiver.waitFor((r) => r.path === '/crashed', 12);
    await waitUntil(async () => ((await call('GET', `/api/v1/admin/webhooks/${created.body.id}/deliveries?limit=100`, { key: KEY })).body.data.length === 12 ? true : undefined), 20_000, 'the history');
    expect((await call('DELETE', '/v1/tenants/crashed', { key: ADMIN })).status).toBe(202);
    const midway = await waitUntil(async () => {
      const res = await call('GET', '/v1/tenants/crashed/erasure', { key: ADMIN });
      return res.body.counts.deliveries > 0 ? res.body : undefined;
    }, 30_000, 'the erasure to be under way');
    expect(midway.status).toBe('erasing');
    await kill9(child);

    child = await startService(env);
    const done = await waitUntil(async () => {
      const res = await call('GET', '/v1/tenants/crashed/erasure', { key: ADMIN });
      return res.body.status === 'done' ? res.body : undefined;
    }, 90_000, 'the erasure to finish after the restart');
    expect(done.counts).toMatchObject({ webhooks: 1, deliveries: 12, events: 12 });
    await kill9(child);
    child = undefined;

    // The data directory, opened again: nothing of the tenant but the receipt.
    const reopened = await (await import('../../local/runtime')).startLocalRuntime({ dataDir, worker: false, apiKeys: [{ tenantId: 'other', key: KEPT }] });
    try {
      const left = of(await everything(reopened.emulators.dynamodb), 'crashed');
      expect(left.map(({ item }) => `${String(item.pk)} ${String(item.sk)}`)).toEqual(['ERASURE#crashed ERASURE']);
    } finally {
      await reopened.stop();
    }
  }, 180_000);
});
