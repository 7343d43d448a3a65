import { externalIdFor } from './destinations';
import { signingSecrets } from './endpoints';
import { ATTEMPT_TIMEOUT_MS, type Attempt, type Delivery, type Endpoint, ERROR_DETAIL_BYTES, RESPONSE_EXCERPT_BYTES, type SideResponse, type StoredEvent, truncateUtf8 } from './model';
import { bearer, receiverCredentials } from './receiver-credentials';
import type { DestinationMessage, HttpResult, PaceTurn, Ports, SecretBoxProvider, Settings } from './ports';
import { type SignedRequest, signDelivery } from './signing';

// One attempt: what it sends, how it is logged, and what state follows it (`./delivery` runs
// attempts within deliveries, fan-outs and retries).

type Deps = Pick<Ports, 'clock' | 'http' | 'destinations' | 'tokens' | 'secretBox' | 'slots' | 'pacing'>;

/** Faults an operator must see: each is logged at ERROR and counted in a metric of its name, which an alarm watches. */
export type OperationalFault = 'EndpointHealthUpdateFailed' | 'OperationalEventNotSent';

/** What the log says of one attempt. */
export interface AttemptLog {
  tenant_id: string;
  event_id: string;
  endpoint_id: string;
  delivery_id: string;
  attempt: number;
  trigger: Attempt['trigger'];
  status: Delivery['status'];
  status_code: number | null;
  error: Attempt['error'];
  response_time_ms: number;
}

export interface Logger {
  debug(message: string, extra: Record<string, unknown>): void;
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  fault(name: OperationalFault, message: string, extra: Record<string, unknown>): void;
  /**
   * A successful attempt. The worker logs them at INFO, gathered into one line an invocation
   * (a line each would cost more than SQS and Lambda together), so that a search for an event
   * id finds its successes as well as its failures.
   */
  succeeded(attempt: AttemptLog): void;
}

/** A failed attempt is a line of its own at INFO; a successful one goes to `log.succeeded`. */
export const logAttempt = (log: Logger, delivery: Delivery, attempt: Attempt) => {
  const line: AttemptLog = {
    tenant_id: delivery.tenantId,
    event_id: delivery.eventId,
    endpoint_id: delivery.endpointId,
    delivery_id: delivery.id,
    attempt: attempt.number,
    trigger: attempt.trigger,
    status: delivery.status,
    status_code: attempt.statusCode,
    error: attempt.error,
    response_time_ms: attempt.responseTimeMs,
  };
  if (attempt.error === null) log.succeeded(line);
  else log.info('delivery attempted', { ...line });
};

/**
 * The endpoint's own headers beside hookpost's: they can replace only what the API lets them
 * (`user-agent`), never a signature or the content headers, which it refuses at registration.
 */
const withCustomHeaders = (signed: Record<string, string>, custom: Record<string, string> | undefined): Record<string, string> => {
  if (!custom) return signed;
  const names = new Set(Object.keys(custom).map((n) => n.toLowerCase()));
  return { ...Object.fromEntries(Object.entries(signed).filter(([n]) => !names.has(n.toLowerCase()))), ...custom };
};

/** The retry schedule an endpoint's deliveries follow: its own, or the stack's. */
export const scheduleOf = (settings: Pick<Settings, 'retrySchedule'>, endpoint: Pick<Endpoint, 'retrySchedule'>): Pick<Settings, 'retrySchedule'> =>
  endpoint.retrySchedule ? { retrySchedule: endpoint.retrySchedule } : settings;

/** Waits for an attempt's turn under a rate limit (about two seconds at most), on the ports' clock. */
const sleepUntil = (clock: Deps['clock'], at: Date): Promise<void> => {
  const ms = at.getTime() - clock.now().getTime();
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
};

/**
 * How late an attempt may begin after its slot and still take it: less than the 25 ms a rate
 * limit's frame leaves over a second. Later (a stalled event loop fires every overdue timer at
 * once), the slot is gone and the attempt asks for another, so a stall never bunches attempts.
 */
export const LATE_FOR_SLOT_MS = 15;
/** Turns an attempt asks for before it gives up and comes back as paced (a retry's claim then lapses). */
const TURNS = 3;

/**
 * Sleeps until `turn` and keeps it, or asks again when it woke too late; a new turn whole
 * seconds away is not slept on (it would hold the invocation): the attempt comes back paced.
 */
const keepTurn = async (deps: Deps, endpoint: Endpoint, turn: Date): Promise<PaceTurn> => {
  let next: PaceTurn = { beginsAt: turn };
  for (let asked = 1; ; asked++) {
    if ('waitSeconds' in next) return next;
    await sleepUntil(deps.clock, next.beginsAt);
    if (deps.clock.now().getTime() - next.beginsAt.getTime() <= LATE_FOR_SLOT_MS) return next;
    if (asked >= TURNS) return { waitSeconds: 1 };
    next = await deps.pacing.take(endpoint.tenantId, endpoint.id, endpoint.rateLimitPerSecond!, deps.clock.now());
  }
};

/** What an attempt needs of an event. */
export type EventToDeliver = Omit<StoredEvent, 'requestHash' | 'idempotencyKey'>;

const addSeconds = (iso: string, seconds: number): string => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/** Seconds a delivery waits when its endpoint is at its concurrency cap (spread, so waiters do not return together). */
export const busyDelaySeconds = (): number => 5 + Math.floor(Math.random() * 6);

/**
 * Why no attempt was made, and how long to wait before trying again: the endpoint's rate limit
 * gives it no slot now (`paced`), the endpoint is at its concurrency cap (`at-cap`), or
 * another run holds the attempt (`claimed`).
 */
export interface NotAttempted {
  notAttempted: 'paced' | 'at-cap' | 'claimed';
  waitSeconds: number;
}

/**
 * Makes one attempt of `event` to `endpoint` (a POST, or a write to its AWS destination) and describes it. No request is sent when the
 * endpoint's rate limit gives it no slot now (`paced`, counted before anything is claimed:
 * a paced message must not hold the claim it comes back for; only one that woke too late for
 * its slot three times comes back under its claim, which lapses), when it already has as many
 * deliveries in flight as its cap allows (`at-cap`), or when `claim` says another run is making
 * this attempt (`claimed`). Never throws for the receiver's faults.
 */
export const attemptDelivery = async (
  deps: Deps,
  endpoint: Endpoint,
  event: EventToDeliver,
  deliveryId: string,
  number: number,
  trigger: Attempt['trigger'],
  claim?: () => Promise<boolean>,
): Promise<Attempt | NotAttempted> => {
  // Under a rate limit the attempt begins on the slot it was given, signed and recorded at that moment.
  let now = deps.clock.now();
  let turn: Date | undefined;
  if (endpoint.rateLimitPerSecond) {
    const pace = await deps.pacing.take(endpoint.tenantId, endpoint.id, endpoint.rateLimitPerSecond, now);
    if ('waitSeconds' in pace) return { notAttempted: 'paced', waitSeconds: pace.waitSeconds };
    turn = pace.beginsAt;
  }
  const lease = await deps.slots.acquire(endpoint.tenantId, endpoint.id);
  if (lease === null) return { notAttempted: 'at-cap', waitSeconds: busyDelaySeconds() };
  let sent: Sent;
  try {
    if (claim && !(await claim())) return { notAttempted: 'claimed', waitSeconds: 0 };
    const secrets = await signingSecrets(deps, endpoint, turn ?? now);
    if (turn) {
      // The wait is the last step before signing and sending, so nothing after it adds jitter.
      const kept = await keepTurn(deps, endpoint, turn);
      if ('waitSeconds' in kept) return { notAttempted: 'paced', waitSeconds: kept.waitSeconds };
      now = kept.beginsAt;
    }
    const request = signDelivery(
      endpoint.surface,
      { id: event.id, type: event.type, createdAt: event.createdAt, data: event.data },
      secrets,
      Math.floor(now.getTime() / 1000),
      endpoint.signatureScheme,
    );
    sent = endpoint.destination
      ? await toDestination(deps, endpoint, event, deliveryId, request)
      : await toReceiver(deps, endpoint, request);
  } finally {
    // A lease that cannot be given back lapses by itself; the attempt, made, must still be recorded.
    await deps.slots.release(endpoint.tenantId, endpoint.id, lease).catch(() => undefined);
  }
  return { number, attemptedAt: now.toISOString(), trigger, ...sent };
};

/** What an attempt records of how its request went, whether POSTed or written to an AWS target. */
type Sent = Omit<Attempt, 'number' | 'attemptedAt' | 'trigger'>;

const fromHttp = (result: HttpResult): Sent => {
  const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  const redirect = result.statusCode !== null && result.statusCode >= 300 && result.statusCode < 400;
  return {
    statusCode: result.statusCode,
    responseTimeMs: result.responseTimeMs,
    error: ok ? null : (result.error ?? (redirect ? 'redirect' : 'http_status')),
    responseBody: result.bodyExcerpt === null ? null : truncateUtf8(result.bodyExcerpt, RESPONSE_EXCERPT_BYTES),
    ...(result.detail ? { detail: truncateUtf8(result.detail, ERROR_DETAIL_BYTES) } : {}),
    ...(typeof result.retryAfterSeconds === 'number' ? { retryAfterSeconds: result.retryAfterSeconds } : {}),
  };
};

const sideResponse = (result: HttpResult): SideResponse => ({
  statusCode: result.statusCode,
  responseTimeMs: result.responseTimeMs,
  responseBody: result.bodyExcerpt === null ? null : truncateUtf8(result.bodyExcerpt, RESPONSE_EXCERPT_BYTES),
});

/**
 * A POST to the endpoint's URL with what its receiver wants beyond the signature (issue 27):
 * sensitive headers, Basic credentials, a client certificate, or an OAuth token. No token, no
 * request: the token endpoint's failure is the attempt's (`auth`), retried on the schedule. A
 * 401 to a token from the cache (it may have been revoked early) fetches a new one and sends
 * once more; the first answer is kept in `tokenRefresh`, so both requests are in the history.
 */
const toReceiver = async (deps: Pick<Deps, 'http' | 'tokens' | 'secretBox'>, endpoint: Endpoint, request: SignedRequest): Promise<Sent> => {
  const timeoutMs = (endpoint.timeoutSeconds ?? ATTEMPT_TIMEOUT_MS / 1000) * 1000;
  // One attempt, one timeout: with OAuth, the token request, the request and a resend after a
  // refresh share it (the per-endpoint lease outlives it by a margin only).
  const options = {
    ...(endpoint.timeoutSeconds ? { timeoutMs } : {}),
    ...(endpoint.auth?.type === 'oauth2_client_credentials' ? { notAfterMs: Date.now() + timeoutMs } : {}),
  };
  const credentials = await receiverCredentials(deps, endpoint, options);
  if (!credentials.ok) {
    return { statusCode: null, responseTimeMs: credentials.response.responseTimeMs, error: 'auth', responseBody: null, detail: truncateUtf8(credentials.detail, ERROR_DETAIL_BYTES), tokenEndpoint: credentials.response };
  }
  const { headers: secret, tls, oauth } = credentials.credentials;
  const postOptions = { ...options, ...(tls ? { tls } : {}) };
  const post = (extra: Record<string, string>) =>
    deps.http.post(endpoint.url, withCustomHeaders(request.headers, { ...endpoint.headers, ...extra }), request.body, Object.keys(postOptions).length > 0 ? postOptions : undefined);
  const first = await post(secret);
  if (first.statusCode !== 401 || !oauth?.cached) return fromHttp(first);
  const renewed = await deps.tokens.token(oauth.request, { ...options, rejected: oauth.token });
  if (!renewed.ok) {
    return { ...fromHttp(first), tokenEndpoint: renewed.response, detail: truncateUtf8(`the receiver refused the token (401), and a new one could not be had: ${renewed.detail}`, ERROR_DETAIL_BYTES) };
  }
  if (renewed.token === oauth.token) return fromHttp(first);
  return { ...fromHttp(await post({ ...secret, Authorization: bearer(renewed.token) })), tokenRefresh: sideResponse(first) };
};

/** The Standard Webhooks headers an AWS destination's message carries beside the envelope. */
export const destinationMessage = (request: SignedRequest, eventType: string): DestinationMessage => ({
  body: request.body,
  eventType,
  webhookId: request.headers['webhook-id']!,
  webhookTimestamp: request.headers['webhook-timestamp']!,
  webhookSignature: request.headers['webhook-signature']!,
});

/** The tenant's external id, which every AssumeRole of its destinations presents. */
export const tenantExternalId = async (deps: { secretBox: SecretBoxProvider }, tenantId: string): Promise<string> => externalIdFor(await deps.secretBox.get(), tenantId);

/**
 * An attempt to an AWS destination (issue 26): the service's answer in place of an HTTP status,
 * the message or event id, or the AWS error code and message; a message over the service's
 * limit is `too_large`, which no retry follows.
 */
const toDestination = async (deps: Pick<Deps, 'destinations' | 'secretBox'>, endpoint: Endpoint, event: EventToDeliver, deliveryId: string, request: SignedRequest): Promise<Sent> => {
  const ctx = { tenantId: endpoint.tenantId, endpointId: endpoint.id, deliveryId, externalId: await tenantExternalId(deps, endpoint.tenantId) };
  const started = performance.now();
  const outcome = await deps.destinations.send(endpoint.destination!, destinationMessage(request, event.type), ctx, endpoint.timeoutSeconds ? { timeoutMs: endpoint.timeoutSeconds * 1000 } : undefined);
  const base = { statusCode: null, responseTimeMs: Math.round(performance.now() - started), responseBody: null };
  if (outcome.ok) return { ...base, error: null, messageId: outcome.messageId };
  const message = truncateUtf8(outcome.message, ERROR_DETAIL_BYTES);
  return { ...base, error: outcome.retryable ? 'destination' : 'too_large', detail: truncateUtf8(`${outcome.code}: ${message}`, ERROR_DETAIL_BYTES), awsError: { code: outcome.code, message } };
};

/**
 * What follows an attempt, from the attempts alone: succeeded; or retrying after the next
 * delay of the schedule, counted from this attempt; or failed once the automatic retries are
 * spent. A manual attempt takes no slot of the schedule: it pulls the pending retry forward,
 * and on a failed delivery it is a last try.
 */
export const stateAfter = (
  settings: Pick<Settings, 'retrySchedule'>,
  attempts: readonly Attempt[],
): Pick<Delivery, 'status' | 'nextAttemptAt' | 'retryCount'> => {
  const last = attempts[attempts.length - 1]!;
  const retryCount = attempts.length - 1;
  if (last.error === null) return { status: 'succeeded', nextAttemptAt: null, retryCount };
  // Too large for its AWS target: every retry would be refused the same.
  if (last.error === 'too_large') return { status: 'failed', nextAttemptAt: null, retryCount };
  const automaticRetries = attempts.filter((a) => a.trigger === 'automatic').length - 1;
  const step = settings.retrySchedule[automaticRetries];
  if (step === undefined) return { status: 'failed', nextAttemptAt: null, retryCount };
  // A receiver's Retry-After is honoured within the schedule's bounds: never sooner than
  // this step, never later than the schedule's longest step.
  const delay = last.retryAfterSeconds === undefined ? step : Math.min(Math.max(step, last.retryAfterSeconds), Math.max(...settings.retrySchedule));
  return { status: 'retrying', nextAttemptAt: addSeconds(last.attemptedAt, delay), retryCount };
};

