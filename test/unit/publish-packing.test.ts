import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createDeliveryWorkerHandler } from '../../lambdas/delivery-worker/app';
import { createAdminWebhook } from '../../lambdas/shared/domain/endpoints';
import { FANOUT_PACK_BYTES, FANOUT_PACK_EVENTS, publishEvents } from '../../lambdas/shared/domain/events';
import type { FanOutMessage } from '../../lambdas/shared/domain/ports';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { fakePorts } from '../support/fakes';

/**
 * A batch publish packs its events' fan-outs into few SQS messages (SQS bills a request per
 * 64 KB, and the worker takes ten messages an invocation): a hundred 1 KB events cost about a
 * tenth of the SQS requests and Lambda invocations they cost one message each.
 */
const context = { functionName: 'worker', awsRequestId: 'r', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
const setup = async () => {
  const f = fakePorts();
  await createTenant(f.ports, { id: 'acme' });
  await createAdminWebhook(f.ports, 'acme', { url: 'https://a.example/', events: ['price.alert'] });
  return f;
};
const event = (i: number, bytes = 100) => ({ tenantId: 'acme', type: 'price.alert', data: { i, pad: 'x'.repeat(bytes) } });

describe('batch publishing packs fan-outs', () => {
  it('packs up to ten events a message, in publish order', async () => {
    const f = await setup();
    const results = await publishEvents(f.ports, Array.from({ length: 25 }, (_, i) => event(i)));
    expect(f.sent.map((s) => s.message.kind)).toEqual(['fanouts', 'fanouts', 'fanouts']);
    const packed = f.sent.flatMap((s) => (s.message as { messages: FanOutMessage[] }).messages);
    expect(packed.map((m) => m.eventId)).toEqual(results.map((r) => r.id));
    expect(f.sent.map((s) => (s.message as { messages: unknown[] }).messages.length)).toEqual([FANOUT_PACK_EVENTS, FANOUT_PACK_EVENTS, 5]);
    expect(f.sent.every((s) => s.delaySeconds === undefined)).toBe(true);
  });

  it('keeps a pack within 60 KB, and sends an event that fills one alone as a plain fan-out', async () => {
    const f = await setup();
    await publishEvents(f.ports, [event(0, 40_000), event(1, 40_000), event(2, 100), event(3, 100)]);
    expect(f.sent.map((s) => s.message.kind)).toEqual(['fanout', 'fanouts']);
    for (const s of f.sent) expect(Buffer.byteLength(JSON.stringify(s.message))).toBeLessThanOrEqual(FANOUT_PACK_BYTES);
  });

  it('the worker delivers every event of a pack and records each delivery', async () => {
    const f = await setup();
    await publishEvents(f.ports, Array.from({ length: 10 }, (_, i) => event(i)));
    const [pack] = f.sent;
    const out = await createDeliveryWorkerHandler(f.ports)(
      { Records: [{ messageId: 'm', receiptHandle: 'm', body: JSON.stringify(pack!.message), attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn', awsRegion: 'us-east-1' }] } as unknown as SQSEvent,
      context,
    );
    expect(out.batchItemFailures).toEqual([]);
    expect(f.http.requests).toHaveLength(10);
    expect([...f.stores.deliveries.values()].filter((d) => d.status === 'succeeded')).toHaveLength(10);
  });
});
