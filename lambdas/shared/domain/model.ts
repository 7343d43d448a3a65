import type { PortalScope } from './portal-scope';
import type { AwsDestination } from './destinations';
import type { ReceiverAuth, SealedCredential } from './receiver-auth';
import type { JsonValue } from './python-json';
import type { SignatureScheme, Surface } from './signing';

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
  /** The seed 000 account webhook of this tenant, if one is registered. */
  accountWebhookId?: string;
  /** Days its events, deliveries and audit records are kept, written from when it was set; absent: the stack's. */
  retentionDays?: number;
}

export interface ApiKeyRecord {
  keyId: string;
  tenantId: string;
  keyHash: string;
  createdAt: string;
  /** A portal session's end: after it, the key no longer authenticates (`./portal`). */
  expiresAt?: string;
  /** A read-only portal session: it may read, never change. */
  readOnly?: boolean;
  /** A portal session's scope (its link's): what it may do beyond reading, and on which webhooks (`./portal-scope`). */
  scope?: PortalScope;
}

export type EndpointStatus = 'active' | 'disabled';

/** A rotated-out secret in its grace period. */
export interface PreviousSecret {
  sealedSecret: string;
  expiresAt: string;
}

/** When the last rotated-out secret stops signing; undefined when none is in grace at `now`. */
export const graceEndsAt = (e: Pick<Endpoint, 'previousSecrets'>, now = new Date()): string | undefined =>
  (e.previousSecrets ?? [])
    .map((p) => p.expiresAt)
    .filter((at) => Date.parse(at) > now.getTime())
    .sort()
    .at(-1);

/** How long an attempt may take unless its endpoint says less (`timeoutSeconds`). */
export const ATTEMPT_TIMEOUT_MS = 30_000;

export interface Endpoint {
  id: string;
  tenantId: string;
  /** Which promised surface it was registered through; decides envelope and headers. */
  surface: Surface;
  /** Where deliveries are POSTed; for an AWS destination, its target's ARN (what lists show). */
  url: string;
  /** Delivered into the tenant's own bus, queue or topic through its role, not POSTed (`./destinations`). */
  destination?: AwsDestination;
  /** Subscribed event types; `null` means every type in the catalogue. */
  events: string[] | null;
  status: EndpointStatus;
  /** The signing secret, sealed under the master key. Never the plain text. */
  sealedSecret: string;
  /** Secrets it replaced, newest first, each still signing alongside the current one until its `expiresAt`. */
  previousSecrets?: PreviousSecret[];
  /** Why hookpost disabled it (a 410 Gone, or failing for too long); cleared on re-enable. */
  disabledReason?: string;
  /** When the current run of failed attempts began; cleared by a success. */
  failingSince?: string;
  /** `ed25519`: signed with a key pair (absent: HMAC-SHA256 with the shared secret). Chosen at creation. */
  signatureScheme?: Extract<SignatureScheme, 'ed25519'>;
  /** An Ed25519 endpoint's current public key (`whpk_…`); its secret key is `sealedSecret`. */
  publicKey?: string;
  /** Request headers sent with every delivery (validated: see `http/schemas.ts`), shown in reads. */
  headers?: Record<string, string>;
  /** Request headers whose values are credentials: sealed, sent, never read back (`./receiver-auth`). */
  sensitiveHeaders?: Record<string, SealedCredential>;
  /** How it proves itself to the receiver beyond the signature: Basic, an OAuth 2.0 token, or a client certificate. */
  auth?: ReceiverAuth;
  /** The fingerprint of the client certificate whose coming expiry the platform was told of (once per certificate). */
  certificateNoticeFor?: string;
  /** Seconds before each retry, for this endpoint; absent, the stack's schedule. */
  retrySchedule?: number[];
  /** Seconds a request may take, for this endpoint; absent, the stack's 30. */
  timeoutSeconds?: number;
  /** Deliveries are attempted one at a time, in publish order (`./ordered`). Chosen at creation. */
  ordered?: boolean;
  /** At most this many attempts to the endpoint begin in any one second, across all workers. */
  rateLimitPerSecond?: number;
  /** An EventBridge event pattern over `data`: events that do not match are not delivered. */
  filter?: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** What an update may change of an endpoint. */
export type EndpointChanges = Partial<Pick<Endpoint, 'url' | 'events' | 'status' | 'sealedSecret' | 'headers' | 'sensitiveHeaders' | 'destination' | 'certificateNoticeFor'>> & {
  /** null: no auth beyond the signature. */
  auth?: ReceiverAuth | null;
  /** null: back to the stack's schedule. */
  retrySchedule?: number[] | null;
  /** null: back to the stack's timeout. */
  timeoutSeconds?: number | null;
  /** null: no filter. */
  filter?: Record<string, unknown> | null;
  /** null: no rate limit. */
  rateLimitPerSecond?: number | null;
};

/** Whether a change removes the option rather than sets it: null, or for headers an empty map (the stack's default again). */
export const clearsOption = (field: string, value: unknown): boolean =>
  (value === null && ['retrySchedule', 'timeoutSeconds', 'filter', 'rateLimitPerSecond', 'auth'].includes(field)) ||
  ((field === 'headers' || field === 'sensitiveHeaders') && typeof value === 'object' && value !== null && Object.keys(value).length === 0);

export interface StoredEvent {
  id: string;
  tenantId: string;
  type: string;
  data: JsonValue;
  createdAt: string;
  /** Hash of type and data, to tell an idempotent replay from a conflicting reuse of a key. */
  requestHash: string;
  idempotencyKey?: string;
  /** When its payload was erased (its `data` is null from then on; its deliveries stay). */
  erasedAt?: string;
}

export type DeliveryStatus = 'pending' | 'retrying' | 'succeeded' | 'failed';

/**
 * Why an attempt failed; `null` when the receiver answered 2xx (or the AWS target took the
 * message). `destination`: the AWS service, or STS, refused (its code and message in `awsError`);
 * `too_large`: the message is over what the target's service takes, and is not tried again;
 * `auth`: the webhook's OAuth token could not be had (the token endpoint's answer in `tokenEndpoint`), so nothing was sent.
 */
export type AttemptError = 'http_status' | 'timeout' | 'connection' | 'dns' | 'tls' | 'redirect' | 'blocked' | 'secret_unavailable' | 'destination' | 'too_large' | 'auth';

/** A response an attempt records beside its own (the token endpoint's, or a 401 before a token refresh). */
export interface SideResponse {
  statusCode: number | null;
  responseTimeMs: number;
  /** The first 1 KB of its body. */
  responseBody: string | null;
}

export interface Attempt {
  number: number;
  attemptedAt: string;
  statusCode: number | null;
  responseTimeMs: number;
  error: AttemptError | null;
  /** The first 1 KB of the response body. */
  responseBody: string | null;
  trigger: 'automatic' | 'manual';
  /** Why the egress rules refused the target (error `blocked`). */
  detail?: string;
  /** A 429's or 503's `Retry-After`, in seconds: the next retry waits at least this long. */
  retryAfterSeconds?: number;
  /** An AWS destination's answer: the SQS or SNS message id, or the EventBridge event id. */
  messageId?: string;
  /** An AWS destination's refusal: the service's (or STS's) error code and message. */
  awsError?: { code: string; message: string };
  /** Why the OAuth token endpoint gave no token (error `auth`): its status and a bounded excerpt. */
  tokenEndpoint?: SideResponse;
  /**
   * The receiver's 401 to a cached OAuth token, after which the token was fetched again and the
   * request sent once more (this attempt's status is the second answer's): both requests the
   * receiver got are in the history.
   */
  tokenRefresh?: SideResponse;
}

export interface Delivery {
  id: string;
  tenantId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  /** Retries made so far (attempts after the first). */
  retryCount: number;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
  /**
   * Its attempts, oldest first: all of them when read one delivery at a time; a history page
   * lists the latest ones only (see `attemptCount`).
   */
  attempts: Attempt[];
  /** How many attempts it has had, when `attempts` holds only the latest. */
  attemptCount?: number;
  /** When its event's payload was erased: no attempt of it is made again. */
  eventErasedAt?: string;
}

/** How many attempts a delivery has had, whether or not `attempts` lists them all. */
export const attemptsMade = (d: Delivery): number => d.attemptCount ?? d.attempts.length;

/** A bulk recovery job: how many failed deliveries it found, how many it has re-sent. */
export interface Recovery {
  id: string;
  tenantId: string;
  endpointId: string;
  since: string;
  until: string;
  count: number;
  sent: number;
  status: 'running' | 'done';
  createdAt: string;
}

export const lastAttempt = (d: Delivery): Attempt | undefined => d.attempts[d.attempts.length - 1];

/**
 * An event up to this size (as JSON) rides along in its retry's message (or its ordered
 * delivery's), sparing the attempt a read; larger ones are stored and read (a Scheduler
 * schedule's input takes at most 256 KB).
 */
export const RETRY_EVENT_BYTES = 32 * 1024;

/** What an attempt keeps of a receiver's answer, in UTF-8 bytes as stored (after decoding). */
export const RESPONSE_EXCERPT_BYTES = 1024;
/** What an attempt keeps of why it failed, in UTF-8 bytes. */
export const ERROR_DETAIL_BYTES = 512;

/**
 * The longest prefix of `text` that is at most `bytes` long in UTF-8, never cutting a
 * character (the platform's TextEncoder.encodeInto says how much of the text fits).
 */
export const truncateUtf8 = (text: string, bytes: number): string => {
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(bytes));
  return read === text.length ? text : text.slice(0, read);
};
