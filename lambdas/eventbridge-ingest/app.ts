import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';

import { publishEvent } from '../shared/domain/events';
import { checkEventData } from '../shared/domain/event-data';
import { noteWarnings } from '../shared/data-warnings';
import type { Ports } from '../shared/domain/ports';
import type { JsonValue } from '../shared/domain/python-json';
import { buildSchemas } from '../shared/http/schemas';
import { flushMetrics, logger, metrics, tracing } from '../shared/powertools';

export type IngestEvent = EventBridgeEvent<string, unknown>;

/**
 * EventBridge ingest: an event put on the stack's bus with detail-type = event type and
 * detail = `{tenant_id, data}` is published exactly as `POST /v1/events` would publish it.
 * The EventBridge event id is the idempotency key, so EventBridge's own retries deliver once.
 * An event that is not valid throws: after the target's retries it lands in the DLQ.
 */
export const createEventBridgeIngestHandler = (ports: Ports) => {
  const schemas = buildSchemas(ports.settings.eventTypes);
  const ingest = async (event: IngestEvent): Promise<{ id: string }> => {
    const input = schemas.publish.parse({ ...(event.detail as object), type: event['detail-type'] });
    // Refused in enforce mode (after the target's retries, the event is in the DLQ); warned of in warn mode.
    noteWarnings(checkEventData(ports.eventData, [input], () => '/detail/data'), [input.tenant_id]);
    const result = await publishEvent(ports, {
      tenantId: input.tenant_id,
      type: input.type,
      data: input.data as JsonValue,
      idempotencyKey: `eventbridge/${event.id}`,
    });
    logger.info('event ingested from EventBridge', { tenant_id: input.tenant_id, event_id: result.id, eventbridge_id: event.id });
    if (!result.replayed) metrics.addMetric('EventsPublished', 'Count', 1);
    return { id: result.id };
  };
  return middy<IngestEvent, { id: string }, Error, Context>()
    .use(tracing.middleware())
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics())
    .handler(ingest);
};

