import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime } from '../support/service';
import { ROUTES, routeKeyOf } from '../../lambdas/shared/http/routes';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';

const ACME = 'hpk_acme_security_key_0123456789abcdef';
const GLOBEX = 'hpk_globex_security_key_0123456789abcdef';
const ADMIN = 'hpadmin_security_key_0123456789';

let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];

beforeAll(async () => {
  receiver = await startReceiver();
  runtime = await startTestRuntime('security', {
    apiKeys: [
      { tenantId: 'acme', key: ACME },
      { tenantId: 'globex', key: GLOBEX },
    ],
    adminKey: ADMIN,
  });
  api = apiClient(runtime.url).call;
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

const publish = (tenant: string, type: string, data: unknown) => api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: tenant, type, data } });

/** A valid body for every route that takes one, so only scoping can decide the answer. */
const BODIES: Record<string, unknown> = {
  'POST /v1/webhooks/register': { url: 'https://globex.example/hook', event_types: ['research.completed'] },
  'POST /v1/webhooks/rotate-secret': {},
  'POST /api/v1/admin/webhooks': { url: 'https://globex.example/admin', events: ['price.alert'] },
  'PATCH /api/v1/admin/webhooks/{id}': { status: 'disabled', url: 'https://evil.example/steal' },
  'POST /api/v1/admin/webhooks/{id}/rotate-secret': { secret: 'globex-chosen-secret-123456' },
  'POST /api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry': undefined,
  'POST /v1/tenants/{tenant_id}/webhooks/{id}/deliveries/{delivery_id}/retry': undefined,
  'POST /api/v1/admin/webhooks/{id}/test': undefined,
  'POST /api/v1/admin/webhooks/{id}/check': undefined,
  'POST /api/v1/admin/webhooks/{id}/recover': { since: '2020-01-01T00:00:00Z' },
  'POST /v1/events': { tenant_id: 'acme', type: 'price.alert', data: {} },
  'POST /v1/events/batch': { events: [{ tenant_id: 'acme', type: 'price.alert', data: {} }] },
  'POST /v1/tenants': { id: 'evil' },
  'POST /v1/tenants/{tenant_id}/keys': undefined,
  'PATCH /v1/tenants/{tenant_id}': { retention_days: 1 },
  'POST /v1/tenants/{tenant_id}/portal-sessions': { read_only: false },
  // A token no link has: refused, whoever asks (a link is the only proof this route takes).
  'POST /api/v1/portal/sessions': { token: `hpl_${'A'.repeat(43)}` },
  'POST /v1/tenants/{tenant_id}/webhooks/{id}/recover': { since: '2020-01-01T00:00:00Z' },
};

describe('tenant isolation: a matrix over every route', () => {
  it("another tenant's key sees none of acme's records on any route, and changes none", async () => {
    // acme: an account webhook, an admin webhook, a delivery, a recovery.
    const account = await api('POST', '/v1/webhooks/register', { key: ACME, body: { url: `${receiver.url}/acme-account`, event_types: null } });
    const admin = await api('POST', '/api/v1/admin/webhooks', { key: ACME, body: { url: `${receiver.url}/acme-admin`, events: ['price.alert'] } });
    expect([account.status, admin.status]).toEqual([200, 201]);
    await publish('acme', 'price.alert', { n: 1 });
    const delivery = await waitUntil(async () => (await api('GET', `/api/v1/admin/webhooks/${admin.body.id}/deliveries`, { key: ACME })).body.data[0]);
    const recovery = await api('POST', `/api/v1/admin/webhooks/${admin.body.id}/recover`, { key: ACME, body: { since: '2020-01-01T00:00:00Z' } });
    expect(recovery.status).toBe(202);
    const acmeIds: Record<string, string> = { id: admin.body.id, delivery_id: delivery.id, recovery_id: recovery.body.id, tenant_id: 'acme', key_id: 'key_x', event_id: delivery.event_id };
    // acme's external id (AWS destinations): another tenant presenting it could reach acme's roles.
    const trust = await api('GET', '/api/v1/admin/destinations/trust', { key: ACME });
    const acmeMarks = [admin.body.id, delivery.id, delivery.event_id, recovery.body.id, receiver.url, account.body.secret, admin.body.secret, trust.body.external_id];

    for (const route of ROUTES) {
      const key = routeKeyOf(route);
      if ((route.method === 'POST' || route.method === 'PATCH') && !(key in BODIES)) throw new Error(`the matrix has no body for ${key}`);
      const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        if (!(name in acmeIds)) throw new Error(`the matrix has no id for {${name}} in ${key}`);
        return acmeIds[name]!;
      });
      const body = BODIES[key];
      const res = await api(route.method, path, { key: GLOBEX, ...(body === undefined ? {} : { body }) });
      // Nothing of acme's comes back but what the caller itself sent (a 404 may name the id it asked for).
      const text = JSON.stringify(res.body ?? '');
      for (const mark of acmeMarks.filter((m) => !path.includes(m))) expect(text, `${key} leaked ${mark}`).not.toContain(mark);
      if (route.auth === 'platform') {
        expect(res.status, key).toBe(403); // a tenant key never opens a platform route
      } else if (route.path.includes('{')) {
        expect(res.status, key).toBe(404);
        expect(res.body.error.code, key).toMatch(/not_found/);
      } else {
        expect(res.status, key).toBeLessThan(500); // globex's own records, or its own 404
      }
      // X-Org-ID naming another organization is refused before anything is read.
      if (route.auth === 'tenant') {
        const forged = await api(route.method, path, { key: GLOBEX, headers: { 'x-org-id': 'acme' }, ...(body === undefined ? {} : { body }) });
        expect(forged.status, `${key} with X-Org-ID: acme`).toBe(403);
      }
    }

    // acme's records are as they were: same URL, active, same secret signing.
    const after = await api('GET', `/api/v1/admin/webhooks/${admin.body.id}`, { key: ACME });
    expect(after.body).toMatchObject({ url: `${receiver.url}/acme-admin`, status: 'active' });
    expect((await api('GET', '/v1/webhooks', { key: ACME })).body).toMatchObject({ url: `${receiver.url}/acme-account`, active: true });
    const before = receiver.received.length;
    await publish('acme', 'price.alert', { n: 2 });
    const [hit] = await receiver.waitFor((r, i = receiver.received.indexOf(r)) => i >= before && r.path === '/acme-admin');
    expect(() => new Webhook(admin.body.secret).verify(hit!.body.toString(), hit!.headers as Record<string, string>)).not.toThrow();
  });
});

describe('secret rotation over HTTP, both surfaces', () => {
  it('seed 003: the new secret is returned once, both sign webhook-signature during the grace period', async () => {
    const created = await api('POST', '/api/v1/admin/webhooks', { key: ACME, body: { url: `${receiver.url}/rotating`, events: ['subscription.cancelled'] } });
    const rotated = await api('POST', `/api/v1/admin/webhooks/${created.body.id}/rotate-secret`, { key: ACME, body: { grace_period_seconds: 3600 } });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect(Date.parse(rotated.body.previous_secret_expires_at) - Date.now()).toBeGreaterThan(3500_000);
    const shown = await api('GET', `/api/v1/admin/webhooks/${created.body.id}`, { key: ACME });
    expect(shown.body.secret).toBeUndefined();
    expect(shown.body.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);

    await publish('acme', 'subscription.cancelled', { rotation: true });
    const [hit] = await receiver.waitFor((r) => r.path === '/rotating');
    const headers = hit!.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [rotated.body.secret, created.body.secret]) {
      expect(() => new Webhook(secret).verify(hit!.body.toString(), headers)).not.toThrow();
    }
  });

  it('seed 000: rotate-secret on the account webhook answers its shape with the new hex secret', async () => {
    const res = await api('POST', '/v1/webhooks/rotate-secret', { key: ACME });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ object: 'webhook', active: true, secret: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(res.body.previous_secret_expires_at).toEqual(expect.any(String));
    expect((await api('GET', '/v1/webhooks', { key: ACME })).body.secret).toBeUndefined();
  });

  it('refuses a bad grace period or an unknown field with a 400', async () => {
    for (const body of [{ grace_period_seconds: -1 }, { grace_period_seconds: 8 * 86_400 }, { grace_period_seconds: 1.5 }, { nope: 1 }]) {
      const res = await api('POST', '/v1/webhooks/rotate-secret', { key: ACME, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await api('POST', '/v1/webhooks/rotate-secret', { key: ACME, body: { secret: 'x'.repeat(20) } })).status).toBe(400);
  });
});

describe('per-tenant rate limit', () => {
  it('answers 429 with Retry-After once a tenant spends its window, and leaves other tenants alone', async () => {
    const limited = await startTestRuntime('ratelimit', {
      apiKeys: [
        { tenantId: 'acme', key: ACME },
        { tenantId: 'globex', key: GLOBEX },
      ],
      adminKey: ADMIN,
      tenantRateLimit: { requests: 5, windowSeconds: 60 },
    });
    try {
      const call = apiClient(limited.url).call;
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 7; i++) {
        last = await call('GET', '/api/v1/admin/webhooks', { key: ACME });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(last!.body.error.code).toBe('rate_limited');
      const retryAfter = Number(last!.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect((await call('GET', '/api/v1/admin/webhooks', { key: GLOBEX })).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

describe('per-endpoint concurrency cap', () => {
  it('never has more deliveries in flight to one endpoint than the cap; the deferred ones follow', async () => {
    const { createServer } = await import('node:http');
    let inFlight = 0;
    let most = 0;
    let served = 0;
    const slow = createServer((req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      req.resume();
      setTimeout(() => {
        inFlight--;
        served++;
        res.writeHead(200).end('ok');
      }, 400);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const capped = await startTestRuntime('cap', {
      apiKeys: [{ tenantId: 'acme', key: ACME }],
      adminKey: ADMIN,
      maxConcurrentDeliveriesPerEndpoint: 2,
    });
    try {
      const call = apiClient(capped.url).call;
      const port = (slow.address() as { port: number }).port;
      await call('POST', '/api/v1/admin/webhooks', { key: ACME, body: { url: `http://127.0.0.1:${port}/slow`, events: ['price.alert'] } });
      const events = Array.from({ length: 5 }, (_, i) => ({ tenant_id: 'acme', type: 'price.alert', data: { i } }));
      expect((await call('POST', '/v1/events/batch', { key: ADMIN, body: { events } })).status).toBe(202);
      await waitUntil(async () => (served >= 5 ? true : undefined), 40_000, 'every capped delivery');
      expect(most).toBeLessThanOrEqual(2);
      expect(most).toBeGreaterThanOrEqual(1);
    } finally {
      await capped.stop();
      await new Promise<void>((r) => slow.close(() => r()));
    }
  }, 60_000);
});
