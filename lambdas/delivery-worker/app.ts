import { BatchProcessor, EventType, processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { fanOut, type Logger, processAttempt } from '../shared/domain/delivery';
import { parseExact } from '../shared/domain/exact-json';
import { continueRecovery } from '../shared/domain/recovery';
import { processOrdered, routeOrderedFanOut } from '../shared/domain/ordered';
import { sweepOverdue } from '../shared/domain/sweep';
import { continueErasure, ERASURE_PHASES } from '../shared/domain/tenant-erasure';
import { type Delivery, lastAttempt } from '../shared/domain/model';
import type { AttemptMessage, FanOutMessage, OrderedFanOutMessage, OrderedMessage, Ports } from '../shared/domain/ports';
import { flushMetrics, logger, metrics, tracing } from '../shared/powertools';
import { invocationDeadline, Unfinished } from './deadline';

// `data` came out of the JSON parser, so it is JSON: checking it again would walk every payload.
const EVENT = z.object({ type: z.string(), data: z.unknown(), createdAt: z.string() });

const FANOUT = z.object({
  kind: z.literal('fanout'),
  tenantId: z.string().check(z.minLength(1)),
  eventId: z.string().check(z.minLength(1)),
  event: z.optional(EVENT),
  replay: z.optional(z.boolean()),
  only: z.optional(z.string().check(z.minLength(1))),
  ordered: z.optional(z.boolean()),
});

const MESSAGE = z.discriminatedUnion('kind', [
  FANOUT,
  z.object({ kind: z.literal('fanouts'), messages: z.array(FANOUT).check(z.minLength(1)) }),
  z.object({
    kind: z.literal('attempt'),
    tenantId: z.string().check(z.minLength(1)),
    endpointId: z.string().check(z.minLength(1)),
    deliveryId: z.string().check(z.minLength(1)),
    attempt: z.number().check(z.int(), z.minimum(1)),
    trigger: z.enum(['automatic', 'manual']),
    waits: z.optional(z.number().check(z.int(), z.minimum(0))),
    event: z.optional(EVENT),
  }),
  z.object({
    kind: z.literal('recover'),
    recoveryId: z.string().check(z.minLength(1)),
    tenantId: z.string().check(z.minLength(1)),
    endpointId: z.string().check(z.minLength(1)),
    since: z.string(),
    until: z.string(),
    cursor: z.optional(z.string()),
  }),
  z.object({ kind: z.literal('sweep') }),
  z.object({
    kind: z.literal('erase'),
    tenantId: z.string().check(z.minLength(1)),
    phase: z.enum(ERASURE_PHASES),
    cursor: z.optional(z.string().check(z.minLength(1))),
  }),
  z.object({ kind: z.literal('ordered-fanout'), tenantId: z.string().check(z.minLength(1)), eventId: z.string().check(z.minLength(1)), event: EVENT }),
  z.object({
    kind: z.literal('ordered'),
    tenantId: z.string().check(z.minLength(1)),
    endpointId: z.string().check(z.minLength(1)),
    eventId: z.string().check(z.minLength(1)),
    deliveryId: z.string().check(z.minLength(1)),
    event: z.optional(EVENT),
  }),
]);

/** A FIFO message kept in flight on purpose (its group waits behind it): reported as not done, never as a fault. */
class Held extends Error {
  constructor(seconds: number) {
    super(`held for ${seconds} s`);
    this.name = 'Held';
  }
}

/** How long a FIFO message that failed waits before it is tried again (not the queue's six minutes, its group stalled). */
const ORDERED_RETRY_SECONDS = 5;

/**
 * EMF metrics of one attempt. No dimension but the service: never a tenant, URL or id, so the
 * metric count stays bounded whatever the traffic.
 */
const recordMetrics = (delivery: Delivery, eventCreatedAt: string | undefined) => {
  const attempt = lastAttempt(delivery);
  if (!attempt) {
    metrics.addMetric('DeliveriesDeferred', 'Count', 1); // the endpoint was at its concurrency cap
    return;
  }
  metrics.addMetric(attempt.error === null ? 'AttemptsSucceeded' : 'AttemptsFailed', 'Count', 1);
  metrics.addMetric('ReceiverResponseTime', 'Milliseconds', attempt.responseTimeMs);
  if (delivery.status === 'succeeded') {
    metrics.addMetric('DeliveriesSucceeded', 'Count', 1);
    if (eventCreatedAt) metrics.addMetric('DeliveryLatency', 'Milliseconds', Math.max(0, Date.parse(attempt.attemptedAt) - Date.parse(eventCreatedAt)));
  } else if (delivery.status === 'failed') {
    metrics.addMetric('DeliveriesFailed', 'Count', 1);
  } else {
    metrics.addMetric('RetriesScheduled', 'Count', 1);
  }
};

/**
 * Successful attempts of one invocation, each a short string (`tenant event endpoint #attempt
 * status ms`), written into the invocation's metrics line (EMF metadata: logged, never a
 * dimension) when it ends: about 70 bytes a delivery instead of a 500-byte line each, and
 * `filter @message like "evt_…"` finds them. (The delivery id follows from the event and the
 * endpoint: the history lists it.)
 */
const succeeded: string[] = [];
const noteSucceeded = () => {
  if (succeeded.length > 0) metrics.addMetadata('succeeded', succeeded.splice(0).join(', '));
};

/**
 * The endpoints subscribed to a type, read once per invocation, tenant and type. Still strongly
 * consistent for every message of the batch: each was published before the batch was
 * received, so a read made after that sees every endpoint registered before any of those
 * publishes.
 */
const endpointsOnceAnInvocation = (store: Ports['endpoints']): Ports['endpoints'] => {
  const lists = new Map<string, ReturnType<Ports['endpoints']['listSubscribed']>>();
  return new Proxy(store, {
    get(target, property) {
      if (property === 'listSubscribed') {
        return (tenantId: string, type: string) => {
          const key = JSON.stringify([tenantId, type]);
          let list = lists.get(key);
          if (!list) {
            list = target.listSubscribed(tenantId, type);
            lists.set(key, list);
            list.catch(() => lists.delete(key)); // a failed read is tried again by the next message
          }
          return list;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
};

/** The domain's log: powertools' Logger, and each operational fault also counted in its metric. */
const log: Logger = {
  debug: (message, extra) => logger.debug(message, extra),
  info: (message, extra) => logger.info(message, extra),
  warn: (message, extra) => logger.warn(message, extra),
  fault: (name, message, extra) => {
    logger.error(message, { ...extra, fault: name });
    metrics.addMetric(name, 'Count', 1);
  },
  succeeded: (a) =>
    succeeded.push(`${a.tenant_id} ${a.event_id} ${a.endpoint_id} #${a.attempt} ${a.status_code} ${a.response_time_ms}ms`),
};

/**
 * The delivery worker. A message is a published event to fan out, one attempt of a delivery
 * (a retry or a manual re-send), a page of a bulk recovery, a step of a tenant's erasure, or
 * the minutely sweep for overdue deliveries. Messages of a batch run
 * concurrently; a message that fails is reported alone (partial batch failure) and comes back,
 * and after maxReceiveCount lands in the DLQ. Each invocation bounds its attempts by its own
 * end (they settle as timeouts in time to be recorded) and gives up on a message still
 * unfinished just before it, reporting only that one: a hang never re-sends the others.
 */
export const createDeliveryWorkerHandler = (ports: Ports) => {
  const processor = new BatchProcessor(EventType.SQS);
  const fifoProcessor = new SqsFifoPartialProcessorAsync();

  const handleRecord = async (record: SQSRecord, ports: Ports): Promise<void> => {
    const message = MESSAGE.parse(parseExact(record.body));
    switch (message.kind) {
      case 'fanout':
      case 'fanouts': {
        // A pack's events fan out together; if any fails the pack comes back, and its recorded deliveries are skipped.
        const redelivered = Number(record.attributes.ApproximateReceiveCount ?? '1') > 1;
        const fanOuts = (message.kind === 'fanout' ? [message] : message.messages) as FanOutMessage[];
        const settled = await Promise.allSettled(fanOuts.map((m) => fanOut(ports, m, log, { redelivered })));
        for (const s of settled) if (s.status === 'fulfilled') for (const d of s.value.deliveries) recordMetrics(d, s.value.eventCreatedAt);
        const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failed.length === 1 && fanOuts.length === 1) throw failed[0]!.reason;
        if (failed.length > 0) throw new AggregateError(failed.map((f) => f.reason), `${failed.length} of ${fanOuts.length} fan-outs of a pack failed`);
        break;
      }
      case 'attempt': {
        const { outcome, delivery, eventCreatedAt } = await processAttempt(ports, message as AttemptMessage, log); // `data` came out of the JSON parser
        if (delivery) recordMetrics(delivery, eventCreatedAt);
        if (outcome === 'deferred') metrics.addMetric('DeliveriesDeferred', 'Count', 1);
        if (outcome === 'abandoned') metrics.addMetric('AttemptMessagesAbandoned', 'Count', 1);
        break;
      }
      case 'recover':
        await continueRecovery(ports, message);
        break;
      case 'erase':
        await continueErasure(ports, message);
        break;
      case 'sweep':
        // Any at all is a lost retry or a worker far behind: the OverdueDeliveries alarm watches it.
        metrics.addMetric('OverdueDeliveries', 'Count', await sweepOverdue(ports, log));
        break;
      case 'ordered-fanout':
      case 'ordered': {
        let holdSeconds: number | undefined;
        try {
          if (message.kind === 'ordered-fanout') await routeOrderedFanOut(ports, message as OrderedFanOutMessage);
          else {
            const outcome = await processOrdered(ports, message as OrderedMessage, log);
            if ('holdSeconds' in outcome) holdSeconds = outcome.holdSeconds;
          }
        } catch (err) {
          await ports.ordered.hold(record.receiptHandle, ORDERED_RETRY_SECONDS).catch(() => undefined);
          throw err;
        }
        if (holdSeconds !== undefined) {
          await ports.ordered.hold(record.receiptHandle, holdSeconds);
          throw new Held(holdSeconds);
        }
        break;
      }
    }
  };

  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(tracing.middleware())
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics())
    // A batch whose every message failed is reported message by message, not thrown: an
    // invocation error would count in the Errors alarm for an ordinary retry.
    .handler(async (event, context) => {
      const deadline = invocationDeadline(context.getRemainingTimeInMillis());
      const invocation: Ports = { ...ports, endpoints: endpointsOnceAnInvocation(ports.endpoints), http: deadline.bound(ports.http), destinations: deadline.boundDestinations(ports.destinations), tokens: deadline.boundTokens(ports.tokens) };
      // The FIFO queue's records are taken one after another, a group stopping at its first not done.
      const fifo = event.Records[0]?.eventSourceARN.endsWith('.fifo') ?? false;
      try {
        const handle = (record: SQSRecord) =>
          deadline.finish(handleRecord(record, invocation)).catch((err: unknown) => {
            if (err instanceof Unfinished) logger.warn('message unfinished at the invocation\'s deadline: it comes back', { message_id: record.messageId, error: err.message });
            throw err;
          });
        return fifo
          ? await processPartialResponse(event, handle, fifoProcessor, { context, throwOnFullBatchFailure: false, skipGroupOnError: true })
          : await processPartialResponse(event, handle, processor, { context, throwOnFullBatchFailure: false });
      } finally {
        noteSucceeded();
      }
    });
};
