import { ConflictError, NotFoundError, ValidationError } from './errors';
import type { Endpoint } from './model';
import { derivedId, newId, requestHashOf } from './ids';
import type { StoredEvent } from './model';
import { tenantGroup } from './ordered-routing';
import type { Clock, DeliveryQueue, EventStore, FanOutMessage, FanOutPack, OrderedEntry, OrderedQueue, Settings, TenantStore } from './ports';
import type { JsonValue } from './python-json';

type Deps = { tenants: TenantStore; events: EventStore; queue: DeliveryQueue; ordered: OrderedQueue; clock: Clock; settings: Pick<Settings, 'keepEventPayloads'> };

/** Where a publish puts an event: its fan-out, and, for a tenant with ordered endpoints, its place in the tenant's order. */
interface Outbox {
  fanOut(message: FanOutMessage): void;
  ordered(entry: OrderedEntry): void;
}

/** A tenant's event in its ordered group, deduplicated by event id (a retried publish of the same key). */
const orderedEntry = (message: FanOutMessage): OrderedEntry => ({
  group: tenantGroup(message.tenantId),
  dedupId: message.eventId,
  message: { kind: 'ordered-fanout', tenantId: message.tenantId, eventId: message.eventId, event: message.event! },
});

export interface PublishInput {
  tenantId: string;
  type: string;
  data: JsonValue;
  idempotencyKey?: string;
}

export interface PublishResult {
  id: string;
  /** True when an earlier publish with the same Idempotency-Key already accepted this event. */
  replayed: boolean;
}

/**
 * A replayed publish re-enqueues its fan-out after the longest SQS delay: if the first
 * publish crashed between storing the event and enqueueing it, this repairs it; otherwise
 * the fan-out finds every delivery recorded and sends nothing, so the event is delivered once.
 *
 * An event without an idempotency key is not written at all: it travels in its fan-out
 * message (SQS keeps it durably from the 202 on), and is stored only if a delivery of it
 * needs a retry. A delivery that succeeds first time thus costs one DynamoDB write.
 */
export const REPLAY_REPAIR_DELAY_SECONDS = 900;

const reusedKey = (where?: string) =>
  new ConflictError('idempotency_key_reused', `${where ? `${where}: ` : ''}This Idempotency-Key was already used with a different event type or data`);

/**
 * Publishes a batch all or nothing: every event is checked (its tenant, and its idempotency
 * key against the batch and against the stored events) before any is stored or enqueued, and
 * a refusal names the index of the offending event. A platform that retries a refused batch
 * therefore sends no event twice.
 */
export const publishEvents = async (deps: Deps, inputs: readonly PublishInput[]): Promise<PublishResult[]> => {
  const tenants = new Map(inputs.map((input, i) => [input.tenantId, i] as const).reverse()); // each tenant's first index
  for (const [tenantId, i] of [...tenants].sort((a, b) => a[1] - b[1])) {
    if (!(await deps.tenants.tenantExists(tenantId))) throw new NotFoundError(`events.${i}: Tenant "${tenantId}"`, 'tenant_not_found');
  }
  const keyed = inputs.map((input) =>
    input.idempotencyKey
      ? { id: derivedId('evt', input.tenantId, input.idempotencyKey), hash: requestHashOf(input.type, input.data) }
      : undefined,
  );
  const firstHash = new Map<string, string>();
  for (const [i, k] of keyed.entries()) {
    if (!k) continue;
    const seen = firstHash.get(k.id);
    if (seen !== undefined && seen !== k.hash) throw reusedKey(`events.${i}`);
    firstHash.set(k.id, k.hash);
  }
  const stored = await Promise.all(keyed.map((k, i) => (k ? deps.events.getEvent(inputs[i]!.tenantId, k.id) : undefined)));
  for (const [i, s] of stored.entries()) if (s && s.requestHash !== keyed[i]!.hash) throw reusedKey(`events.${i}`);
  // Checked whole; published concurrently, each fan-out handed to one pack: several events a
  // message. Ordered entries keep the batch's order (their publishes finish in any order).
  const outbox: FanOutMessage[] = [];
  const ordered: Array<OrderedEntry | undefined> = [];
  const orderedTenants = new Set<string>();
  for (const tenantId of tenants.keys()) if (await deps.tenants.hasOrderedEndpoints(tenantId)) orderedTenants.add(tenantId);
  const results = await Promise.all(
    inputs.map((input, i) =>
      publishChecked(deps, input, orderedTenants.has(input.tenantId), { fanOut: (m) => void outbox.push(m), ordered: (e) => void (ordered[i] = e) }),
    ),
  );
  await deps.ordered.send(ordered.filter((e): e is OrderedEntry => e !== undefined));
  await Promise.all(packFanOuts(outbox).map((m) => deps.queue.send(m)));
  return results;
};

/** Events a fan-out pack holds at most: with ten messages an invocation, a hundred events. */
export const FANOUT_PACK_EVENTS = 10;
/** A pack's size at most, as JSON: SQS bills a request per 64 KB of a message. */
export const FANOUT_PACK_BYTES = 60 * 1024;

/**
 * Groups fan-outs, in order, into packs of at most `FANOUT_PACK_EVENTS` and `FANOUT_PACK_BYTES`
 * (SQS bills a request per 64 KB: a pack costs what one event's message does); a fan-out that
 * fills a pack alone goes as it is.
 */
export const packFanOuts = (messages: FanOutMessage[]): Array<FanOutMessage | FanOutPack> => {
  const packs: FanOutMessage[][] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = Buffer.byteLength(JSON.stringify(m)) + 1;
    const last = packs.at(-1);
    if (last && last.length < FANOUT_PACK_EVENTS && bytes + size <= FANOUT_PACK_BYTES - 40) {
      last.push(m);
      bytes += size;
    } else {
      packs.push([m]);
      bytes = size;
    }
  }
  return packs.map((p) => (p.length === 1 ? p[0]! : { kind: 'fanouts' as const, messages: p }));
};

export const publishEvent = async (deps: Deps, input: PublishInput): Promise<PublishResult> => {
  if (!(await deps.tenants.tenantExists(input.tenantId))) {
    throw new NotFoundError(`Tenant "${input.tenantId}"`, 'tenant_not_found');
  }
  return publishChecked(deps, input, await deps.tenants.hasOrderedEndpoints(input.tenantId));
};

/**
 * Publishes one event of a tenant known to exist. Its fan-out goes to `outbox` (a batch packs
 * them) or straight to the queue, and for a tenant with ordered endpoints (`ordered`) it is also
 * put in the tenant's order first; a replay's repair, delayed, always goes alone (its fan-out
 * routes it to ordered endpoints, which skip what they have delivered).
 */
const publishChecked = async (deps: Deps, input: PublishInput, ordered: boolean, outbox?: Outbox): Promise<PublishResult> => {
  const requestHash = requestHashOf(input.type, input.data);
  // Events keep their time to the millisecond (it orders the delivery history; envelopes and
  // headers show it to the second, as the promised pages do), and an unkeyed event's id carries
  // that very millisecond: it is found by id from its deliveries, stored or not (./tenant-views).
  const now = deps.clock.now();
  const event: StoredEvent = {
    id: input.idempotencyKey ? derivedId('evt', input.tenantId, input.idempotencyKey) : newId('evt', now.getTime()),
    tenantId: input.tenantId,
    type: input.type,
    data: input.data,
    createdAt: now.toISOString(),
    requestHash,
    ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
  };
  const message: FanOutMessage = {
    kind: 'fanout' as const,
    tenantId: event.tenantId,
    eventId: event.id,
    event: { type: event.type, data: event.data, createdAt: event.createdAt },
  };
  // A keyed event is its own idempotency record (a second put is a replay); an unkeyed one is
  // stored only when the stack keeps every payload (`keepEventPayloads`).
  let fresh = true;
  if (input.idempotencyKey) fresh = await deps.events.putEvent(event);
  else if (deps.settings.keepEventPayloads) await deps.events.putEvent(event);
  if (fresh) {
    const fanOut = ordered ? { ...message, ordered: true } : message;
    if (outbox) {
      if (ordered) outbox.ordered(orderedEntry(message));
      outbox.fanOut(fanOut);
    } else {
      if (ordered) await deps.ordered.send([orderedEntry(message)]);
      await deps.queue.send(fanOut);
    }
    return { id: event.id, replayed: false };
  }
  const earlier = await deps.events.getEvent(input.tenantId, event.id);
  if (earlier && earlier.requestHash !== requestHash) throw reusedKey();
  // Its payload was erased: the replay is answered as one, and nothing is delivered again.
  if (earlier?.erasedAt) return { id: event.id, replayed: true };
  await deps.queue.send(
    { ...message, ...(earlier ? { event: { type: earlier.type, data: earlier.data, createdAt: earlier.createdAt } } : {}), replay: true },
    REPLAY_REPAIR_DELAY_SECONDS,
  );
  return { id: event.id, replayed: true };
};

/** The type of the test event a tenant sends to one of its webhooks (dashboard, API). */
export const TEST_EVENT_TYPE = 'webhook.test';

/**
 * Sends a test event to one active webhook only, whatever it subscribes to: signed and
 * delivered like any event, retried on the same schedule, and kept in its history.
 */
export const sendTestEvent = async (deps: Deps & { settings: Pick<Settings, 'catalogue'> }, endpoint: Endpoint, exampleOf?: string): Promise<{ id: string; type: string }> => {
  if (endpoint.status !== 'active') throw new ConflictError('webhook_disabled', 'This webhook is disabled; enable it to send it a test event');
  const now = deps.clock.now();
  const id = newId('evt', now.getTime());
  // The catalogue's example of a type (issue 28: "send this example to a webhook"), or hookpost's own test event.
  let type = TEST_EVENT_TYPE;
  let data: JsonValue = { webhook_id: endpoint.id, message: 'A test event from hookpost: your endpoint is receiving and verifying webhooks.' };
  if (exampleOf !== undefined) {
    const entry = deps.settings.catalogue.find((e) => e.type === exampleOf);
    if (!entry) throw new ValidationError(`event_type: "${exampleOf}" is not in the catalogue`, 'unknown_event_type');
    if (entry.example === undefined) throw new ValidationError(`event_type: ${exampleOf} has no example in the catalogue`, 'no_example');
    type = entry.type;
    data = entry.example;
  }
  if (deps.settings.keepEventPayloads) {
    await deps.events.putEvent({ id, tenantId: endpoint.tenantId, type, data, createdAt: now.toISOString(), requestHash: requestHashOf(type, data) });
  }
  await deps.queue.send({
    kind: 'fanout',
    tenantId: endpoint.tenantId,
    eventId: id,
    event: { type, data, createdAt: now.toISOString() },
    only: endpoint.id,
  });
  return { id, type };
};
