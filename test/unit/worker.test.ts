import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { createDeliveryWorkerHandler } from '../../lambdas/delivery-worker/app';
import { createAdminWebhook } from '../../lambdas/shared/domain/endpoints';
import { publishEvent } from '../../lambdas/shared/domain/events';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { fakePorts, ok } from '../support/fakes';

const record = (id: string, body: string) => ({
  messageId: id,
  receiptHandle: id,
  body,
  attributes: { ApproximateReceiveCount: '1' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
  awsRegion: 'us-east-1',
});
const context = { functionName: 'worker', awsRequestId: 'r', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

describe('the delivery worker handler', () => {
  it('a batch whose every message fails reports each as a batch item failure instead of failing the invocation', async () => {
    const { ports } = fakePorts();
    const handler = createDeliveryWorkerHandler(ports);
    // An invocation error would count in the worker's Errors metric (and alarm) for what is an
    // ordinary message failure: SQS retries the reported messages and moves them to the DLQ.
    const out = await handler({ Records: [record('a', 'not json'), record('b', '{"kind":"nope"}')] } as unknown as SQSEvent, context);
    expect(out.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['a', 'b']);
  });

  it('a sweep message re-drives overdue deliveries', async () => {
    const { ports, sent } = fakePorts();
    const at = '2026-02-16T11:50:00.000Z'; // ten minutes before the fake clock: overdue by more than the 5-minute margin
    await ports.deliveries.createDelivery({
      id: 'dlv_1', tenantId: 'acme', endpointId: 'wh_1', eventId: 'evt_1', eventType: 'price.alert', status: 'retrying', retryCount: 0,
      nextAttemptAt: at, createdAt: at, updatedAt: at,
      attempts: [{ number: 1, attemptedAt: at, statusCode: 500, responseTimeMs: 1, error: 'http_status', responseBody: null, trigger: 'automatic' }],
    });
    const result = await createDeliveryWorkerHandler(ports)({ Records: [record('s', '{"kind":"sweep"}')] } as unknown as SQSEvent, context);
    expect(result.batchItemFailures).toEqual([]);
    expect(sent.map((s) => s.message)).toEqual([{ kind: 'attempt', tenantId: 'acme', endpointId: 'wh_1', deliveryId: 'dlv_1', attempt: 2, trigger: 'automatic' }]);
  });

  it('lists every successful delivery of an invocation in its metrics line, so "we never got the webhook" finds successes too', async () => {
    const f = fakePorts();
    await createTenant(f.ports, { id: 'acme' });
    const good = await createAdminWebhook(f.ports, 'acme', { url: 'https://good.example/', events: ['price.alert'] });
    const bad = await createAdminWebhook(f.ports, 'acme', { url: 'https://bad.example/', events: ['price.alert'] });
    f.http.respond = (req) => ({ statusCode: req.url === 'https://good.example/' ? 200 : 500, responseTimeMs: 7, error: null, bodyExcerpt: '' });
    const events = [await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} }), await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} })];
    const lines: Record<string, unknown>[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      return true;
    });
    // As deployed (the level is read when the logger is built, and each invocation returns to it).
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.resetModules();
    const { createDeliveryWorkerHandler: asDeployed } = await import('../../lambdas/delivery-worker/app');
    try {
      const out = await asDeployed(f.ports)(
        { Records: events.map((e, i) => record(`m${i}`, JSON.stringify(f.fanOutOf(e.id)))) } as unknown as SQSEvent,
        context,
      );
      expect(out.batchItemFailures).toEqual([]);
    } finally {
      vi.unstubAllEnvs();
      write.mockRestore();
    }
    // The Logs Insights query of the README: `filter @message like "evt_…"`.
    const emf = lines.filter((l) => l._aws);
    expect(emf).toHaveLength(1);
    for (const { id } of events) {
      const found = lines.filter((l) => JSON.stringify(l).includes(id));
      expect(found).toHaveLength(2);
      const success = (emf[0]!.succeeded as string).split(', ').find((s) => s.includes(id));
      expect(success).toBe(`acme ${id} ${good.endpoint.id} #1 200 7ms`);
      expect(found.find((l) => l.message === 'delivery attempted')).toMatchObject({ level: 'INFO', event_id: id, endpoint_id: bad.endpoint.id, status: 'retrying' });
    }
  });

  it('reads a tenant\'s endpoints once an invocation, however many of its events the batch holds', async () => {
    const f = fakePorts();
    for (const tenant of ['acme', 'umbrella']) {
      await createTenant(f.ports, { id: tenant });
      await createAdminWebhook(f.ports, tenant, { url: `https://${tenant}.example/`, events: ['price.alert'] });
    }
    const list = vi.spyOn(f.stores, 'listSubscribed');
    const publish = (tenantId: string) => publishEvent(f.ports, { tenantId, type: 'price.alert', data: {} });
    const batch = [await publish('acme'), await publish('acme'), await publish('umbrella'), await publish('acme')];
    const handler = createDeliveryWorkerHandler(f.ports);
    const invoke = (events: typeof batch) =>
      handler({ Records: events.map((e, i) => record(`m${i}`, JSON.stringify(f.fanOutOf(e.id)))) } as unknown as SQSEvent, context);
    expect((await invoke(batch)).batchItemFailures).toEqual([]);
    expect(f.http.requests).toHaveLength(4);
    expect(list.mock.calls.map(([tenant]) => tenant).sort()).toEqual(['acme', 'umbrella']);
    // The next invocation reads again: an endpoint registered since is delivered to.
    await createAdminWebhook(f.ports, 'acme', { url: 'https://acme-2.example/', events: ['price.alert'] });
    expect((await invoke([await publish('acme')])).batchItemFailures).toEqual([]);
    expect(list).toHaveBeenCalledTimes(3);
    expect(f.http.requests.filter((r) => r.url === 'https://acme-2.example/')).toHaveLength(1);
  });

  it('processes the messages the previous version wrote (an upgrade leaves them in the queue): a lone fan-out, an attempt without its event', async () => {
    const f = fakePorts();
    await createTenant(f.ports, { id: 'acme' });
    await createAdminWebhook(f.ports, 'acme', { url: 'https://a.example/', events: ['price.alert'] });
    let calls = 0;
    f.http.respond = () => ({ statusCode: ++calls === 1 ? 503 : 200, responseTimeMs: 1, error: null, bodyExcerpt: '' });
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { n: 1 } });
    const handler = createDeliveryWorkerHandler(f.ports);
    // As 0.1.0 (commit 867a4ea) wrote them: one fan-out a message; attempts without the event.
    const fanout = f.fanOutOf(id);
    expect((await handler({ Records: [record('old-fanout', JSON.stringify(fanout))] } as unknown as SQSEvent, context)).batchItemFailures).toEqual([]);
    const { event: _carried, ...attempt } = f.scheduled.shift()!.message;
    expect((await handler({ Records: [record('old-attempt', JSON.stringify(attempt))] } as unknown as SQSEvent, context)).batchItemFailures).toEqual([]);
    expect(f.http.requests).toHaveLength(2);
    expect([...f.stores.deliveries.values()][0]).toMatchObject({ status: 'succeeded', retryCount: 1 });
  });

  describe('an invocation that a message would outlast', () => {
    // An invocation with 1.5 s left: attempts must settle by 1.2 s, messages by 1.425 s.
    const short = { ...context, getRemainingTimeInMillis: () => 1_500 } as unknown as Context;
    const setup = async () => {
      const f = fakePorts();
      await createTenant(f.ports, { id: 'acme' });
      const hangs = await createAdminWebhook(f.ports, 'acme', { url: 'https://hangs.example/', events: ['price.alert'] });
      await createAdminWebhook(f.ports, 'acme', { url: 'https://healthy.example/', events: ['price.alert'] });
      const others = await createTenant(f.ports, { id: 'umbrella' });
      await createAdminWebhook(f.ports, 'umbrella', { url: 'https://umbrella.example/', events: ['price.alert'] });
      const events = [
        await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} }),
        await publishEvent(f.ports, { tenantId: 'umbrella', type: 'price.alert', data: {} }),
        await publishEvent(f.ports, { tenantId: 'umbrella', type: 'price.alert', data: {} }),
      ];
      const batch = { Records: events.map((e, i) => record(`m${i}`, JSON.stringify(f.fanOutOf(e.id)))) } as unknown as SQSEvent;
      return { f, hangs, others, batch };
    };

    it('bounds every attempt by the invocation\'s end, less the time to record it', async () => {
      const { f, batch } = await setup();
      const started = Date.now();
      await createDeliveryWorkerHandler(f.ports)(batch, short);
      expect(f.http.requests).toHaveLength(4);
      for (const r of f.http.requests) {
        expect(r.options?.notAfterMs).toBeGreaterThanOrEqual(started + 1_200 - 50);
        expect(r.options?.notAfterMs).toBeLessThanOrEqual(Date.now() + 1_200);
      }
    });

    it('an attempt that settles at that bound is recorded as a timeout, and no message of the batch comes back', async () => {
      const { f, hangs, batch } = await setup();
      // A receiver that never answers, behind a sender that keeps the bound it is given.
      f.http.respond = (req) =>
        req.url === 'https://hangs.example/'
          ? new Promise((r) => setTimeout(() => r({ statusCode: null, responseTimeMs: 1_200, error: 'timeout', bodyExcerpt: null }), req.options!.notAfterMs! - Date.now()))
          : ok(200);
      const out = await createDeliveryWorkerHandler(f.ports)(batch, short);
      expect(out.batchItemFailures).toEqual([]);
      const deliveries = [...f.stores.deliveries.values()];
      expect(deliveries).toHaveLength(4);
      expect(deliveries.find((d) => d.endpointId === hangs.endpoint.id)).toMatchObject({ status: 'retrying', attempts: [{ error: 'timeout' }] });
      expect(deliveries.filter((d) => d.status === 'succeeded')).toHaveLength(3);
    });

    it('a message still unfinished when the invocation must answer is the only one reported, before the invocation ends', async () => {
      const { f, batch } = await setup();
      // Something of that message hangs past every bound (a store, a sender that ignores it).
      f.http.respond = (req) => (req.url === 'https://hangs.example/' ? new Promise(() => undefined) : ok(200));
      const started = Date.now();
      const out = await createDeliveryWorkerHandler(f.ports)(batch, short);
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm0' }]);
      // The other tenant's two events were delivered and are done: they are not sent again.
      expect([...f.stores.deliveries.values()].filter((d) => d.tenantId === 'umbrella' && d.status === 'succeeded')).toHaveLength(2);
    });
  });
});
