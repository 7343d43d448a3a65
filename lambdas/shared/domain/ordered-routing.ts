import { stringifyExact } from './exact-json';
import { deliveryIdFor, requestHashOf, sha256Hex } from './ids';
import type { EventToDeliver } from './attempt';
import { type Endpoint, RETRY_EVENT_BYTES, type StoredEvent } from './model';
import type { OrderedMessage, Ports } from './ports';

// Where ordered endpoints' deliveries are put in order (see `./ordered`).


/** A message group id: SQS takes at most 128 characters; longer ids are hashed. */
const groupId = (id: string): string => (id.length <= 128 ? id : `h#${sha256Hex(id)}`);
export const tenantGroup = (tenantId: string): string => groupId(tenantId);
export const endpointGroup = (tenantId: string, endpointId: string): string => groupId(`${tenantId}#${endpointId}`);

/** An event as stored for its retries (it has no idempotency key: a keyed one is stored at publish). */
export const storedEvent = (event: EventToDeliver): StoredEvent => ({ ...event, requestHash: requestHashOf(event.type, event.data) });

/**
 * Puts an event in the groups of the given ordered endpoints, in the order of the calls. A large
 * event is stored first and read by each delivery (an SQS message holds 1 MiB; many endpoints'
 * copies would not fit a batch).
 */
export const routeOrdered = async (deps: Pick<Ports, 'events' | 'ordered'>, event: EventToDeliver, endpoints: readonly Endpoint[]): Promise<void> => {
  if (endpoints.length === 0) return;
  const carried = { type: event.type, data: event.data, createdAt: event.createdAt };
  const small = Buffer.byteLength(stringifyExact(carried)) <= RETRY_EVENT_BYTES;
  if (!small) await deps.events.putEvent(storedEvent(event));
  await deps.ordered.send(
    endpoints.map((e) => {
      const deliveryId = deliveryIdFor(event.id, e.id, event.createdAt);
      const message: OrderedMessage = { kind: 'ordered', tenantId: event.tenantId, endpointId: e.id, eventId: event.id, deliveryId, ...(small ? { event: carried } : {}) };
      return { group: endpointGroup(event.tenantId, e.id), dedupId: deliveryId, message };
    }),
  );
};

