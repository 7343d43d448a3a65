import type { AuditLog } from './audit';
import type { CatalogueEntry, EventDataValidator } from './event-catalogue';
import type { DestinationCheck } from './destination-check';
import type { AwsDestination } from './destinations';
import type { ApiKeyRecord, Attempt, Delivery, Endpoint, EndpointChanges, PreviousSecret, Recovery, StoredEvent, Tenant } from './model';
import type { OperationsBus } from './operational-events';
import type { JsonValue } from './python-json';
import type { SecretBox } from './secret-box';
import type { TargetPolicy } from './target-policy';
import type { ErasureCounts, ErasurePhase, ErasureStep, TenantErasure } from './tenant-erasure';
import type { PortalScope } from './portal-scope';
import type { PortalTheme } from './portal';

/** Ports the domain takes as arguments. Real adapters live in ../adapters; tests pass fakes. */
export interface Clock {
  now(): Date;
}

export interface TenantStore {
  getTenant(tenantId: string): Promise<Tenant | undefined>;
  /** Sets (or, null, removes) a tenant's own retention; undefined when there is no such tenant. */
  setTenantRetention(tenantId: string, days: number | null): Promise<Tenant | undefined>;
  /**
   * Whether the tenant has ordered endpoints, whose events its publishes must also put in
   * order: remembered by a container for ORDERED_ROUTING_TTL_SECONDS.
   */
  hasOrderedEndpoints(tenantId: string): Promise<boolean>;
  /** Counts the tenant's ordered endpoints up (created) or down (deleted). */
  countOrderedEndpoints(tenantId: string, change: 1 | -1): Promise<void>;
  /**
   * Whether the tenant exists and is not being erased. A yes is remembered by the container
   * for ORDERED_ROUTING_TTL_SECONDS: publishing pays this read once in that time per tenant, not
   * once per event, and an erasure stops a tenant's publishes within that time.
   */
  tenantExists(tenantId: string): Promise<boolean>;
  /** Creates the tenant; false when it exists already. */
  createTenant(tenant: Tenant): Promise<boolean>;
  /** Points the tenant at a new account webhook if the pointer still holds `expected`. */
  swapAccountWebhook(tenantId: string, expected: string | undefined, next: string | undefined): Promise<boolean>;
  putApiKey(key: ApiKeyRecord): Promise<void>;
  /** A portal session: found like a key, never listed, gone by TTL after it ends. */
  putSession(session: ApiKeyRecord): Promise<void>;
  putPortalLink(link: PortalLinkRecord): Promise<void>;
  /**
   * Marks a portal link used, once, if it has not expired at `now`: what it grants; `used` or
   * `expired` when it cannot be; undefined when no such link exists.
   */
  redeemPortalLink(tokenHash: string, now: string): Promise<{ tenantId: string; scope: PortalScope; theme?: PortalTheme; expiresAt: string } | 'used' | 'expired' | undefined>;
  findApiKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  deleteApiKey(key: ApiKeyRecord): Promise<void>;
  /**
   * Marks the tenant as being erased (kept if marked before): it is no longer found. The time
   * its erasure began; undefined when there is no such tenant (or its erasure has finished).
   */
  beginErasure(tenantId: string, at: string): Promise<string | undefined>;
}

/** A portal link as stored: by its token's hash, with what its session may do. */
export interface PortalLinkRecord {
  tokenHash: string;
  tenantId: string;
  scope: PortalScope;
  theme?: PortalTheme;
  expiresAt: string;
}

/** A tenant's erasure (`./tenant-erasure`): its record, and the deletes of each phase. */
export interface ErasureStore {
  getErasure(tenantId: string): Promise<TenantErasure | undefined>;
  /** Records a new erasure (replacing the receipt of a finished one); false when one is under way. */
  startErasure(erasure: TenantErasure): Promise<boolean>;
  /** Adds a step's counts (and, `done`, ends the erasure: its record becomes the receipt, expiring with the retention). */
  addErasureProgress(tenantId: string, counts: Partial<ErasureCounts>, at: string, done: boolean): Promise<void>;
  /** Deletes up to `limit` of what `phase` erases, from `cursor` (or the start of what remains). */
  erase(tenantId: string, phase: ErasurePhase, cursor: string | undefined, limit: number): Promise<ErasureStep>;
}

export interface EndpointStore {
  /** The tenant's endpoints, read strongly: the API reads its own writes, the fan-out every endpoint registered before the event. */
  listEndpoints(tenantId: string): Promise<Endpoint[]>;
  /**
   * The tenant's endpoints subscribed to `type` (whatever their status), read strongly; it
   * reads those and not the tenant's others, so a publish costs the same for a tenant of ten
   * endpoints or of ten thousand.
   */
  listSubscribed(tenantId: string, type: string): Promise<Endpoint[]>;
  getEndpoint(tenantId: string, endpointId: string): Promise<Endpoint | undefined>;
  createEndpoint(endpoint: Endpoint): Promise<void>;
  /** Replaces the mutable fields of an existing endpoint; undefined when it does not exist. */
  updateEndpoint(tenantId: string, endpointId: string, changes: EndpointChanges & { updatedAt: string }): Promise<Endpoint | undefined>;
  /**
   * Replaces the endpoint's secret and the list of rotated-out secrets still signing, only
   * while the current secret is still `expectedSealedSecret`. Undefined when the endpoint is
   * gone or another rotation won.
   */
  rotateSecret(
    tenantId: string,
    endpointId: string,
    expectedSealedSecret: string,
    next: { sealedSecret: string; previous: PreviousSecret[]; updatedAt: string; /** An Ed25519 endpoint's new public key. */ publicKey?: string },
  ): Promise<Endpoint | undefined>;
  /** Deletes, answering what was deleted; undefined when there was nothing to delete. */
  deleteEndpoint(tenantId: string, endpointId: string): Promise<Endpoint | undefined>;
  /** Notes the start of a run of failures, unless one is noted already; true only for the call that noted it. */
  markFailing(tenantId: string, endpointId: string, since: string): Promise<boolean>;
  /** Notes that the platform was told its client certificate (this fingerprint) expires soon; false when it was already, or the certificate changed. */
  noteCertificateNotice(tenantId: string, endpointId: string, fingerprint: string): Promise<boolean>;
  /** Clears the run of failures after a success; true only for the call that cleared it. */
  clearFailing(tenantId: string, endpointId: string): Promise<boolean>;
  /** Disables an active endpoint with a reason; false when it was not active (someone else did). */
  disableEndpoint(tenantId: string, endpointId: string, reason: string, at: string): Promise<boolean>;
}

export interface EventStore {
  /**
   * Stores a new event; false when an event with that id exists (an idempotent replay, or a
   * second failed delivery of the same event). Events are stored when a publish carries an
   * idempotency key, and when a delivery first needs a retry.
   */
  putEvent(event: StoredEvent): Promise<boolean>;
  /**
   * Erases an event's payload: the stored data goes, a tombstone stays (made when nothing was
   * stored) that lookups and retries read; the event's deliveries are untouched.
   */
  eraseEventData(tenantId: string, eventId: string, meta: { type: string; createdAt: string }, at: string): Promise<void>;
  getEvent(tenantId: string, eventId: string): Promise<StoredEvent | undefined>;
}

export interface DeliveryPage {
  deliveries: Delivery[];
  /** Whether older deliveries (matching the filter) may follow this page. */
  hasMore: boolean;
  /**
   * Where the next page starts (`startingAfter`): the last delivery read, returned or not (a
   * filtered page that read its limit of deliveries without filling up still moves on).
   */
  nextStartingAfter: string | null;
}

/** Which page of an endpoint's history: by offset (bounded) or after a delivery id (any depth). */
export interface PageRequest {
  offset: number;
  limit: number;
  status?: Delivery['status'];
  /** Deliveries older than this one (newest first, as the history lists them). */
  startingAfter?: string;
  /** Only deliveries whose event happened at or after this time. */
  since?: string;
}

export interface AttemptUpdate {
  attempt: Attempt;
  status: Delivery['status'];
  retryCount: number;
  nextAttemptAt: string | null;
  updatedAt: string;
}

/** Where a delivery lives: its tenant, its endpoint, its id. */
export interface DeliveryRef {
  tenantId: string;
  endpointId: string;
  deliveryId: string;
}

/** A delivery the sweep found overdue. */
export interface OverdueDelivery extends DeliveryRef {
  status: Delivery['status'];
  attemptCount: number;
  dueAt: string;
}

export interface DeliveryStore {
  /** The ids among `refs` that already have a record. */
  existingDeliveryIds(refs: DeliveryRef[]): Promise<Set<string>>;
  /** Records a delivery with its first attempt; false when it was recorded already. */
  createDelivery(delivery: Delivery): Promise<boolean>;
  getDelivery(ref: DeliveryRef): Promise<Delivery | undefined>;
  /** The recorded ones among `refs`, each with the attempts its item keeps (as a history page lists them). */
  getDeliveries(refs: DeliveryRef[]): Promise<Delivery[]>;
  /** Marks deliveries whose event's payload was erased: a retry that comes due is cancelled. */
  markEventErased(refs: DeliveryRef[], at: string): Promise<void>;
  /**
   * Appends an attempt and sets the new state, only if the delivery still has exactly
   * `expectedAttempts` attempts; false otherwise (so an attempt is never recorded twice).
   */
  recordAttempt(ref: DeliveryRef, expectedAttempts: number, update: AttemptUpdate): Promise<boolean>;
  /** Sets status and next attempt time, only if the delivery still has `expectedAttempts` attempts. */
  setState(
    ref: DeliveryRef,
    expectedAttempts: number,
    state: { status: Delivery['status']; nextAttemptAt: string | null; updatedAt: string },
  ): Promise<boolean>;
  /**
   * Claims the making of attempt `expectedAttempts + 1` until `until`: true only if the delivery
   * still has `expectedAttempts` attempts and no other run holds an unexpired claim (`now`).
   * Recording the attempt releases it; a crashed run's claim lapses by itself. So two messages
   * for the same attempt never both send a request (every request sent is recorded).
   */
  claimAttempt(ref: DeliveryRef, expectedAttempts: number, until: string, now: string): Promise<boolean>;
  /**
   * Turns a delivery in one of `from` with `expectedAttempts` attempts to pending (updated at
   * `now`), for a manual re-send due at `at`; false when another request did first (or the
   * delivery moved on).
   */
  beginManualRetry(ref: DeliveryRef, expectedAttempts: number, from: readonly Delivery['status'][], at: string, now: string): Promise<boolean>;
  /**
   * Deliveries waiting for an attempt (retrying or pending) whose attempt was due before
   * `dueBefore`, oldest first, at most `limit`; read from a sparse index of waiting deliveries
   * only, so the cost follows what is overdue, not the history.
   */
  listOverdue(dueBefore: string, limit: number): Promise<OverdueDelivery[]>;
  /** After a sweep re-drove it: looks at the delivery again at `checkAt` unless it moved on. */
  postponeOverdue(ref: DeliveryRef, expectedAttempts: number, checkAt: string): Promise<boolean>;
  /** Failed deliveries of an endpoint whose event happened in [since, until], a page at a time. */
  listFailed(
    tenantId: string,
    endpointId: string,
    window: { since: string; until: string },
    cursor: string | undefined,
    limit: number,
  ): Promise<{ deliveries: Delivery[]; cursor: string | undefined }>;
  /**
   * A page of an endpoint's history, newest first; `status` keeps only deliveries in that
   * state. Reads about what it returns: `failed` from a sparse index of failed deliveries;
   * other states filter the newest deliveries, reading at most a bounded number a page.
   */
  listDeliveries(tenantId: string, endpointId: string, page: PageRequest): Promise<DeliveryPage>;
  /** A page of the failed deliveries of every endpoint of a tenant, newest event first, from a sparse index by tenant. */
  listTenantFailed(tenantId: string, page: { limit: number; startingAfter?: string }): Promise<DeliveryPage>;
  /** Takes deliveries out of that index (their webhook is gone); their records stay until retention ends. */
  unlistTenantFailed(refs: DeliveryRef[]): Promise<void>;
  createRecovery(recovery: Recovery): Promise<void>;
  getRecovery(tenantId: string, recoveryId: string): Promise<Recovery | undefined>;
  /** Adds a page's failed deliveries found and re-sent to a recovery's progress, and marks it done with its last page. */
  addRecoveryProgress(tenantId: string, recoveryId: string, progress: { found: number; sent: number; done: boolean }): Promise<void>;
}

export interface FanOutMessage {
  kind: 'fanout';
  tenantId: string;
  eventId: string;
  /**
   * The event itself, so a delivery that succeeds first time needs no stored event. Absent
   * only from messages that predate it, which read the stored event.
   */
  event?: { type: string; data: JsonValue; createdAt: string };
  /** Re-sent by an idempotent replay or a redelivery: recorded deliveries must be looked up. */
  replay?: boolean;
  /** A test event: delivered to this one endpoint, whatever it subscribes to. */
  only?: string;
  /**
   * The publish also put the event in the tenant's ordered group: its ordered endpoints get it
   * from there. Absent (a publish that did not know of them yet), the fan-out routes it to them.
   */
  ordered?: boolean;
}

/** Make attempt `attempt` of a delivery (the first is made by the fan-out). */
export interface AttemptMessage {
  kind: 'attempt';
  tenantId: string;
  endpointId: string;
  deliveryId: string;
  /** 1 only for a first attempt the endpoint's concurrency cap deferred. */
  attempt: number;
  trigger: Attempt['trigger'];
  /**
   * How many times this message came back because the attempt before it was not recorded yet,
   * or another run was making this attempt: it waits a little longer each time, and gives up
   * (the sweep takes over) after MAX_ATTEMPT_WAITS.
   */
  waits?: number;
  /**
   * The event itself, on an automatic retry of an event small enough to ride along (it spares
   * the attempt a read of the stored event); absent, the attempt reads it.
   */
  event?: { type: string; data: JsonValue; createdAt: string };
}

/** Re-send an endpoint's failed deliveries of a time window, a page at a time. */
export interface RecoverMessage {
  kind: 'recover';
  recoveryId: string;
  tenantId: string;
  endpointId: string;
  since: string;
  until: string;
  cursor?: string;
}

/** One step of a tenant's erasure (`./tenant-erasure`). */
export interface EraseMessage {
  kind: 'erase';
  tenantId: string;
  phase: ErasurePhase;
  cursor?: string;
}

/** Find overdue deliveries and re-drive them (sent every minute by a recurring schedule). */
export interface SweepMessage {
  kind: 'sweep';
}

/** The fan-outs of several events published together, in one SQS message (see `publishEvents`). */
export interface FanOutPack {
  kind: 'fanouts';
  messages: FanOutMessage[];
}

export type DeliveryMessage = FanOutMessage | FanOutPack | AttemptMessage | RecoverMessage | SweepMessage | EraseMessage;

/** A tenant's event for its ordered endpoints, in the tenant's group of the FIFO queue (publish order). */
export interface OrderedFanOutMessage {
  kind: 'ordered-fanout';
  tenantId: string;
  eventId: string;
  event: { type: string; data: JsonValue; createdAt: string };
}

/** The delivery of an event to one ordered endpoint, in the endpoint's group of the FIFO queue. */
export interface OrderedMessage {
  kind: 'ordered';
  tenantId: string;
  endpointId: string;
  eventId: string;
  deliveryId: string;
  /** The event, when small enough to ride along (`RETRY_EVENT_BYTES`); absent, it is stored. */
  event?: { type: string; data: JsonValue; createdAt: string };
}

export interface OrderedEntry {
  /** The message group: a tenant's, or an endpoint's. */
  group: string;
  /** Same id within five minutes: sent once. */
  dedupId: string;
  message: OrderedFanOutMessage | OrderedMessage;
}

/** The FIFO queue of ordered endpoints' deliveries. */
export interface OrderedQueue {
  /** Sends the entries in the order given: each group receives its own in that order. */
  send(entries: OrderedEntry[]): Promise<void>;
  /** Keeps a received message in flight `seconds` more (SQS allows 12 hours), holding its group behind it. */
  hold(receiptHandle: string, seconds: number): Promise<void>;
}

export interface DeliveryQueue {
  /** Sends now or after up to 900 s. */
  send(message: DeliveryMessage, delaySeconds?: number): Promise<void>;
}

/**
 * Schedules a retry: within SQS's 15-minute delay on the queue itself, beyond it on
 * EventBridge Scheduler (locally, from persisted state). Scheduling the same message twice
 * is harmless: an attempt already recorded is skipped.
 */
export interface RetryScheduler {
  schedule(message: AttemptMessage, delaySeconds: number): Promise<void>;
  /**
   * Deletes the schedule of a delivery's attempt, if there is one (a retry waiting longer than
   * the queue's delay; shorter ones ride in the queue and are dropped when they come due):
   * whether there was one.
   */
  cancel(attempt: Pick<AttemptMessage, 'deliveryId' | 'attempt'>): Promise<boolean>;
}

export interface HttpResult {
  statusCode: number | null;
  responseTimeMs: number;
  error: 'timeout' | 'connection' | 'dns' | 'tls' | 'blocked' | null;
  /** Why, when the egress rules refused the target. */
  detail?: string;
  /** The first 1 KB of the body, as text. */
  bodyExcerpt: string | null;
  /** What a 429 or 503 asked for in `Retry-After`, in seconds. */
  retryAfterSeconds?: number | null;
  /** The response's `Content-Type`, when it had one. */
  contentType?: string;
}

/** A client certificate and its key (PEM), and extra roots for the server's certificate. */
export interface ClientTls {
  cert: string;
  key: string;
  /** Added to the public roots, never in their place of verification. */
  ca?: string;
}

export interface PostOptions {
  /** This request's limit (an endpoint's own timeout); absent, the sender's. */
  timeoutMs?: number;
  /**
   * The epoch millisecond by which the attempt must have settled whatever its timeout (the
   * worker's invocation is ending and the attempt must still be recorded): a shorter wait is
   * then a timeout that says it was cut short.
   */
  notAfterMs?: number;
  /** A client certificate to present (mutual TLS). */
  tls?: ClientTls;
  /** How much of the body to keep (the 1 KB excerpt by default; a token endpoint's answer needs more). */
  maxBodyBytes?: number;
}

export interface HttpSender {
  post(url: string, headers: Record<string, string>, body: string, options?: PostOptions): Promise<HttpResult>;
}

/** An OAuth 2.0 client-credentials grant, as a webhook's auth asks for it (`./receiver-auth`). */
export interface TokenRequest {
  /** Names the cached token: the endpoint and the credentials it was got with (a change gets a new one). */
  cacheKey: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  audience?: string;
  clientAuth: 'client_secret_basic' | 'client_secret_post';
}

export type TokenOutcome =
  | { ok: true; token: string; /** From the container's cache, not fetched for this request. */ cached: boolean }
  | { ok: false; /** How the token endpoint failed, in words. */ detail: string; /** Its answer, when it answered. */ response: { statusCode: number | null; responseTimeMs: number; responseBody: string | null } };

/** Bearer tokens for receivers that want one, fetched from the tenant's token endpoint and cached per container. */
export interface TokenSource {
  /** A token for `request`; `rejected`: the token a receiver refused with 401, which is fetched again (once, however many ask). */
  token(request: TokenRequest, options?: Pick<PostOptions, 'timeoutMs' | 'notAfterMs'> & { rejected?: string }): Promise<TokenOutcome>;
}

/** What an AWS destination receives of one attempt. */
export interface DestinationMessage {
  /** The surface's envelope, exactly the bytes signed. */
  body: string;
  eventType: string;
  webhookId: string;
  webhookTimestamp: string;
  webhookSignature: string;
}

export interface DestinationContext {
  tenantId: string;
  endpointId: string;
  deliveryId: string;
  externalId: string;
}

export type DestinationOutcome = { ok: true; messageId: string } | { ok: false; code: string; message: string; retryable: boolean };

/** Writes attempts into tenants' own buses, queues and topics, through their roles (issue 26). */
export interface DestinationSender {
  send(d: AwsDestination, m: DestinationMessage, ctx: DestinationContext, options?: Pick<PostOptions, 'timeoutMs' | 'notAfterMs'>): Promise<DestinationOutcome>;
  /** The "check" action: the role refuses other external ids, admits hookpost with the tenant's, and the target takes `test`. */
  check(d: AwsDestination, ctx: DestinationContext, test: DestinationMessage): Promise<DestinationCheck>;
}

/** How this deployment reaches tenants' accounts (absent: it does not; webhooks are URLs only). */
export interface DestinationSettings {
  /** The role tenants' roles trust (the stack's destination role): hookpost's principal. */
  principalArn: string;
  /** The platform's own account, where no destination role or target may be. */
  platformAccount: string;
  /** When set, the only accounts destinations may be in. */
  allowedAccounts?: string[];
  /** An EventBridge destination's `Source`. */
  source: string;
}

/**
 * Per-tenant API throttling: a fixed window of requests per tenant, shared by every container.
 */
export interface RateLimiter {
  /** Counts one request of `key`; 0 when it may proceed, else the seconds until it may retry. */
  take(key: string): Promise<number>;
}

/**
 * The per-endpoint cap on concurrent deliveries: a lease on one of the endpoint's slots is
 * held for the length of an HTTP attempt. A lease not released (a crashed container) lapses
 * after the request timeout.
 */
export interface DeliverySlots {
  /** A lease token, or null when the endpoint has as many deliveries in flight as it may. */
  acquire(tenantId: string, endpointId: string): Promise<string | null>;
  release(tenantId: string, endpointId: string, lease: string): Promise<void>;
}

/**
 * Endpoints' rate limits (`rate_limit_per_second`), across all workers: at most `perSecond`
 * attempts to an endpoint begin in any one UTC second.
 */
/** An attempt's turn under its endpoint's rate limit: the moment it begins, or the whole seconds it waits before asking again. */
export type PaceTurn = { beginsAt: Date } | { waitSeconds: number };

export interface EndpointPacing {
  /** Counts an attempt asking at `at` for its turn (never a `beginsAt` before `at`). */
  take(tenantId: string, endpointId: string, perSecond: number, at: Date): Promise<PaceTurn>;
}

/** Opens a SecretBox under the master key; adapters cache the key per container. */
export interface SecretBoxProvider {
  get(): Promise<SecretBox>;
}

export interface Settings {
  eventTypes: readonly string[];
  /** The catalogue with its descriptions, schemas and examples (issue 28); its types are `eventTypes`. */
  catalogue: readonly CatalogueEntry[];
  /** Delays in seconds before each retry; its length is the number of retries. */
  retrySchedule: readonly number[];
  /** Manual re-sends a bulk recovery makes per second, per endpoint. */
  recoveryRatePerSecond: number;
  /** An endpoint whose every attempt has failed for this long is disabled. */
  disableAfterFailingSeconds: number;
  /** How long events and deliveries are kept. */
  retentionDays: number;
  /** A waiting delivery whose attempt is this late is re-driven by the sweep. */
  overdueMarginSeconds: number;
  /** Store every event's payload for the retention (else only keyed or retried events'). */
  keepEventPayloads: boolean;
  /** Items a step of a tenant's erasure deletes at most. */
  erasureStepItems: number;
  /** Items a tenant's erasure deletes a second, about (its steps are spaced to it). */
  erasureRatePerSecond: number;
  /** How long a tenant's erasure waits, once its keys and webhooks are gone, before it erases the history: the longest a function that read the tenant before can still run. */
  erasureSettleSeconds: number;
  /** AWS destinations (issue 26); absent, a webhook can only be a URL. */
  destinations?: DestinationSettings;
}

export interface Ports {
  clock: Clock;
  tenants: TenantStore;
  endpoints: EndpointStore;
  events: EventStore;
  deliveries: DeliveryStore;
  queue: DeliveryQueue;
  ordered: OrderedQueue;
  retries: RetryScheduler;
  http: HttpSender;
  /** AWS destinations' writes (the worker's), and their check (the tenant routes'). */
  destinations: DestinationSender;
  /** OAuth tokens of webhooks whose receivers want one (the worker's). */
  tokens: TokenSource;
  /** Published events' data checked against their types' schemas (the publishing functions'). */
  eventData: EventDataValidator;
  /** The audit trail of changes (every route function's). */
  audit: AuditLog;
  /** Tenants' erasures (the platform's routes start and read them, the worker runs them). */
  erasures: ErasureStore;
  secretBox: SecretBoxProvider;
  targets: TargetPolicy;
  throttle: RateLimiter;
  slots: DeliverySlots;
  pacing: EndpointPacing;
  /** The stack's event bus, for the platform's operational events (the worker's only). */
  operations: OperationsBus;
  settings: Settings;
}
