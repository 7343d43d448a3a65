import { firstAttempt, type Later, type Logger, processAttempt } from './delivery';
import { isSubscribed, passesFilter } from './endpoints';
import type { EventToDeliver } from './attempt';
import { attemptsMade } from './model';
import { routeOrdered, storedEvent } from './ordered-routing';
import type { OrderedFanOutMessage, OrderedMessage, Ports } from './ports';


/**
 * Ordered endpoints (`ordered: true`): their deliveries are attempted one at a time, in publish
 * order. A tenant's publishes put its events in the tenant's group of a FIFO queue, in publish
 * order; routing them (one message of the group at a time) puts each in the group of every
 * ordered endpoint it is for; an endpoint's group has one message in flight at a time, and a
 * delivery that needs a retry keeps its message in flight until the retry is due, holding the
 * ones behind it, until it succeeds or fails for good. The attempts themselves are the same as
 * everywhere (claims, history, health, operational events); only what brings them back differs.
 */
type Deps = Pick<
  Ports,
  'clock' | 'endpoints' | 'events' | 'deliveries' | 'http' | 'destinations' | 'tokens' | 'secretBox' | 'settings' | 'retries' | 'tenants' | 'queue' | 'slots' | 'operations' | 'pacing' | 'ordered'
>;

/** The tenant's event, taken from its group in publish order, to each ordered endpoint it is for. */
export const routeOrderedFanOut = async (deps: Deps, message: OrderedFanOutMessage): Promise<number> => {
  const { type, data } = message.event;
  const targets = (await deps.endpoints.listSubscribed(message.tenantId, type)).filter((e) => e.ordered && isSubscribed(e, type) && passesFilter(e, data));
  await routeOrdered(deps, { id: message.eventId, tenantId: message.tenantId, ...message.event }, targets);
  return targets.length;
};

/** What an ordered message leaves: nothing (its group moves on), or its group held this long. */
export type OrderedOutcome = { done: true } | { holdSeconds: number };

/** A delivery moved on by another run (a manual re-send in progress): look again shortly. */
const LOOK_AGAIN_SECONDS = 5;

/**
 * Makes the next attempt of an ordered endpoint's delivery, if one is due, and says whether the
 * endpoint's group may move on: only once the delivery has succeeded or failed for good. A
 * retry, a rate limit, a concurrency cap or another run's claim hold the group for as long as
 * they need (nothing is scheduled elsewhere). Safe to run again after a crash: an attempt
 * recorded is never made twice, and a message whose delivery is done just moves on.
 */
export const processOrdered = async (deps: Deps, message: OrderedMessage, log: Logger): Promise<OrderedOutcome> => {
  const ref = { tenantId: message.tenantId, endpointId: message.endpointId, deliveryId: message.deliveryId };
  for (let round = 0; round < 3; round++) {
    let hold: number | undefined;
    const later: Later = async (_message, seconds) => {
      hold = Math.max(hold ?? 0, Math.max(1, seconds));
    };
    const outcome = (): OrderedOutcome => (hold === undefined ? { done: true } : { holdSeconds: hold });
    const delivery = await deps.deliveries.getDelivery(ref);
    if (!delivery) {
      const endpoint = await deps.endpoints.getEndpoint(message.tenantId, message.endpointId);
      if (endpoint?.status !== 'active') return { done: true }; // as a fan-out: nothing for an endpoint deleted or disabled
      const stored = message.event ? undefined : await deps.events.getEvent(message.tenantId, message.eventId);
      const event: EventToDeliver | undefined = message.event ? { id: message.eventId, tenantId: message.tenantId, ...message.event } : stored?.erasedAt ? undefined : stored;
      if (!event) {
        log.warn('event no longer exists; nothing to deliver', { event_id: message.eventId, tenant_id: message.tenantId });
        return { done: true };
      }
      const recorded = await firstAttempt(deps, event, endpoint, ref.deliveryId, () => deps.events.putEvent(storedEvent(event)), log, later);
      if (recorded) return outcome();
      continue; // recorded by a concurrent run: look again
    }
    if (delivery.status === 'succeeded' || delivery.status === 'failed') return { done: true };
    const dueInMs = delivery.nextAttemptAt ? Date.parse(delivery.nextAttemptAt) - deps.clock.now().getTime() : 0;
    if (dueInMs > 0) return { holdSeconds: Math.ceil(dueInMs / 1000) };
    const attempt = { kind: 'attempt' as const, ...ref, attempt: attemptsMade(delivery) + 1, trigger: 'automatic' as const, ...(message.event ? { event: message.event } : {}) };
    const { outcome: result } = await processAttempt(deps, attempt, log, later);
    if (result === 'duplicate') continue; // another run recorded this attempt: look again
    if (result === 'stale') return { holdSeconds: LOOK_AGAIN_SECONDS };
    if (result === 'abandoned') return { holdSeconds: 60 };
    return outcome();
  }
  return { holdSeconds: LOOK_AGAIN_SECONDS };
};
