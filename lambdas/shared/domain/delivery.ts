import { isSubscribed, secretContext } from './endpoints';
import { deliveryIdFor } from './ids';
import type { Attempt, Delivery, Endpoint, StoredEvent } from './model';
import type { FanOutMessage, Ports } from './ports';
import { signDelivery } from './signing';

type Deps = Pick<Ports, 'clock' | 'endpoints' | 'events' | 'deliveries' | 'http' | 'secretBox' | 'settings'>;

export interface Logger {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
}

const addSeconds = (iso: string, seconds: number): string => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/** Makes one HTTP attempt of `event` to `endpoint` and describes it. Never throws for the receiver's faults. */
export const attemptDelivery = async (
  deps: Deps,
  endpoint: Endpoint,
  event: StoredEvent,
  number: number,
  trigger: Attempt['trigger'],
): Promise<Attempt> => {
  const box = await deps.secretBox.get();
  const secret = box.open(endpoint.sealedSecret, secretContext(endpoint.tenantId, endpoint.id));
  const now = deps.clock.now();
  const request = signDelivery(
    endpoint.surface,
    { id: event.id, type: event.type, createdAt: event.createdAt, data: event.data },
    [secret],
    Math.floor(now.getTime() / 1000),
  );
  const result = await deps.http.post(endpoint.url, request.headers, request.body);
  const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  const redirect = result.statusCode !== null && result.statusCode >= 300 && result.statusCode < 400;
  return {
    number,
    attemptedAt: now.toISOString(),
    statusCode: result.statusCode,
    responseTimeMs: result.responseTimeMs,
    error: ok ? null : (result.error ?? (redirect ? 'redirect' : 'http_status')),
    responseBody: result.bodyExcerpt,
    trigger,
  };
};

/** The delivery record after its first attempt: succeeded, or retrying with the next attempt's time. */
export const firstDeliveryRecord = (
  deps: Pick<Deps, 'settings'>,
  event: StoredEvent,
  endpoint: Endpoint,
  attempt: Attempt,
): Delivery => {
  const succeeded = attempt.error === null;
  const firstDelay = deps.settings.retrySchedule[0];
  const status = succeeded ? 'succeeded' : firstDelay === undefined ? 'failed' : 'retrying';
  return {
    id: deliveryIdFor(event.id, endpoint.id),
    tenantId: event.tenantId,
    endpointId: endpoint.id,
    eventId: event.id,
    eventType: event.type,
    status,
    retryCount: 0,
    nextAttemptAt: status === 'retrying' ? addSeconds(attempt.attemptedAt, firstDelay!) : null,
    createdAt: attempt.attemptedAt,
    updatedAt: attempt.attemptedAt,
    attempts: [attempt],
  };
};

export interface FanOutOutcome {
  matched: number;
  attempted: number;
  skipped: number;
  deliveries: Delivery[];
}

/**
 * Delivers one published event to every active endpoint of its tenant subscribed to its type,
 * concurrently. Safe to run again for the same event: deliveries already recorded are skipped,
 * and a record is written only if none exists. Throws (so the message comes back) when any
 * delivery could not be attempted and recorded.
 */
export const fanOut = async (deps: Deps, message: FanOutMessage, log: Logger): Promise<FanOutOutcome> => {
  const event = await deps.events.getEvent(message.tenantId, message.eventId);
  if (!event) {
    log.warn('event no longer exists; nothing to deliver', { event_id: message.eventId, tenant_id: message.tenantId });
    return { matched: 0, attempted: 0, skipped: 0, deliveries: [] };
  }
  const targets = (await deps.endpoints.listEndpoints(event.tenantId)).filter((e) => isSubscribed(e, event.type));
  if (targets.length === 0) return { matched: 0, attempted: 0, skipped: 0, deliveries: [] };
  const existing = await deps.deliveries.existingDeliveryIds(
    event.tenantId,
    targets.map((e) => deliveryIdFor(event.id, e.id)),
  );
  const todo = targets.filter((e) => !existing.has(deliveryIdFor(event.id, e.id)));
  const settled = await Promise.allSettled(
    todo.map(async (endpoint) => {
      const attempt = await attemptDelivery(deps, endpoint, event, 1, 'automatic');
      const delivery = firstDeliveryRecord(deps, event, endpoint, attempt);
      await deps.deliveries.createDelivery(delivery);
      log.info('delivery attempted', {
        tenant_id: event.tenantId,
        event_id: event.id,
        endpoint_id: endpoint.id,
        delivery_id: delivery.id,
        status: delivery.status,
        status_code: attempt.statusCode,
        response_time_ms: attempt.responseTimeMs,
      });
      return delivery;
    }),
  );
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failures.length > 0) {
    throw new AggregateError(
      failures.map((f) => f.reason),
      `${failures.length} of ${todo.length} deliveries of ${event.id} could not be attempted or recorded`,
    );
  }
  return {
    matched: targets.length,
    attempted: todo.length,
    skipped: targets.length - todo.length,
    deliveries: settled.map((s) => (s as PromiseFulfilledResult<Delivery>).value),
  };
};
