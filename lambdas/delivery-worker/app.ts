import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { fanOut } from '../shared/domain/delivery';
import type { Ports } from '../shared/domain/ports';
import { flushMetrics, logger, metrics, tracer } from '../shared/powertools';

const MESSAGE = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fanout'), tenantId: z.string().min(1), eventId: z.string().min(1) }),
]);

/**
 * The delivery worker: each SQS message is one published event to fan out. Messages of a
 * batch run concurrently; a message that fails is reported alone (partial batch failure) and
 * comes back, and after maxReceiveCount lands in the DLQ.
 */
export const createDeliveryWorkerHandler = (ports: Ports) => {
  const processor = new BatchProcessor(EventType.SQS);

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const message = MESSAGE.parse(JSON.parse(record.body));
    const outcome = await fanOut(ports, message, logger);
    for (const d of outcome.deliveries) {
      metrics.addMetric(d.status === 'succeeded' ? 'DeliveriesSucceeded' : 'DeliveryAttemptsFailed', 'Count', 1);
    }
  };

  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics())
    .handler((event, context) => processPartialResponse(event, handleRecord, processor, { context }));
};
