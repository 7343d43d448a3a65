import { describe, expect, it } from 'vitest';
import { createAdminWebhook, deleteWebhook } from '../../lambdas/shared/domain/endpoints';
import { publishEvent } from '../../lambdas/shared/domain/events';
import { failedAcrossWebhooks, findEvent } from '../../lambdas/shared/domain/tenant-views';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { deliveryRecord } from '../support/delivery-records';
import { fakePorts, silentLog } from '../support/fakes';
import { fanOut } from '../../lambdas/shared/domain/delivery';

/** The failures page across webhooks: a deleted webhook's failures are taken out as they are met, and the page fills up past them. */
describe('failures across webhooks', () => {
  const setup = async () => {
    const f = fakePorts();
    await createTenant(f.ports, { id: 'acme' });
    const live = (await createAdminWebhook(f.ports, 'acme', { url: 'https://hooks.example.com/live', events: ['price.alert'] })).endpoint.id;
    const gone = (await createAdminWebhook(f.ports, 'acme', { url: 'https://hooks.example.com/gone', events: ['price.alert'] })).endpoint.id;
    // Newest first: 10 of the deleted webhook's, then 5 of the live one's.
    for (let i = 0; i < 5; i++) await f.ports.deliveries.createDelivery(deliveryRecord({ tenantId: 'acme', endpointId: live, eventId: `evt_l${i}` }, i, 'failed'));
    for (let i = 0; i < 10; i++) await f.ports.deliveries.createDelivery(deliveryRecord({ tenantId: 'acme', endpointId: gone, eventId: `evt_g${i}` }, 100 + i, 'failed'));
    await deleteWebhook(f.ports, 'acme', gone);
    return { f, live, gone };
  };

  it('fills a page past a deleted webhook\'s failures, and takes each of them out once', async () => {
    const { f, live } = await setup();
    const page = await failedAcrossWebhooks(f.ports, 'acme', { limit: 4 });
    expect(page.deliveries.map((d) => d.endpointId)).toEqual([live, live, live, live]);
    expect(page.hasMore).toBe(true);
    expect(f.stores.unlisted.size).toBe(10);
    const next = await failedAcrossWebhooks(f.ports, 'acme', { limit: 4, startingAfter: page.nextStartingAfter! });
    expect(next.deliveries.map((d) => d.endpointId)).toEqual([live]);
    expect(next).toMatchObject({ hasMore: false, nextStartingAfter: null });
  });

  it('answers a short page with where to go on when the deleted webhook\'s failures outnumber what a page reads', async () => {
    const { f } = await setup();
    const page = await failedAcrossWebhooks(f.ports, 'acme', { limit: 2 });
    // Four store pages of two: eight of the deleted webhook's read and taken out, none to show yet.
    expect(page).toMatchObject({ deliveries: [], hasMore: true });
    expect(f.stores.unlisted.size).toBe(8);
    const next = await failedAcrossWebhooks(f.ports, 'acme', { limit: 2, startingAfter: page.nextStartingAfter! });
    expect(next.deliveries).toHaveLength(2);
    expect(f.stores.unlisted.size).toBe(10);
  });
});

describe('keeping every payload (keepEventPayloads)', () => {
  it('stores an event without an idempotency key, so its lookup shows its data; off, it is not stored', async () => {
    for (const keep of [true, false]) {
      const f = fakePorts();
      f.ports.settings.keepEventPayloads = keep;
      await createTenant(f.ports, { id: 'acme' });
      await createAdminWebhook(f.ports, 'acme', { url: 'https://hooks.example.com/a', events: ['price.alert'] });
      const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { p: 7 } });
      await fanOut(f.ports, f.fanOutOf(id), silentLog);
      expect(f.stores.events.size, `keep ${keep}`).toBe(keep ? 1 : 0);
      expect((await findEvent(f.ports, 'acme', id)).data, `keep ${keep}`).toEqual(keep ? { p: 7 } : null);
    }
  });
});
