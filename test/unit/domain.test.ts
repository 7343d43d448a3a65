import { describe, expect, it } from 'vitest';
import { fanOut } from '../../lambdas/shared/domain/delivery';
import {
  createAdminWebhook,
  deleteAccountWebhook,
  deleteWebhook,
  getAccountWebhook,
  registerAccountWebhook,
  updateWebhook,
} from '../../lambdas/shared/domain/endpoints';
import { publishEvent, REPLAY_REPAIR_DELAY_SECONDS } from '../../lambdas/shared/domain/events';
import { eventTimeOfId } from '../../lambdas/shared/domain/ids';
import { findEvent } from '../../lambdas/shared/domain/tenant-views';
import { authenticate, createTenant, issueApiKey, revokeApiKey } from '../../lambdas/shared/domain/tenants';
import { fakePorts, silentLog } from '../support/fakes';

const setup = async () => {
  const f = fakePorts();
  await createTenant(f.ports, { id: 'acme' });
  await createTenant(f.ports, { id: 'globex' });
  return f;
};

describe('tenants and API keys', () => {
  it('stores only the hash, authenticates, and checks X-Org-ID', async () => {
    const f = await setup();
    const { key, record } = await issueApiKey(f.ports, 'acme');
    expect(key).toMatch(/^hpk_/);
    expect(JSON.stringify([...f.stores.keys.values()])).not.toContain(key);
    expect(await authenticate(f.ports, key, undefined)).toBe('acme');
    expect(await authenticate(f.ports, key, 'acme')).toBe('acme');
    await expect(authenticate(f.ports, key, 'globex')).rejects.toMatchObject({ status: 403, code: 'forbidden' });
    await expect(authenticate(f.ports, 'hpk_wrong', undefined)).rejects.toMatchObject({ status: 401 });
    await expect(authenticate(f.ports, undefined, undefined)).rejects.toMatchObject({ status: 401 });
    await revokeApiKey(f.ports, 'acme', record.keyId);
    await expect(authenticate(f.ports, key, undefined)).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a duplicate tenant and keys for an unknown tenant', async () => {
    const f = await setup();
    await expect(createTenant(f.ports, { id: 'acme' })).rejects.toMatchObject({ status: 409 });
    await expect(issueApiKey(f.ports, 'nobody')).rejects.toMatchObject({ status: 404 });
  });
});

describe('account webhook (seed 000)', () => {
  it('registering again updates url and event types and keeps the secret', async () => {
    const f = await setup();
    const first = await registerAccountWebhook(f.ports, 'acme', { url: 'https://a.example/hook', events: ['research.completed'] });
    expect(first.secret).toMatch(/^[0-9a-f]{64}$/);
    const second = await registerAccountWebhook(f.ports, 'acme', { url: 'https://b.example/hook', events: null });
    expect(second.secret).toBe(first.secret);
    expect(second.endpoint.id).toBe(first.endpoint.id);
    expect(second.endpoint).toMatchObject({ url: 'https://b.example/hook', events: null });
    expect(await f.stores.listEndpoints('acme')).toHaveLength(1);
  });

  it('delete removes it; a second delete and a read answer not found', async () => {
    const f = await setup();
    await registerAccountWebhook(f.ports, 'acme', { url: 'https://a.example/hook', events: null });
    await deleteAccountWebhook(f.ports, 'acme');
    expect(await getAccountWebhook(f.ports, 'acme')).toBeUndefined();
    await expect(deleteAccountWebhook(f.ports, 'acme')).rejects.toMatchObject({ status: 404 });
    const again = await registerAccountWebhook(f.ports, 'acme', { url: 'https://c.example/hook', events: null });
    expect((await getAccountWebhook(f.ports, 'acme'))?.id).toBe(again.endpoint.id);
  });

  it('a dangling pointer (crash between the two writes) reads as none and heals on register', async () => {
    const f = await setup();
    await f.stores.swapAccountWebhook('acme', undefined, 'wh_never_written');
    expect(await getAccountWebhook(f.ports, 'acme')).toBeUndefined();
    const { endpoint } = await registerAccountWebhook(f.ports, 'acme', { url: 'https://a.example/hook', events: null });
    expect((await f.stores.getTenant('acme'))?.accountWebhookId).toBe(endpoint.id);
  });

  it('deleting the account webhook through the admin surface clears the pointer', async () => {
    const f = await setup();
    const { endpoint } = await registerAccountWebhook(f.ports, 'acme', { url: 'https://a.example/hook', events: null });
    await deleteWebhook(f.ports, 'acme', endpoint.id);
    expect((await f.stores.getTenant('acme'))?.accountWebhookId).toBeUndefined();
  });
});

describe('admin webhooks (seed 003)', () => {
  it('generates a whsec_ secret when none is given and seals what it stores', async () => {
    const f = await setup();
    const made = await createAdminWebhook(f.ports, 'acme', { url: 'https://a.example/h', events: ['price.alert'] });
    expect(made.generated).toBe(true);
    expect(made.secret).toMatch(/^whsec_/);
    expect(JSON.stringify(await f.stores.listEndpoints('acme'))).not.toContain(made.secret);
    const given = await createAdminWebhook(f.ports, 'acme', { url: 'https://a.example/h', events: ['price.alert'], secret: 'whsec_your_signing_secret' });
    expect(given.generated).toBe(false);
  });

  it("another tenant's endpoint is not found for update or delete", async () => {
    const f = await setup();
    const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: 'https://a.example/h', events: ['price.alert'] });
    await expect(updateWebhook(f.ports, 'globex', endpoint.id, { status: 'disabled' })).rejects.toMatchObject({ status: 404 });
    await expect(deleteWebhook(f.ports, 'globex', endpoint.id)).rejects.toMatchObject({ status: 404 });
  });
});

describe('publishing', () => {
  it('enqueues the event in its fan-out message, and writes nothing for it', async () => {
    const f = await setup();
    const { id, replayed } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { p: 1 } });
    expect(id).toMatch(/^evt_/);
    expect(replayed).toBe(false);
    expect(f.sent).toEqual([
      {
        message: { kind: 'fanout', tenantId: 'acme', eventId: id, event: { type: 'price.alert', data: { p: 1 }, createdAt: '2026-02-16T12:00:00.000Z' } },
        delaySeconds: undefined,
      },
    ]);
    expect(f.stores.events.size).toBe(0);
    // The id carries the event's own millisecond (the service's clock, not the machine's): it is found by id from that.
    expect(eventTimeOfId(id)).toBe('2026-02-16T12:00:00.000Z');
  });

  it('finds an event by id through one read per webhook, its data null when not kept, and nothing of another tenant', async () => {
    const f = await setup();
    const hook = (await createAdminWebhook(f.ports, 'acme', { url: 'https://hooks.example.com/a', events: ['price.alert'] })).endpoint;
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { p: 1 } });
    await fanOut(f.ports, f.fanOutOf(id), silentLog);
    const found = await findEvent(f.ports, 'acme', id);
    expect(found).toMatchObject({ id, type: 'price.alert', createdAt: '2026-02-16T12:00:00.000Z', data: null });
    expect(found.deliveries.map((d) => d.endpointId)).toEqual([hook.id]);
    await expect(findEvent(f.ports, 'globex', id)).rejects.toMatchObject({ status: 404, code: 'event_not_found' });
  });

  it('stores an event with an idempotency key (it is the idempotency record)', async () => {
    const f = await setup();
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { p: 1 }, idempotencyKey: 'k1' });
    expect(await f.stores.getEvent('acme', id)).toMatchObject({ type: 'price.alert', data: { p: 1 }, idempotencyKey: 'k1' });
  });

  it('an Idempotency-Key replay returns the same id; a different body under the key is a conflict', async () => {
    const f = await setup();
    const input = { tenantId: 'acme', type: 'price.alert', data: { p: 1 }, idempotencyKey: 'order-42' };
    const first = await publishEvent(f.ports, input);
    const again = await publishEvent(f.ports, input);
    expect(again).toEqual({ id: first.id, replayed: true });
    expect(f.sent[1]!.delaySeconds).toBe(REPLAY_REPAIR_DELAY_SECONDS);
    expect(f.sent[1]!.message).toMatchObject({ kind: 'fanout', eventId: first.id, replay: true, event: { data: { p: 1 } } });
    await expect(publishEvent(f.ports, { ...input, data: { p: 2 } })).rejects.toMatchObject({ status: 409 });
    // The same key for another tenant is another event.
    const other = await publishEvent(f.ports, { ...input, tenantId: 'globex' });
    expect(other.id).not.toBe(first.id);
  });

  it('refuses an unknown tenant', async () => {
    const f = await setup();
    await expect(publishEvent(f.ports, { tenantId: 'nobody', type: 'price.alert', data: {} })).rejects.toMatchObject({
      status: 404,
      code: 'tenant_not_found',
    });
  });
});

describe('fan-out', () => {
  it('delivers to each active subscribed endpoint of the tenant only, and records each attempt', async () => {
    const f = await setup();
    const all = await registerAccountWebhook(f.ports, 'acme', { url: 'https://all.example/', events: null });
    const subscribed = await createAdminWebhook(f.ports, 'acme', { url: 'https://sub.example/', events: ['price.alert'] });
    await createAdminWebhook(f.ports, 'acme', { url: 'https://other.example/', events: ['subscription.created'] });
    const disabled = await createAdminWebhook(f.ports, 'acme', { url: 'https://off.example/', events: ['price.alert'] });
    await updateWebhook(f.ports, 'acme', disabled.endpoint.id, { status: 'disabled' });
    await createAdminWebhook(f.ports, 'globex', { url: 'https://globex.example/', events: ['price.alert'] });

    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { p: 1 } });
    const outcome = await fanOut(f.ports, f.fanOutOf(id), silentLog);
    expect(outcome).toMatchObject({ matched: 2, attempted: 2, skipped: 0 });
    expect(f.http.requests.map((r) => r.url).sort()).toEqual(['https://all.example/', 'https://sub.example/']);
    const accountReq = f.http.requests.find((r) => r.url === 'https://all.example/')!;
    const adminReq = f.http.requests.find((r) => r.url === 'https://sub.example/')!;
    expect(accountReq.headers['x-auggie-signature']).toBeDefined();
    expect(adminReq.headers['x-webhook-signature']).toMatch(/^sha256=/);
    for (const ep of [all.endpoint, subscribed.endpoint]) {
      const d = await f.stores.deliveryFor(id, ep.id);
      expect(d).toMatchObject({ status: 'succeeded', retryCount: 0, nextAttemptAt: null });
      expect(d!.attempts).toEqual([
        expect.objectContaining({ number: 1, statusCode: 200, error: null, trigger: 'automatic', responseBody: 'ok' }),
      ]);
    }
  });

  it('a first attempt that succeeds costs one write, the delivery record: the event is not stored', async () => {
    const f = await setup();
    await createAdminWebhook(f.ports, 'acme', { url: 'https://ok.example/', events: ['price.alert'] });
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} });
    await fanOut(f.ports, f.fanOutOf(id), silentLog, { redelivered: false });
    expect(f.stores.deliveries.size).toBe(1);
    expect(f.stores.events.size).toBe(0);
  });

  it('a failed first attempt is recorded as retrying with the next attempt time from the schedule', async () => {
    const f = await setup();
    const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: 'https://down.example/', events: ['price.alert'] });
    f.http.respond = () => ({ statusCode: 503, responseTimeMs: 12, error: null, bodyExcerpt: 'busy' });
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} });
    await fanOut(f.ports, f.fanOutOf(id), silentLog);
    const d = await f.stores.deliveryFor(id, endpoint.id);
    expect(d).toMatchObject({ status: 'retrying', retryCount: 0, nextAttemptAt: '2026-02-16T12:01:00.000Z' });
    expect(d!.attempts[0]).toMatchObject({ statusCode: 503, error: 'http_status', responseBody: 'busy' });
    expect(await f.stores.getEvent('acme', id)).toMatchObject({ type: 'price.alert' }); // stored for the retries
  });

  it('classifies timeouts, connection errors and redirects as failed attempts', async () => {
    const f = await setup();
    const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: 'https://x.example/', events: ['price.alert'] });
    const cases = [
      [{ statusCode: null, responseTimeMs: 30000, error: 'timeout', bodyExcerpt: null }, 'timeout'],
      [{ statusCode: null, responseTimeMs: 1, error: 'connection', bodyExcerpt: null }, 'connection'],
      [{ statusCode: 302, responseTimeMs: 1, error: null, bodyExcerpt: '' }, 'redirect'],
    ] as const;
    for (const [result, expected] of cases) {
      f.http.respond = () => ({ ...result });
      const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} });
      await fanOut(f.ports, f.fanOutOf(id), silentLog);
      expect((await f.stores.deliveryFor(id, endpoint.id))!.attempts[0]!.error).toBe(expected);
    }
  });

  it('running the same fan-out again sends nothing twice (redelivered message, idempotent replay)', async () => {
    const f = await setup();
    await createAdminWebhook(f.ports, 'acme', { url: 'https://a.example/', events: ['price.alert'] });
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} });
    await fanOut(f.ports, f.fanOutOf(id), silentLog);
    const again = await fanOut(f.ports, f.fanOutOf(id), silentLog);
    expect(again).toMatchObject({ matched: 1, attempted: 0, skipped: 1 });
    expect(f.http.requests).toHaveLength(1);
  });

  it('when recording fails the message fails, and the retry attempts only what is missing', async () => {
    const f = await setup();
    const a = await createAdminWebhook(f.ports, 'acme', { url: 'https://a.example/', events: ['price.alert'] });
    await createAdminWebhook(f.ports, 'acme', { url: 'https://b.example/', events: ['price.alert'] });
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} });
    const original = f.stores.createDelivery.bind(f.stores);
    f.stores.createDelivery = async (d) => {
      if (d.endpointId === a.endpoint.id) throw new Error('ProvisionedThroughputExceededException');
      return original(d);
    };
    await expect(fanOut(f.ports, f.fanOutOf(id), silentLog)).rejects.toThrow(/1 of 2/);
    f.stores.createDelivery = original;
    const retry = await fanOut(f.ports, f.fanOutOf(id), silentLog);
    expect(retry).toMatchObject({ attempted: 1, skipped: 1 });
    expect(f.http.requests.filter((r) => r.url === 'https://a.example/')).toHaveLength(2);
    expect(f.http.requests.filter((r) => r.url === 'https://b.example/')).toHaveLength(1);
  });

  it('a message seen for the first time skips the lookup of recorded deliveries; a redelivered one makes it', async () => {
    const f = await setup();
    await createAdminWebhook(f.ports, 'acme', { url: 'https://a.example/', events: ['price.alert'] });
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} });
    let lookups = 0;
    const lookup = f.stores.existingDeliveryIds.bind(f.stores);
    f.stores.existingDeliveryIds = async (...args) => {
      lookups++;
      return lookup(...args);
    };
    await fanOut(f.ports, f.fanOutOf(id), silentLog, { redelivered: false });
    expect(lookups).toBe(0);
    expect(await fanOut(f.ports, f.fanOutOf(id), silentLog, { redelivered: true })).toMatchObject({ attempted: 0, skipped: 1 });
    expect(lookups).toBe(1);
    // Even unlooked-up, a duplicate records nothing twice.
    expect(await fanOut(f.ports, f.fanOutOf(id), silentLog, { redelivered: false })).toMatchObject({ attempted: 0 });
    expect(f.stores.deliveries.size).toBe(1);
  });

  it('an event that no longer exists is dropped, not retried forever', async () => {
    const f = await setup();
    await expect(fanOut(f.ports, { kind: 'fanout', tenantId: 'acme', eventId: 'evt_gone' }, silentLog)).resolves.toMatchObject({ matched: 0 });
  });
});
