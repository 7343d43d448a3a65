import { attemptDelivery, type EventToDeliver, type Logger, logAttempt, type NotAttempted, scheduleOf, stateAfter } from './attempt';
import { noteAttemptOutcome } from './endpoint-health';
import { isSubscribed, passesFilter } from './endpoints';
import { deliveryIdFor } from './ids';
import { type Attempt, type Delivery, type Endpoint, RETRY_EVENT_BYTES } from './model';
import { routeOrdered, storedEvent } from './ordered-routing';
import type { AttemptMessage, DeliveryRef, FanOutMessage, Ports } from './ports';
import { stringifyExact } from './exact-json';
import { emitOperational, type FailedReason } from './operational-events';
import { noteCertificateExpiry } from './certificate-notice';

type Deps = Pick<
  Ports,
  'clock' | 'endpoints' | 'events' | 'deliveries' | 'http' | 'destinations' | 'tokens' | 'secretBox' | 'settings' | 'retries' | 'tenants' | 'queue' | 'slots' | 'operations' | 'pacing' | 'ordered'
>;

/**
 * Endpoint health must never undo a delivery already recorded: its faults are not thrown, but
 * reported as operational faults (a denied or throttled write leaves endpoints that should be
 * disabled sending on).
 */
const noteHealth = async (deps: Deps, endpoint: Endpoint, attempt: Attempt, log: Logger, runStartedAt?: string) => {
  try {
    await noteAttemptOutcome(deps, endpoint, attempt, log, runStartedAt);
    await noteCertificateExpiry(deps, endpoint, attempt.attemptedAt, log);
  } catch (err) {
    log.fault('EndpointHealthUpdateFailed', 'could not update endpoint health', { endpoint_id: endpoint.id, tenant_id: endpoint.tenantId, error: String(err) });
  }
};

/**
 * Tells the platform's operators that a delivery ended failed (`delivery.failed` on the stack's
 * bus): its automatic retries are spent, or they were cancelled with the endpoint or the event.
 * Put by the run that recorded the end, once; a tenant's manual re-send that fails is not news.
 */
const noteFailed = (
  deps: Deps,
  log: Logger,
  delivery: Pick<Delivery, 'id' | 'tenantId' | 'endpointId' | 'eventId' | 'eventType' | 'attempts'>,
  reason: FailedReason,
  at: string,
  endpoint?: Endpoint,
) => {
  const last = delivery.attempts.at(-1);
  return emitOperational(deps, log, {
    type: 'delivery.failed',
    time: at,
    detail: {
      tenant_id: delivery.tenantId,
      webhook_id: delivery.endpointId,
      ...(endpoint ? { url: endpoint.url } : {}),
      delivery_id: delivery.id,
      event_id: delivery.eventId,
      event_type: delivery.eventType,
      reason,
      attempts: delivery.attempts.length,
      last_status_code: last?.statusCode ?? null,
      last_error: last?.error ?? null,
      failed_at: at,
    },
  });
};

export { RETRY_EVENT_BYTES };
export { type AttemptLog, type Logger, type OperationalFault, attemptDelivery, busyDelaySeconds, type NotAttempted, scheduleOf, stateAfter } from './attempt';

/**
 * Brings a message back after a delay: the retry scheduler's (SQS, or Scheduler beyond 15
 * minutes), or, for an ordered endpoint, the FIFO message it came in, kept in flight that long.
 */
export type Later = (message: AttemptMessage, delaySeconds: number) => Promise<void>;

/** Schedules the next automatic attempt of a retrying delivery, for whatever time remains. */
const scheduleNext = async (deps: Deps, ref: DeliveryRef, attemptCount: number, nextAttemptAt: string, event: EventToDeliver, later: Later) => {
  const remaining = Math.max(0, Math.ceil((Date.parse(nextAttemptAt) - deps.clock.now().getTime()) / 1000));
  const carried = { type: event.type, data: event.data, createdAt: event.createdAt };
  const small = Buffer.byteLength(stringifyExact(carried)) <= RETRY_EVENT_BYTES;
  await later({ kind: 'attempt', ...ref, attempt: attemptCount + 1, trigger: 'automatic', ...(small ? { event: carried } : {}) }, remaining);
};

const refOf = (d: Pick<Delivery, 'tenantId' | 'endpointId' | 'id'>): DeliveryRef => ({
  tenantId: d.tenantId,
  endpointId: d.endpointId,
  deliveryId: d.id,
});

/** What names a delivery: its id, and the event and endpoint it joins. */
const identityOf = (id: string, event: EventToDeliver, endpoint: Endpoint) => ({
  id,
  tenantId: event.tenantId,
  endpointId: endpoint.id,
  eventId: event.id,
  eventType: event.type,
});

/**
 * The endpoint is at its concurrency cap or its rate limit: the delivery is recorded pending,
 * with no attempt, and its first attempt comes back when it said (scheduled before it is
 * recorded).
 */
const deferFirstAttempt = async (
  deps: Deps,
  event: EventToDeliver,
  endpoint: Endpoint,
  id: string,
  storeEvent: () => Promise<boolean>,
  log: Logger,
  why: NotAttempted,
  later: Later,
): Promise<Delivery | undefined> => {
  await storeEvent();
  const now = deps.clock.now();
  const delay = why.waitSeconds;
  const delivery: Delivery = {
    ...identityOf(id, event, endpoint),
    status: 'pending',
    retryCount: 0,
    nextAttemptAt: new Date(now.getTime() + delay * 1000).toISOString(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    attempts: [],
  };
  await later({ kind: 'attempt', ...refOf(delivery), attempt: 1, trigger: 'automatic' }, delay);
  if (!(await deps.deliveries.createDelivery(delivery))) return undefined;
  log.info(why.notAttempted === 'paced' ? 'delivery deferred: endpoint at its rate limit' : 'delivery deferred: endpoint at its concurrency cap', {
    tenant_id: delivery.tenantId,
    event_id: delivery.eventId,
    endpoint_id: delivery.endpointId,
    delivery_id: delivery.id,
    delay_seconds: delay,
  });
  return delivery;
};

/** Why a delivery whose last attempt failed is over: its retries are spent, or it is too large to ever be taken. */
const failedFor = (last: Attempt): FailedReason => (last.error === 'too_large' ? 'too_large' : 'retries_exhausted');

/**
 * The first attempt of a delivery, recorded with what follows it: its retry brought back by
 * `later` before the record is written, its endpoint's health, and `delivery.failed` when it
 * had no retry to come. Undefined when a concurrent run recorded it first.
 */
export const firstAttempt = async (
  deps: Deps,
  event: EventToDeliver,
  endpoint: Endpoint,
  id: string,
  storeEvent: () => Promise<boolean>,
  log: Logger,
  later: Later = (m, s) => deps.retries.schedule(m, s),
): Promise<Delivery | undefined> => {
  const attempt = await attemptDelivery(deps, endpoint, event, id, 1, 'automatic');
  if ('notAttempted' in attempt) return deferFirstAttempt(deps, event, endpoint, id, storeEvent, log, attempt, later);
  const delivery: Delivery = {
    ...identityOf(id, event, endpoint),
    ...stateAfter(scheduleOf(deps.settings, endpoint), [attempt]),
    createdAt: attempt.attemptedAt,
    updatedAt: attempt.attemptedAt,
    attempts: [attempt],
  };
  if (delivery.status !== 'succeeded') await storeEvent(); // retries, and manual ones, need it
  if (delivery.status === 'retrying') await scheduleNext(deps, refOf(delivery), 1, delivery.nextAttemptAt!, event, later);
  if (!(await deps.deliveries.createDelivery(delivery))) return undefined; // recorded by a concurrent run
  await noteHealth(deps, endpoint, attempt, log);
  if (delivery.status === 'failed') await noteFailed(deps, log, delivery, failedFor(attempt), attempt.attemptedAt, endpoint);
  logAttempt(log, delivery, attempt);
  return delivery;
};

export interface FanOutOutcome {
  eventCreatedAt?: string;
  matched: number;
  attempted: number;
  skipped: number;
  deliveries: Delivery[];
}

/**
 * Delivers one published event to every active endpoint of its tenant subscribed to its type,
 * concurrently, and schedules the first retry of each that failed. A retry is scheduled
 * before the attempt is recorded, so a recorded retrying delivery always has its retry on
 * the way. Safe to run again for the same event: recorded deliveries are skipped. Throws, so
 * the message comes back, when any delivery could not be attempted, scheduled and recorded.
 */
export const fanOut = async (
  deps: Deps,
  message: FanOutMessage,
  log: Logger,
  options: { redelivered: boolean } = { redelivered: true },
): Promise<FanOutOutcome> => {
  const kept = message.event ? undefined : await deps.events.getEvent(message.tenantId, message.eventId);
  const event: EventToDeliver | undefined = message.event ? { id: message.eventId, tenantId: message.tenantId, ...message.event } : kept?.erasedAt ? undefined : kept;
  if (!event) {
    log.warn('event no longer exists (or its payload was erased); nothing to deliver', { event_id: message.eventId, tenant_id: message.tenantId });
    return { matched: 0, attempted: 0, skipped: 0, deliveries: [] };
  }
  // A strongly consistent read: an endpoint registered before the event was published is
  // always delivered to (an eventually consistent one, half the price, could miss it).
  const onlyOne = message.only ? await deps.endpoints.getEndpoint(event.tenantId, message.only) : undefined;
  const subscribed = message.only
    ? onlyOne?.status === 'active' ? [onlyOne] : []
    : (await deps.endpoints.listSubscribed(event.tenantId, event.type)).filter((e) => isSubscribed(e, event.type) && passesFilter(e, event.data));
  // Ordered endpoints take their deliveries from the FIFO queue (a test event goes straight to
  // its one endpoint). A publish that put the event there already says so; else it goes now.
  const ordered = message.only ? [] : subscribed.filter((e) => e.ordered);
  if (ordered.length > 0 && !message.ordered) await routeOrdered(deps, event, ordered);
  const targets = ordered.length > 0 ? subscribed.filter((e) => !e.ordered) : subscribed;
  if (targets.length === 0) return { matched: 0, attempted: 0, skipped: 0, deliveries: [] };
  // A message seen for the first time has recorded nothing yet: skip the lookup. (A rare
  // duplicate of such a message is caught by the conditional record.)
  const refs = targets.map((e) => ({ tenantId: event.tenantId, endpointId: e.id, deliveryId: deliveryIdFor(event.id, e.id, event.createdAt) }));
  const recorded = options.redelivered || message.replay ? await deps.deliveries.existingDeliveryIds(refs) : new Set<string>();
  // Stored once, and only if some delivery needs a retry (a keyed event is stored already).
  let stored: Promise<boolean> | undefined;
  const storeEvent = () =>
    (stored ??= deps.events.putEvent(storedEvent(event)));
  const settled = await Promise.allSettled(
    targets.map(async (endpoint, i): Promise<Delivery | undefined> => {
      const id = refs[i]!.deliveryId;
      if (recorded.has(id)) return undefined;
      return firstAttempt(deps, event, endpoint, id, storeEvent, log);
    }),
  );
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failures.length > 0) {
    throw new AggregateError(
      failures.map((f) => f.reason),
      `${failures.length} of ${targets.length} deliveries of ${event.id} could not be attempted, recorded or scheduled`,
    );
  }
  const deliveries = settled.flatMap((s) => ((s as PromiseFulfilledResult<Delivery | undefined>).value ? [(s as PromiseFulfilledResult<Delivery>).value] : []));
  return {
    eventCreatedAt: event.createdAt,
    matched: targets.length,
    attempted: deliveries.length,
    skipped: targets.length - deliveries.length,
    deliveries,
  };
};

export type AttemptOutcome = 'attempted' | 'deferred' | 'waiting' | 'abandoned' | 'duplicate' | 'stale' | 'cancelled';

/** How long a run holds an attempt: the 30 s request timeout and a margin. */
export const ATTEMPT_CLAIM_SECONDS = 45;
/** How often a message that came too early comes back before the sweep is left to it (about 9 minutes). */
export const MAX_ATTEMPT_WAITS = 12;
const waitSeconds = (waits: number) => Math.min(2 ** waits, 60);

/**
 * The attempt before this one is not recorded yet (its run is still sending, or died and its
 * message will return), or another run is making this attempt: the message comes back later,
 * never dropped, waiting a little longer each time. After MAX_ATTEMPT_WAITS the run it waited
 * for has long finished or been redelivered; a delivery still stuck then is the sweep's.
 */
const comeBackLater = async (message: AttemptMessage, log: Logger, why: string, later: Later): Promise<AttemptOutcome> => {
  const waits = (message.waits ?? 0) + 1;
  const context = { tenant_id: message.tenantId, endpoint_id: message.endpointId, delivery_id: message.deliveryId, attempt: message.attempt, waits, why };
  if (waits > MAX_ATTEMPT_WAITS) {
    log.warn('attempt message abandoned to the sweep', context);
    return 'abandoned';
  }
  await later({ ...message, waits }, waitSeconds(waits));
  log.debug('attempt message comes back later', context);
  return 'waiting';
};

/**
 * Makes attempt `message.attempt` of a delivery (a retry, or a manual re-send). Idempotent:
 * an attempt already recorded is not made again, and the request is sent only under a claim
 * on the delivery (conditional on its attempt count), so two messages for one attempt never
 * both send. The next retry is scheduled before this attempt is recorded; a message that
 * arrives before the record it continues comes back later instead of being dropped. A retry
 * of an endpoint since deleted or disabled is cancelled: the delivery is marked failed.
 */
export const processAttempt = async (
  deps: Deps,
  message: AttemptMessage,
  log: Logger,
  later: Later = (m, s) => deps.retries.schedule(m, s),
): Promise<{ outcome: AttemptOutcome; delivery?: Delivery; eventCreatedAt?: string }> => {
  const delivery = await deps.deliveries.getDelivery(message);
  // Not recorded yet: its fan-out schedules the first retry before it records the delivery, so a
  // short retry can arrive first. It comes back later (after MAX_ATTEMPT_WAITS it is dropped:
  // a delivery never recorded was never attempted by a run that finished).
  if (!delivery) {
    // Or its tenant was erased (with its history): nothing will record it, so it is dropped now.
    if (!(await deps.tenants.tenantExists(message.tenantId))) return { outcome: 'abandoned' };
    return { outcome: await comeBackLater(message, log, 'the delivery is not recorded yet', later) };
  }
  const made = delivery.attempts.length;
  if (made >= message.attempt) return { outcome: 'duplicate' };
  if (delivery.status === 'succeeded') return { outcome: 'stale' };
  if (made < message.attempt - 1) return { outcome: await comeBackLater(message, log, 'the attempt before is not recorded yet', later) };
  // An automatic attempt only proceeds while the delivery waits for it (a retry, or a first
  // attempt the concurrency cap deferred); a manual one may pull it forward.
  const awaited = delivery.status === 'retrying' || (delivery.status === 'pending' && made === 0);
  if (message.trigger === 'automatic' && !awaited) return { outcome: 'stale' };

  const now = deps.clock.now();
  const endpoint = await deps.endpoints.getEndpoint(delivery.tenantId, delivery.endpointId);
  // An erased payload is never sent again: the erasure marks the event's deliveries, which this
  // reads anyway (a retry that carries its event still reads no stored event).
  const erased = delivery.eventErasedAt !== undefined;
  const event: EventToDeliver | undefined =
    endpoint?.status !== 'active' || erased
      ? undefined
      : message.event
        ? { id: delivery.eventId, tenantId: delivery.tenantId, ...message.event }
        : await deps.events.getEvent(delivery.tenantId, delivery.eventId);
  if (!endpoint || endpoint.status !== 'active' || !event) {
    const reason: FailedReason = !endpoint ? 'endpoint_deleted' : endpoint.status !== 'active' ? 'endpoint_disabled' : erased ? 'event_erased' : 'event_expired';
    const ended = await deps.deliveries.setState(refOf(delivery), made, { status: 'failed', nextAttemptAt: null, updatedAt: now.toISOString() });
    log.info('retry cancelled', {
      tenant_id: delivery.tenantId,
      event_id: delivery.eventId,
      delivery_id: delivery.id,
      endpoint_id: delivery.endpointId,
      reason: reason.replace('_', ' '),
    });
    if (ended && delivery.status !== 'failed') await noteFailed(deps, log, delivery, reason, now.toISOString(), endpoint);
    return { outcome: 'cancelled' };
  }

  const claimUntil = new Date(now.getTime() + ATTEMPT_CLAIM_SECONDS * 1000).toISOString();
  const claim = () => deps.deliveries.claimAttempt(refOf(delivery), made, claimUntil, now.toISOString());
  const attempt = await attemptDelivery(deps, endpoint, event, delivery.id, message.attempt, message.trigger, claim);
  if ('notAttempted' in attempt) {
    if (attempt.notAttempted === 'claimed') return { outcome: await comeBackLater(message, log, 'another run is making this attempt', later) };
    // Waiting its turn is not an attempt: nothing is recorded, the message comes back.
    await later(message, attempt.waitSeconds);
    return { outcome: 'deferred' };
  }
  const attempts = [...delivery.attempts, attempt];
  const next = stateAfter(scheduleOf(deps.settings, endpoint), attempts);
  if (next.status === 'retrying') await scheduleNext(deps, refOf(delivery), attempts.length, next.nextAttemptAt!, event, later);
  const recorded = await deps.deliveries.recordAttempt(refOf(delivery), made, {
    attempt,
    ...next,
    updatedAt: attempt.attemptedAt,
  });
  if (!recorded) return { outcome: 'duplicate' };
  // A failed retry continues the run its failed attempt before began; a manual one that fails starts one now.
  const before = delivery.attempts.at(-1);
  const runStartedAt = message.trigger === 'automatic' && before && before.error !== null ? before.attemptedAt : attempt.attemptedAt;
  await noteHealth(deps, endpoint, attempt, log, runStartedAt);
  if (next.status === 'failed' && message.trigger === 'automatic') await noteFailed(deps, log, { ...delivery, attempts }, failedFor(attempt), attempt.attemptedAt, endpoint);
  logAttempt(log, { ...delivery, ...next }, attempt);
  return {
    outcome: 'attempted',
    delivery: { ...delivery, ...next, attempts, updatedAt: attempt.attemptedAt },
    eventCreatedAt: event.createdAt,
  };
};
