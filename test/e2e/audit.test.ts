import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { ROUTES } from '../../lambdas/shared/http/routes';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/**
 * The audit trail (issue 28): every route that changes something writes exactly one record,
 * naming who (the API key, the portal session, or the platform's principal), what (the fields
 * that changed, before and after, credentials only as set), and from where. The walk covers
 * every changing route of the route table: a new one without a case here fails it.
 */
const ADMIN = 'hpadmin_audit_test_0123456789';
const LOCAL_ADMIN_ARN = 'arn:aws:iam::000000000000:user/local-admin';
let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.respondWith((r) => (r.path.startsWith('/fail') ? { status: 500 } : { status: 200 }));
  runtime = await startTestRuntime('audit', { adminKey: ADMIN, retrySchedule: [1] });
  api = apiClient(runtime.url).call;
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

type Answer = Awaited<ReturnType<typeof api>>;
const trail = async (tenant: string, query = '') => (await api('GET', `/v1/tenants/${tenant}/audit-log?limit=100${query}`, { key: ADMIN })).body;
const UA = { 'user-agent': 'audit-walk/1.0' };

/**
 * Publishing is not a change of anyone's configuration: each event is in the history instead.
 * A tenant's erasure erases its trail too: its record is the erasure's receipt (who asked,
 * from where; test/e2e/tenant-erasure.test.ts).
 */
const NOT_AUDITED = new Set(['POST /v1/events', 'POST /v1/events/batch', 'DELETE /v1/tenants/{tenant_id}']);

describe('the audit trail', () => {
  it('every changing route writes one record: who, what, when, from where', async () => {
    const ctx: Record<string, string> = {};
    const failedDelivery = async (webhook: string, key: string) =>
      waitUntil(async () => (await api('GET', `/api/v1/admin/webhooks/${webhook}/deliveries?status=failed`, { key })).body.data.find((d: { id: string }) => !Object.values(ctx).includes(d.id)), 20_000, 'a failed delivery');
    // In order: each step may use what an earlier one made. [route, call, action, actor type, records its setup writes]
    const steps: Array<[string, () => Promise<Answer>, string, string, number?]> = [
      ['POST /v1/tenants', () => api('POST', '/v1/tenants', { key: ADMIN, body: { id: 'walk', name: 'Walk' }, headers: UA }), 'tenant.created', 'platform'],
      ['PATCH /v1/tenants/{tenant_id}', () => api('PATCH', '/v1/tenants/walk', { key: ADMIN, body: { retention_days: 7 }, headers: UA }), 'tenant.updated', 'platform'],
      ['POST /v1/tenants/{tenant_id}/keys', async () => {
        const a = await api('POST', '/v1/tenants/walk/keys', { key: ADMIN, headers: UA });
        ctx.key = a.body.key;
        ctx.keyId = a.body.id;
        return a;
      }, 'api_key.created', 'platform'],
      ['POST /v1/tenants/{tenant_id}/portal-sessions', async () => {
        const a = await api('POST', '/v1/tenants/walk/portal-sessions', { key: ADMIN, headers: UA });
        ctx.link = /#portal=(hpl_[\w-]{43})$/.exec(a.body.url)![1]!;
        return a;
      }, 'portal_link.created', 'platform'],
      ['POST /api/v1/portal/sessions', async () => {
        const a = await api('POST', '/api/v1/portal/sessions', { body: { token: ctx.link }, headers: UA });
        ctx.session = a.body.session_token;
        return a;
      }, 'portal_session.opened', 'portal_session'],
      ['POST /v1/webhooks/register', () => api('POST', '/v1/webhooks/register', { key: ctx.key!, body: { url: `${receiver.url}/account` }, headers: UA }), 'account_webhook.registered', 'api_key'],
      ['POST /v1/webhooks/rotate-secret', () => api('POST', '/v1/webhooks/rotate-secret', { key: ctx.key!, headers: UA }), 'account_webhook.secret_rotated', 'api_key'],
      ['DELETE /v1/webhooks', () => api('DELETE', '/v1/webhooks', { key: ctx.key!, headers: UA }), 'account_webhook.deleted', 'api_key'],
      ['POST /api/v1/admin/webhooks', async () => {
        const a = await api('POST', '/api/v1/admin/webhooks', { key: ctx.session!, body: { url: `${receiver.url}/fail/walk`, events: ['price.alert'], headers: { 'X-Api-Key': 'audit-secret-header-value' } }, headers: UA });
        ctx.hook = a.body.id;
        return a;
      }, 'webhook.created', 'portal_session'],
      ['PATCH /api/v1/admin/webhooks/{id}', () =>
        api('PATCH', `/api/v1/admin/webhooks/${ctx.hook}`, { key: ctx.key!, body: { events: ['price.alert', 'analysis.complete'], headers: { 'X-Api-Key': 'audit-secret-header-rotated' } }, headers: UA }), 'webhook.updated', 'api_key'],
      ['POST /api/v1/admin/webhooks/{id}/rotate-secret', () => api('POST', `/api/v1/admin/webhooks/${ctx.hook}/rotate-secret`, { key: ctx.key!, headers: UA }), 'webhook.secret_rotated', 'api_key'],
      ['POST /api/v1/admin/webhooks/{id}/test', () => api('POST', `/api/v1/admin/webhooks/${ctx.hook}/test`, { key: ctx.key!, headers: UA }), 'webhook.test_sent', 'api_key'],
      ['POST /api/v1/admin/webhooks/{id}/check', async () => {
        const queue = 'https://sqs.us-east-1.amazonaws.com/444455556666/audit';
        const d = await api('POST', '/api/v1/admin/webhooks', { key: ctx.key!, body: { destination: { type: 'sqs', target: queue, role_arn: 'arn:aws:iam::444455556666:role/none' }, events: ['price.alert'] } });
        ctx.destination = d.body.id;
        return api('POST', `/api/v1/admin/webhooks/${d.body.id}/check`, { key: ctx.key!, headers: UA });
      }, 'webhook.destination_checked', 'api_key', 1],
      ['POST /api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry', async () => {
        await api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'walk', type: 'price.alert', data: { n: 1 } } });
        await api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'walk', type: 'price.alert', data: { n: 2 } } });
        ctx.failed1 = (await failedDelivery(ctx.hook!, ctx.key!)).id;
        return api('POST', `/api/v1/admin/webhooks/${ctx.hook}/deliveries/${ctx.failed1}/retry`, { key: ctx.key!, headers: UA });
      }, 'delivery.retried', 'api_key'],
      ['POST /v1/tenants/{tenant_id}/webhooks/{id}/deliveries/{delivery_id}/retry', async () => {
        ctx.failed2 = (await failedDelivery(ctx.hook!, ctx.key!)).id;
        return api('POST', `/v1/tenants/walk/webhooks/${ctx.hook}/deliveries/${ctx.failed2}/retry`, { key: ADMIN, headers: UA });
      }, 'delivery.retried', 'platform'],
      ['POST /api/v1/admin/webhooks/{id}/recover', () => api('POST', `/api/v1/admin/webhooks/${ctx.hook}/recover`, { key: ctx.key!, body: { since: new Date(Date.now() - 3_600_000).toISOString() }, headers: UA }), 'recovery.started', 'api_key'],
      ['POST /v1/tenants/{tenant_id}/webhooks/{id}/recover', () => api('POST', `/v1/tenants/walk/webhooks/${ctx.hook}/recover`, { key: ADMIN, body: { since: new Date(Date.now() - 3_600_000).toISOString() }, headers: UA }), 'recovery.started', 'platform'],
      ['DELETE /api/v1/admin/events/{event_id}/data', async () => {
        const d = await api('GET', `/api/v1/admin/webhooks/${ctx.hook}/deliveries/${ctx.failed1}`, { key: ctx.key! });
        ctx.event1 = d.body.event_id;
        return api('DELETE', `/api/v1/admin/events/${ctx.event1}/data`, { key: ctx.key!, headers: UA });
      }, 'event.erased', 'api_key'],
      ['DELETE /v1/tenants/{tenant_id}/events/{event_id}/data', async () => {
        const d = await api('GET', `/api/v1/admin/webhooks/${ctx.hook}/deliveries/${ctx.failed2}`, { key: ctx.key! });
        return api('DELETE', `/v1/tenants/walk/events/${d.body.event_id}/data`, { key: ADMIN, headers: UA });
      }, 'event.erased', 'platform'],
      ['DELETE /api/v1/admin/webhooks/{id}', () => api('DELETE', `/api/v1/admin/webhooks/${ctx.destination}`, { key: ctx.key!, headers: UA }), 'webhook.deleted', 'api_key'],
      ['DELETE /v1/tenants/{tenant_id}/keys/{key_id}', () => api('DELETE', `/v1/tenants/walk/keys/${ctx.keyId}`, { key: ADMIN, headers: UA }), 'api_key.revoked', 'platform'],
    ];
    const changing = ROUTES.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`).filter((k) => !NOT_AUDITED.has(k));
    expect(steps.map(([route]) => route).sort()).toEqual([...new Set(changing)].sort());

    let seen = 0;
    for (const [route, call, action, actorType, setup = 0] of steps) {
      const answer = await call();
      expect(answer.status, `${route}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
      const records = (await trail('walk')).data as Array<Record<string, any>>;
      expect(records.length, `${route} wrote one record`).toBe(seen + setup + 1);
      seen = records.length;
      const [newest] = records;
      expect(newest, route).toMatchObject({ object: 'audit_record', action, actor: { type: actorType }, source: { ip: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$|^::1$/), user_agent: 'audit-walk/1.0' } });
      if (actorType === 'platform') expect(newest!.actor.id).toBe(LOCAL_ADMIN_ARN);
      if (actorType === 'api_key') expect(newest!.actor.id).toBe(ctx.keyId);
    }
    const all = (await trail('walk')).data as Array<Record<string, any>>;
    // What changed, as the API shows it: the events added, and the credential header only as re-set.
    const updated = all.find((r) => r.action === 'webhook.updated')!;
    expect(updated).toMatchObject({ webhook_id: ctx.hook, before: { events: ['price.alert'], sensitive_headers: { 'X-Api-Key': { set_at: expect.any(String) } } }, after: { events: ['price.alert', 'analysis.complete'] } });
    expect(JSON.stringify(all)).not.toMatch(/audit-secret-header|whsec_|hpk_|hpl_|hps_/);
    expect(all.find((r) => r.action === 'delivery.retried')).toMatchObject({ webhook_id: ctx.hook, target: { delivery_id: expect.stringMatching(/^dlv_/) } });
    expect(all.find((r) => r.action === 'tenant.created')).toMatchObject({ after: { id: 'walk', name: 'Walk' } });
    expect(all.find((r) => r.action === 'tenant.updated')).toMatchObject({ before: { retention_days: null }, after: { retention_days: 7 } });
  }, 90_000);

  it('reads write nothing, and a refused change writes nothing', async () => {
    const before = (await trail('walk')).data.length;
    await api('GET', '/api/v1/admin/event-types', { key: ADMIN });
    const refused = await api('POST', '/v1/tenants', { key: ADMIN, body: { id: 'walk' } });
    expect(refused.status).toBe(409);
    expect((await api('PATCH', '/api/v1/admin/webhooks/wh_01jdz8h5q2w3e4r5t6y7u8i9o0', { key: ADMIN, body: { status: 'disabled' } })).status).toBe(401);
    expect((await trail('walk')).data.length).toBe(before);
    expect((await trail('walk', '&action=tenant.created')).data).toHaveLength(1);
  });

  it('the tenant reads its own trail newest first, by webhook or by action, a page at a time', async () => {
    const { key } = (await api('POST', '/v1/tenants/walk/keys', { key: ADMIN })).body;
    const mine = await api('GET', '/api/v1/admin/audit-log?limit=3', { key });
    expect(mine.body).toMatchObject({ object: 'list', limit: 3, has_more: true });
    const ats = mine.body.data.map((r: { id: string }) => r.id);
    expect([...ats].sort().reverse()).toEqual(ats);
    const next = await api('GET', `/api/v1/admin/audit-log?limit=3&starting_after=${mine.body.next_starting_after}`, { key });
    expect(next.body.data[0].id < ats.at(-1)).toBe(true);
    const all = (await trail('walk')).data as Array<{ webhook_id: string | null; action: string }>;
    const hook = all.find((r) => r.action === 'delivery.retried')!.webhook_id!;
    const byHook = await api('GET', `/api/v1/admin/audit-log?webhook_id=${hook}`, { key });
    expect(byHook.body.data.map((r: { action: string }) => r.action).sort()).toEqual(all.filter((r) => r.webhook_id === hook).map((r) => r.action).sort());
    const both = await api('GET', `/api/v1/admin/audit-log?webhook_id=${hook}&action=delivery.retried`, { key });
    expect(both.body.data).toHaveLength(2);
    expect((await api('GET', '/api/v1/admin/audit-log?action=nope', { key })).status).toBe(400);
    // Another tenant's trail is not this tenant's.
    const { key: other } = (await api('POST', '/v1/tenants/walk2/keys', { key: ADMIN })).body ?? {};
    if (other) expect((await api('GET', '/api/v1/admin/audit-log', { key: other })).body.data.every((r: { action: string }) => r.action !== 'webhook.created')).toBe(true);
  });
});
