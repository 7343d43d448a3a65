import { describe, expect, it } from 'vitest';
import { fanOut } from '../../lambdas/shared/domain/delivery';
import { createAdminWebhook, deleteWebhook } from '../../lambdas/shared/domain/endpoints';
import { publishEvent, publishEvents } from '../../lambdas/shared/domain/events';
import { processOrdered, routeOrderedFanOut } from '../../lambdas/shared/domain/ordered';
import type { OrderedFanOutMessage, OrderedMessage } from '../../lambdas/shared/domain/ports';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { fakePorts, ok, silentLog } from '../support/fakes';

const setup = async () => {
  const f = fakePorts();
  f.ports.settings = { ...f.ports.settings, retrySchedule: [60, 300] };
  await createTenant(f.ports, { id: 'acme' });
  const { endpoint: ordered } = await createAdminWebhook(f.ports, 'acme', { url: 'https://ordered.example/', events: ['price.alert'], ordered: true });
  const { endpoint: free } = await createAdminWebhook(f.ports, 'acme', { url: 'https://free.example/', events: ['price.alert'] });
  return { f, ordered, free };
};

describe('ordered endpoints: publish order', () => {
  it('a tenant with an ordered endpoint has each publish put in its group, in batch order; its fan-out leaves the ordered endpoint to that', async () => {
    const { f, ordered } = await setup();
    const results = await publishEvents(f.ports, Array.from({ length: 12 }, (_, seq) => ({ tenantId: 'acme', type: 'price.alert', data: { seq } })));
    expect(f.orderedSent.map((e) => [e.group, e.message.kind, e.dedupId])).toEqual(results.map((r) => ['acme', 'ordered-fanout', r.id]));
    // Routing the tenant's group puts each event in the endpoint's group, in that order.
    for (const entry of f.orderedSent.splice(0)) await routeOrderedFanOut(f.ports, entry.message as OrderedFanOutMessage);
    expect(f.orderedSent.map((e) => [e.group, (e.message as OrderedMessage).eventId])).toEqual(results.map((r) => [`acme#${ordered.id}`, r.id]));
    // The standard fan-out delivers to the other endpoint only.
    f.http.respond = () => ok(200);
    const pack = f.sent[0]!.message as { messages: Array<{ ordered?: boolean }> };
    expect(pack.messages.every((m) => m.ordered)).toBe(true);
    await fanOut(f.ports, pack.messages[0] as never, silentLog);
    expect(f.http.requests.map((r) => r.url)).toEqual(['https://free.example/']);
  });

  it('a fan-out whose publish did not know of the ordered endpoint routes the event to it; a tenant without one publishes nothing in order', async () => {
    const { f, ordered } = await setup();
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} });
    const message = { ...f.fanOutOf(id) };
    delete message.ordered;
    f.orderedSent.length = 0;
    f.http.respond = () => ok(200);
    await fanOut(f.ports, message, silentLog);
    expect(f.orderedSent.map((e) => e.group)).toEqual([`acme#${ordered.id}`]);
    await deleteWebhook(f.ports, 'acme', ordered.id);
    f.orderedSent.length = 0;
    await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} });
    expect(f.orderedSent).toEqual([]);
  });
});

describe('ordered endpoints: one at a time', () => {
  const orderedMessage = async (f: Awaited<ReturnType<typeof setup>>['f']) => {
    await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { n: 1 } });
    await routeOrderedFanOut(f.ports, f.orderedSent[0]!.message as OrderedFanOutMessage);
    return f.orderedSent[1]!.message as OrderedMessage;
  };

  it('a failed attempt holds the group until its retry is due; the retry that succeeds lets it move on; nothing is scheduled elsewhere', async () => {
    const { f } = await setup();
    const message = await orderedMessage(f);
    f.http.respond = () => ({ statusCode: 503, responseTimeMs: 1, error: null, bodyExcerpt: '' });
    expect(await processOrdered(f.ports, message, silentLog)).toEqual({ holdSeconds: 60 });
    f.advance(20);
    expect(await processOrdered(f.ports, message, silentLog)).toEqual({ holdSeconds: 40 }); // came back early: no attempt
    expect(f.http.requests).toHaveLength(1);
    f.advance(40);
    f.http.respond = () => ok(200);
    expect(await processOrdered(f.ports, message, silentLog)).toEqual({ done: true });
    expect(f.http.requests).toHaveLength(2);
    expect(f.scheduled).toEqual([]);
    // Redelivered after it was done (a crash before the delete): it just moves on.
    expect(await processOrdered(f.ports, message, silentLog)).toEqual({ done: true });
    expect(f.http.requests).toHaveLength(2);
  });

  it('a delivery that fails for good lets the group move on; a deleted endpoint gets nothing', async () => {
    const { f, ordered } = await setup();
    const message = await orderedMessage(f);
    f.http.respond = () => ({ statusCode: 500, responseTimeMs: 1, error: null, bodyExcerpt: '' });
    for (const wait of [60, 300]) {
      expect(await processOrdered(f.ports, message, silentLog)).toEqual({ holdSeconds: wait });
      f.advance(wait);
    }
    expect(await processOrdered(f.ports, message, silentLog)).toEqual({ done: true });
    expect(f.http.requests).toHaveLength(3);
    expect(f.emitted.map((e) => e.type)).toContain('delivery.failed');
    const next = await orderedMessage(f);
    await deleteWebhook(f.ports, 'acme', ordered.id);
    expect(await processOrdered(f.ports, next, silentLog)).toEqual({ done: true });
    expect(f.http.requests).toHaveLength(3);
  });

  it('a rate limit holds the group without an attempt', async () => {
    const { f } = await setup();
    const message = await orderedMessage(f);
    f.ports.pacing = { take: async () => ({ waitSeconds: 3 }) };
    const endpoint = (await f.stores.getEndpoint('acme', message.endpointId))!;
    await f.stores.updateEndpoint('acme', endpoint.id, { rateLimitPerSecond: 1, updatedAt: endpoint.updatedAt });
    expect(await processOrdered(f.ports, message, silentLog)).toEqual({ holdSeconds: 3 });
    expect(f.http.requests).toHaveLength(0);
  });
});
