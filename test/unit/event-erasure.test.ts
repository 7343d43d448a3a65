import { describe, expect, it } from 'vitest';
import { fanOut, processAttempt } from '../../lambdas/shared/domain/delivery';
import { createAdminWebhook } from '../../lambdas/shared/domain/endpoints';
import { publishEvent } from '../../lambdas/shared/domain/events';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { eraseEvent, findEvent } from '../../lambdas/shared/domain/tenant-views';
import { fakePorts, ok, silentLog } from '../support/fakes';

/** Erasing an event's payload (issue 28): gone from the store, never sent again, the delivery records kept. */
const setup = async (answer = 500) => {
  const f = fakePorts();
  f.http.respond = () => ok(answer, 'down');
  f.ports.settings = { ...f.ports.settings, retrySchedule: [60, 300] };
  await createTenant(f.ports, { id: 'acme' });
  const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: 'https://receiver.example.com/h', events: ['price.alert'] });
  return { f, endpoint };
};

describe("erasing an event's payload", () => {
  it('the lookup says when; a retry that comes due is cancelled (event_erased), nothing sent; the delivery stays', async () => {
    const { f } = await setup();
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { card: '4242 4242 4242 4242' }, idempotencyKey: 'k-1' });
    const [delivery] = (await fanOut(f.ports, f.fanOutOf(id), silentLog)).deliveries;
    expect(delivery).toMatchObject({ status: 'retrying' });
    f.advance(10);
    const erased = await eraseEvent(f.ports, 'acme', id);
    expect(erased).toMatchObject({ id, data: null, erasedAt: '2026-02-16T12:00:10.000Z', deliveries: [expect.objectContaining({ id: delivery!.id })] });
    expect(JSON.stringify(await f.ports.events.getEvent('acme', id))).not.toContain('4242');
    expect(await findEvent(f.ports, 'acme', id)).toMatchObject({ data: null, erasedAt: '2026-02-16T12:00:10.000Z' });
    const sentBefore = f.http.requests.length;
    const retry = f.scheduled.shift()!;
    expect(JSON.stringify(retry.message)).toContain('4242'); // the pending retry carried the payload…
    f.advance(60);
    expect(await processAttempt(f.ports, retry.message, silentLog)).toMatchObject({ outcome: 'cancelled' });
    expect(f.http.requests.length).toBe(sentBefore); // …and it is not sent
    expect(await f.stores.getDelivery({ tenantId: 'acme', endpointId: delivery!.endpointId, deliveryId: delivery!.id })).toMatchObject({ status: 'failed', attempts: [expect.anything()] });
    expect(f.emitted.find((e) => e.type === 'delivery.failed')).toMatchObject({ detail: { reason: 'event_erased' } });
    // Erasing again answers the first erasure's time.
    expect((await eraseEvent(f.ports, 'acme', id)).erasedAt).toBe('2026-02-16T12:00:10.000Z');
  });

  it('a keyed publish replayed after the erasure is answered as a replay and delivers nothing', async () => {
    const { f } = await setup(200);
    const first = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { n: 1 }, idempotencyKey: 'k-2' });
    await fanOut(f.ports, f.fanOutOf(first.id), silentLog);
    await eraseEvent(f.ports, 'acme', first.id);
    const queued = f.sent.length;
    expect(await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { n: 1 }, idempotencyKey: 'k-2' })).toEqual({ id: first.id, replayed: true });
    expect(f.sent.length).toBe(queued);
  });

  it('an event hookpost never stored (delivered at the first attempt) gets a tombstone the lookup reads; an unknown one is a 404', async () => {
    const { f } = await setup(200);
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { n: 2 } });
    await fanOut(f.ports, f.fanOutOf(id), silentLog);
    expect(await f.ports.events.getEvent('acme', id)).toBeUndefined();
    await eraseEvent(f.ports, 'acme', id);
    expect(await findEvent(f.ports, 'acme', id)).toMatchObject({ id, type: 'price.alert', data: null, erasedAt: expect.any(String) });
    await expect(eraseEvent(f.ports, 'acme', 'evt_01jdz8k3m0x9y8z7w6v5u4t3s2')).rejects.toMatchObject({ status: 404, code: 'event_not_found' });
  });
});
