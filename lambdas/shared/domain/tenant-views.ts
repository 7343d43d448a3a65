import { getWebhook } from './endpoints';
import { NotFoundError } from './errors';
import { deliveryIdFor, eventTimeOfId } from './ids';
import { type Attempt, type Delivery, lastAttempt } from './model';
import type { JsonValue } from './python-json';
import type { DeliveryPage, Ports } from './ports';

type Deps = Pick<Ports, 'clock' | 'endpoints' | 'events' | 'deliveries'>;

/** An event found by its id: what it was, its data when hookpost kept it, and its delivery to each webhook. */
export interface FoundEvent {
  /** When its payload was erased (`data` is null). */
  erasedAt?: string;
  id: string;
  type: string;
  createdAt: string;
  /**
   * Kept when the event had an idempotency key or one of its deliveries needed a retry (a
   * re-send needs it), or always with `keepEventPayloads`; otherwise null for an event every
   * webhook took at the first attempt, which hookpost does not store (a write per event would
   * nearly double a delivery's cost).
   */
  data: JsonValue | null;
  deliveries: Delivery[];
}

/**
 * Finds an event by id without an index of events: a delivery's id is its event's time and a
 * hash of event and webhook (`deliveryIdFor`), and an event's time is in its own id (or in the
 * stored event, for a keyed one). So the lookup reads the tenant's webhooks and one item per
 * webhook: what it answers, whatever the history holds.
 */
export const findEvent = async (deps: Deps, tenantId: string, eventId: string): Promise<FoundEvent> => {
  const notFound = () => new NotFoundError(`Event "${eventId}"`, 'event_not_found');
  if (!/^evt_[0-9a-z]{26}$/.test(eventId)) throw notFound();
  const [endpoints, stored] = await Promise.all([deps.endpoints.listEndpoints(tenantId), deps.events.getEvent(tenantId, eventId)]);
  const createdAt = stored?.createdAt ?? eventTimeOfId(eventId);
  if (createdAt === undefined) throw notFound();
  const deliveries = await deps.deliveries.getDeliveries(
    endpoints.map((e) => ({ tenantId, endpointId: e.id, deliveryId: deliveryIdFor(eventId, e.id, createdAt) })),
  );
  // Only the event's own deliveries: an id's time is not proof on its own.
  const own = deliveries.filter((d) => d.eventId === eventId).sort((a, b) => a.endpointId.localeCompare(b.endpointId));
  const type = stored?.type ?? own[0]?.eventType;
  if (type === undefined) throw notFound();
  return { id: eventId, type, createdAt, data: stored ? stored.data : null, ...(stored?.erasedAt ? { erasedAt: stored.erasedAt } : {}), deliveries: own };
};

/** Store pages a failures page reads at most to fill up past the failures of deleted webhooks. */
const FAILED_PAGE_ROUNDS = 4;

/**
 * A page of the tenant's failed deliveries across its webhooks, newest first. A deleted
 * webhook's failures (recorded before its deletion, or a retry it cancelled later) are taken
 * out of the index as they are met, and the page reads on: each is read once, so a page still
 * reads about what it returns, over time. A page may come back short, with where to go on.
 */
export const failedAcrossWebhooks = async (deps: Deps, tenantId: string, request: { limit: number; startingAfter?: string }): Promise<DeliveryPage> => {
  const live = new Set((await deps.endpoints.listEndpoints(tenantId)).map((e) => e.id));
  const kept: Delivery[] = [];
  let after = request.startingAfter;
  let hasMore = true;
  for (let round = 0; round < FAILED_PAGE_ROUNDS && hasMore && kept.length < request.limit; round++) {
    const page = await deps.deliveries.listTenantFailed(tenantId, { limit: request.limit - kept.length, ...(after ? { startingAfter: after } : {}) });
    const gone = page.deliveries.filter((d) => !live.has(d.endpointId));
    if (gone.length > 0) await deps.deliveries.unlistTenantFailed(gone.map((d) => ({ tenantId, endpointId: d.endpointId, deliveryId: d.id })));
    kept.push(...page.deliveries.filter((d) => live.has(d.endpointId)));
    hasMore = page.hasMore;
    after = page.deliveries.at(-1)?.id ?? after;
  }
  return { deliveries: kept, hasMore, nextStartingAfter: hasMore ? (after ?? null) : null };
};

/** The window a webhook's health covers, and how many of its newest deliveries it reads at most. */
export const HEALTH_WINDOW_HOURS = 24;
export const HEALTH_SAMPLE = 100;

export interface WebhookHealth {
  webhookId: string;
  since: string;
  /** Deliveries read: the newest of the window, at most `HEALTH_SAMPLE`. */
  deliveries: number;
  /** Whether those are all the window holds (false: the figures cover its newest `HEALTH_SAMPLE`). */
  complete: boolean;
  succeeded: number;
  failed: number;
  /** Pending or retrying. */
  waiting: number;
  /** Succeeded of the finished ones (succeeded or failed); null when none finished. */
  successRate: number | null;
  lastAttempt: Attempt | null;
}

/**
 * A webhook's health over the last 24 hours, from its newest deliveries of that window (at
 * most `HEALTH_SAMPLE`, a bounded read: a busy webhook's figures cover its latest deliveries,
 * and say so). Not a counter kept per attempt, which would cost every delivery a write.
 */
export const webhookHealth = async (deps: Deps, tenantId: string, endpointId: string): Promise<WebhookHealth> => {
  await getWebhook(deps, tenantId, endpointId); // 404 for another tenant's, or none
  const since = new Date(deps.clock.now().getTime() - HEALTH_WINDOW_HOURS * 3_600_000).toISOString();
  const page = await deps.deliveries.listDeliveries(tenantId, endpointId, { offset: 0, limit: HEALTH_SAMPLE, since });
  const count = (status: Delivery['status']) => page.deliveries.filter((d) => d.status === status).length;
  const succeeded = count('succeeded');
  const failed = count('failed');
  const latest = page.deliveries
    .map(lastAttempt)
    .filter((a): a is Attempt => a !== undefined)
    .reduce<Attempt | null>((newest, a) => (newest === null || a.attemptedAt > newest.attemptedAt ? a : newest), null);
  return {
    webhookId: endpointId,
    since,
    deliveries: page.deliveries.length,
    complete: !page.hasMore,
    succeeded,
    failed,
    waiting: page.deliveries.length - succeeded - failed,
    successRate: succeeded + failed === 0 ? null : succeeded / (succeeded + failed),
    lastAttempt: latest,
  };
};

/**
 * Erases an event's payload (issue 28), by the tenant or the platform: the stored data goes at
 * once and a tombstone stays, so that the lookup says when, a keyed replay delivers nothing,
 * and a pending retry that comes due is cancelled (`event_erased`) instead of sent. Its
 * deliveries and their attempts stay: the history keeps that it was delivered, never what.
 */
export const eraseEvent = async (deps: Deps & Pick<Ports, 'clock' | 'tenants'>, tenantId: string, eventId: string): Promise<FoundEvent> => {
  // A tenant being erased is not found: its erasure takes the event (a tombstone written now could outlive it).
  if (!(await deps.tenants.getTenant(tenantId))) throw new NotFoundError(`Tenant "${tenantId}"`, 'tenant_not_found');
  const found = await findEvent(deps, tenantId, eventId);
  const at = found.erasedAt ?? deps.clock.now().toISOString();
  await deps.events.eraseEventData(tenantId, eventId, { type: found.type, createdAt: found.createdAt }, at);
  // Its deliveries, so that a retry riding with the payload is cancelled when it comes due.
  await deps.deliveries.markEventErased(found.deliveries.map((d) => ({ tenantId, endpointId: d.endpointId, deliveryId: d.id })), at);
  return { ...found, data: null, erasedAt: at };
};

