import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createDeliveryWorkerHandler } from '../../lambdas/delivery-worker/app';
import { fakePorts } from '../support/fakes';

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
});
