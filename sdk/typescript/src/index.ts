import { createHmac, createPublicKey, type KeyObject, timingSafeEqual, verify } from 'node:crypto';

/**
 * hookpost's TypeScript SDK: a client for both webhook surfaces, and the receiver helper
 * `Webhook.constructEvent`, which verifies any of the three signature schemes a delivery
 * carries. No dependencies; Node 20+ (fetch, node:crypto).
 */

// ---------------------------------------------------------------- receiving webhooks

export class WebhookSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface ConstructEventOptions {
  /** How far `webhook-timestamp` may be from now, in seconds. @default 300 */
  toleranceSeconds?: number;
  /** The current time in Unix seconds (tests). */
  now?: number;
}

const header = (headers: WebhookHeaders, name: string): string | undefined => {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
};

const sameBytes = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

const hmac = (key: Buffer | string, message: Buffer | string): Buffer => createHmac('sha256', key).update(message).digest();

/** Standard Webhooks key: the base64 after `whsec_`, or the secret's own bytes when it is not base64. */
const standardKey = (secret: string): Buffer => {
  const body = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(body) && body.length % 4 === 0) {
    const key = Buffer.from(body, 'base64');
    if (key.length > 0) return key;
  }
  return Buffer.from(secret, 'utf8');
};

/** An Ed25519 public key as hookpost shows it: `whpk_` + base64 of the 32-byte raw key. */
const ed25519Key = (publicKey: string): KeyObject => {
  const raw = Buffer.from(publicKey.slice('whpk_'.length), 'base64');
  if (raw.length !== 32) throw new WebhookSignatureError('A public key is whpk_ and the base64 of 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
};

export const Webhook = {
  /**
   * Verifies a delivery and returns its parsed envelope. `payload` must be the raw body, as
   * received. `secret` may list several secrets (during a rotation). Checks, in this order of
   * preference, whichever the headers carry: `webhook-signature` (Standard Webhooks, also sent
   * as `svix-*`: its `v1,` entries with a secret, its `v1a,` Ed25519 entries with an ed25519
   * webhook's public key, `whpk_…`, passed as the secret), `X-Webhook-Signature` (`sha256=<hex>`), `X-Auggie-Signature` (hex). When
   * `webhook-timestamp` is present it must be within the tolerance (it is required, and
   * signed, for the first scheme). Throws WebhookSignatureError otherwise.
   */
  constructEvent<T = Record<string, unknown>>(
    payload: string | Buffer | Uint8Array,
    headers: WebhookHeaders,
    secret: string | readonly string[],
    options: ConstructEventOptions = {},
  ): T {
    const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
    const secrets = (typeof secret === 'string' ? [secret] : [...secret]).filter((s) => s.length > 0);
    if (secrets.length === 0) throw new WebhookSignatureError('No secret to verify with');
    const tolerance = options.toleranceSeconds ?? 300;
    const now = options.now ?? Math.floor(Date.now() / 1000);

    const id = header(headers, 'webhook-id') ?? header(headers, 'svix-id');
    const timestamp = header(headers, 'webhook-timestamp') ?? header(headers, 'svix-timestamp');
    const standard = header(headers, 'webhook-signature') ?? header(headers, 'svix-signature');
    if (timestamp !== undefined) {
      const ts = Number(timestamp);
      if (!/^\d+$/.test(timestamp) || Math.abs(now - ts) > tolerance) {
        throw new WebhookSignatureError(`webhook-timestamp is more than ${tolerance} s from now (an old or replayed delivery)`);
      }
    }

    let verified = false;
    if (standard !== undefined) {
      if (!id || timestamp === undefined) throw new WebhookSignatureError('webhook-signature needs webhook-id and webhook-timestamp');
      const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), body]);
      const entries = standard.split(' ');
      const given = entries.filter((entry) => entry.startsWith('v1,')).map((entry) => Buffer.from(entry.slice(3), 'base64'));
      const givenV1a = entries.filter((entry) => entry.startsWith('v1a,')).map((entry) => Buffer.from(entry.slice(4), 'base64'));
      verified = secrets.some((s) => {
        if (s.startsWith('whpk_')) {
          const key = ed25519Key(s);
          return givenV1a.some((g) => g.length === 64 && verify(null, signed, key, g));
        }
        const expected = hmac(standardKey(s), signed);
        return given.some((g) => sameBytes(g, expected));
      });
    } else {
      const seed003 = header(headers, 'x-webhook-signature');
      const seed000 = header(headers, 'x-auggie-signature');
      const hex = seed003 !== undefined ? (seed003.startsWith('sha256=') ? seed003.slice(7) : undefined) : seed000;
      if (hex === undefined || !/^[0-9a-f]{64}$/i.test(hex)) throw new WebhookSignatureError('No signature header this SDK knows');
      const given = Buffer.from(hex, 'hex');
      verified = secrets.some((s) => sameBytes(given, hmac(s, body)));
    }
    if (!verified) throw new WebhookSignatureError('The signature does not match');
    try {
      return JSON.parse(body.toString('utf8')) as T;
    } catch {
      throw new WebhookSignatureError('The payload is not JSON');
    }
  },
};

// ---------------------------------------------------------------- calling the API

export class HookpostApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'HookpostApiError';
  }
}

export interface AccountWebhook {
  object: 'webhook';
  url: string;
  secret?: string;
  active: boolean;
  event_types: string[] | null;
  previous_secret_expires_at?: string | null;
}

/** Header names the API refuses as a webhook's own, in any case (it answers 400 `validation_error`). */
export const RESERVED_HEADER_NAMES = [
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding',
  'upgrade', 'host', 'content-type', 'content-length', 'expect', 'forwarded', 'x-real-ip', 'via',
] as const;
/** Prefixes the API refuses: hookpost's own signature headers, and cloud providers' and proxies' request headers. */
export const RESERVED_HEADER_PREFIXES = [
  'webhook-', 'svix-', 'x-webhook-', 'x-auggie-', 'x-amz-', 'x-amzn-', 'x-goog-', 'x-ms-', 'x-azure-', 'cf-', 'x-forwarded-', 'x-envoy-',
] as const;
type ReservedHeader = (typeof RESERVED_HEADER_NAMES)[number] | `${(typeof RESERVED_HEADER_PREFIXES)[number]}${string}`;

/**
 * A webhook's own request headers: a name written as a literal that the API would refuse
 * (`X-Amz-Date`, `Host`, `webhook-id`, in any case) is a type error, not a 400 at run time.
 */
export type CustomHeaders<H> = { [K in keyof H]: K extends string ? (Lowercase<K> extends ReservedHeader ? never : string) : never };

/** Where an AWS destination delivers: an EventBridge bus, an SQS queue or an SNS topic of the tenant's, through its role. */
export interface DestinationInput {
  type: 'eventbridge' | 'sqs' | 'sns';
  /** The bus or topic ARN, or the queue's URL or ARN. */
  target: string;
  /** The tenant's role hookpost assumes (it trusts `DestinationTrust.principal` with the tenant's external id). */
  role_arn: string;
}

/** The trust an AWS destination's role must grant. */
export interface DestinationTrust {
  object: 'destination_trust';
  principal: string;
  external_id: string;
  trust_policy: { Version: string; Statement: Array<Record<string, unknown>> };
  /** A CloudFormation template making the role, for the target asked about (null: none named). */
  cloudformation: Record<string, unknown> | null;
}

export interface DestinationCheck {
  object: 'destination_check';
  webhook_id: string;
  ok: boolean;
  problem: 'role_without_external_id' | 'role_not_assumable' | 'target_refused' | 'target_not_found' | 'kms_key_refused' | null;
  /** What happened, in plain words. */
  message: string;
  message_id: string | null;
  aws_error: { code: string; message: string } | null;
}

export interface AdminWebhook {
  id: string;
  /** Where deliveries are POSTed; for an AWS destination, its target's ARN. */
  url: string;
  /** An AWS destination: the target, the role, and the trust the role must grant. */
  destination?: {
    type: DestinationInput['type'];
    target: string;
    queue_url?: string;
    role_arn: string;
    fifo: boolean;
    /** The trust the role must grant (the tenant routes answer it). */
    external_id?: string;
    principal?: string;
    trust_policy?: DestinationTrust['trust_policy'];
    cloudformation?: Record<string, unknown>;
  };
  events: string[] | null;
  status: 'active' | 'disabled';
  disabled_reason?: string;
  /** While its attempts keep failing: when the run's first failure was. */
  failing_since?: string;
  created_at: string;
  updated_at: string;
  surface: 'account' | 'admin';
  previous_secret_expires_at?: string;
  /** Request headers sent with every delivery (absent when none). */
  headers?: Record<string, string>;
  /** Seconds before each retry, for this endpoint (absent: the stack's schedule). */
  retry_schedule?: number[];
  /** Seconds a request may take, for this endpoint (absent: the stack's 30). */
  timeout_seconds?: number;
  /** An EventBridge event pattern over `data`: events that do not match are not delivered. */
  filter?: Record<string, unknown>;
  rate_limit_per_second?: number;
  ordered?: true;
  /** Present when deliveries are signed with a key pair (absent: HMAC with the secret). */
  signature_scheme?: 'ed25519';
  /** An ed25519 webhook's public key (`whpk_…`): pass it to `Webhook.constructEvent` as the secret. */
  public_key?: string;
  secret?: string;
}

export interface Attempt {
  number: number;
  attempted_at: string;
  status_code: number | null;
  response_time_ms: number;
  error: string | null;
  error_detail: string | null;
  response_body: string | null;
  retry_after_seconds: number | null;
  trigger: 'automatic' | 'manual';
  /** An AWS destination's answer: the message or event id it took. */
  message_id: string | null;
  /** An AWS destination's refusal: the service's (or STS's) code and message. */
  aws_error: { code: string; message: string } | null;
}

export interface Delivery {
  id: string;
  object: 'delivery';
  webhook_id: string;
  event_id: string;
  event_type: string;
  status: 'pending' | 'retrying' | 'succeeded' | 'failed';
  status_code: number | null;
  response_time_ms: number | null;
  retry_count: number;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
  attempts: Attempt[];
}

/** Every list answers this shape: a page of `data`, and whether (and from where) more follow. */
export interface List<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  /** Pass as `starting_after` for the next page; null at the end. */
  next_starting_after: string | null;
}

/** A page of one webhook's history. */
export interface Page<T> extends List<T> {
  offset: number;
  limit: number;
  /** Known when this page reaches the end of the history; null when more follow. */
  total: number | null;
}

export interface Recovery {
  object: 'recovery';
  id: string;
  webhook_id: string;
  since: string;
  until: string;
  count: number;
  sent: number;
  status: 'running' | 'done';
  created_at: string;
}

/** A page of failed deliveries across every webhook, newest event first (it may come back short, or empty, while has_more says more follow). */
export interface FailedPage extends List<Delivery> {
  limit: number;
}

/** An event found by id: its data when hookpost kept it (null otherwise), and its delivery to each webhook. */
export interface FoundEvent {
  object: 'event';
  id: string;
  type: string;
  created_at: string;
  data: unknown;
  deliveries: Delivery[];
}

/** A webhook's last 24 hours, from its newest deliveries (at most 100; `complete` says whether that is all). */
export interface WebhookHealth {
  object: 'webhook_health';
  webhook_id: string;
  since: string;
  deliveries: number;
  complete: boolean;
  succeeded: number;
  failed: number;
  waiting: number;
  success_rate: number | null;
  last_attempt: Attempt | null;
}

export interface ClientOptions {
  /** The tenant's API key (`hpk_…`). */
  apiKey: string;
  /** The API's base URL (the stack's ApiUrl output; `http://127.0.0.1:3000` locally). */
  baseUrl: string;
  /** Sent as X-Org-ID; must name the key's organization. */
  orgId?: string;
  fetch?: typeof fetch;
}

const path = (template: string, ...ids: string[]) => {
  let i = 0;
  return template.replace(/\{\}/g, () => encodeURIComponent(ids[i++]!));
};

/** A tenant's client for both surfaces: the account webhook (seed 000) and admin webhooks (seed 003). */
export class HookpostClient {
  private readonly base: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.doFetch = options.fetch ?? fetch;
  }

  private async request<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await this.doFetch(`${this.base}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${this.options.apiKey}`,
        ...(this.options.orgId ? { 'x-org-id': this.options.orgId } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const data = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const error = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
      const retryAfter = res.headers.get('retry-after');
      throw new HookpostApiError(res.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${res.status}`, retryAfter ? Number(retryAfter) : undefined);
    }
    return data as T;
  }

  // seed 000: the account webhook
  registerWebhook(input: { url: string; eventTypes?: string[] | null }): Promise<AccountWebhook> {
    return this.request('POST', '/v1/webhooks/register', { url: input.url, event_types: input.eventTypes ?? null });
  }
  getWebhook(): Promise<AccountWebhook> {
    return this.request('GET', '/v1/webhooks');
  }
  deleteWebhook(): Promise<void> {
    return this.request('DELETE', '/v1/webhooks');
  }
  rotateWebhookSecret(input: { gracePeriodSeconds?: number } = {}): Promise<AccountWebhook> {
    return this.request('POST', '/v1/webhooks/rotate-secret', input.gracePeriodSeconds === undefined ? {} : { grace_period_seconds: input.gracePeriodSeconds });
  }

  // seed 003: admin webhooks
  readonly webhooks = {
    /** A URL webhook (`url`), or an AWS destination (`destination`: see `destinationTrust`). */
    create: <H extends Record<string, string> = Record<string, string>>(input: ({ url: string; destination?: never } | { destination: DestinationInput; url?: never }) & {
      events: string[];
      secret?: string;
      headers?: H & CustomHeaders<H>;
      retry_schedule?: number[];
      timeout_seconds?: number;
      filter?: Record<string, unknown>;
      /** At most this many attempts begin each second (1-500), across all workers. */
      rate_limit_per_second?: number;
      /** Deliveries attempted one at a time in publish order (chosen at creation). */
      ordered?: boolean;
      /** `ed25519`: signed with a key pair hookpost makes; the answer carries `public_key`, never a secret. */
      signature_scheme?: 'hmac-sha256' | 'ed25519';
    }): Promise<AdminWebhook> =>
      this.request('POST', '/api/v1/admin/webhooks', input),
    /** Every webhook of the tenant (one page: `has_more` is false). */
    list: (): Promise<List<AdminWebhook>> => this.request('GET', '/api/v1/admin/webhooks'),
    get: (id: string): Promise<AdminWebhook> => this.request('GET', path('/api/v1/admin/webhooks/{}', id)),
    /** `headers` replaces the endpoint's headers (`{}` removes them); `null` puts an option back to the stack's default. */
    update: <H extends Record<string, string> = Record<string, string>>(
      id: string,
      changes: {
        url?: string;
        /** An AWS destination's new target or role (a URL webhook cannot become one). */
        destination?: DestinationInput;
        events?: string[];
        status?: 'active' | 'disabled';
        headers?: H & CustomHeaders<H>;
        retry_schedule?: number[] | null;
        timeout_seconds?: number | null;
        filter?: Record<string, unknown> | null;
        rate_limit_per_second?: number | null;
      },
    ): Promise<AdminWebhook> =>
      this.request('PATCH', path('/api/v1/admin/webhooks/{}', id), changes),
    delete: (id: string): Promise<void> => this.request('DELETE', path('/api/v1/admin/webhooks/{}', id)),
    rotateSecret: (id: string, input: { gracePeriodSeconds?: number; secret?: string } = {}): Promise<AdminWebhook> =>
      this.request('POST', path('/api/v1/admin/webhooks/{}/rotate-secret', id), {
        ...(input.gracePeriodSeconds === undefined ? {} : { grace_period_seconds: input.gracePeriodSeconds }),
        ...(input.secret === undefined ? {} : { secret: input.secret }),
      }),
    sendTestEvent: (id: string): Promise<{ object: 'test_event'; event_id: string; webhook_id: string; type: string }> =>
      this.request('POST', path('/api/v1/admin/webhooks/{}/test', id)),
    /** A page of a webhook's history, newest first: `offset` up to 1,000, deeper with `starting_after`. */
    deliveries: (id: string, query: { offset?: number; limit?: number; status?: Delivery['status']; starting_after?: string } = {}): Promise<Page<Delivery>> => {
      const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
      const qs = params.toString();
      return this.request('GET', `${path('/api/v1/admin/webhooks/{}/deliveries', id)}${qs ? `?${qs}` : ''}`);
    },
    delivery: (id: string, deliveryId: string): Promise<Delivery> => this.request('GET', path('/api/v1/admin/webhooks/{}/deliveries/{}', id, deliveryId)),
    retry: (id: string, deliveryId: string): Promise<{ object: 'retry'; delivery_id: string; attempt: number; status: 'pending' }> =>
      this.request('POST', path('/api/v1/admin/webhooks/{}/deliveries/{}/retry', id, deliveryId)),
    recover: (id: string, window: { since: Date | string; until?: Date | string }): Promise<Recovery> =>
      this.request('POST', path('/api/v1/admin/webhooks/{}/recover', id), {
        since: new Date(window.since).toISOString(),
        ...(window.until === undefined ? {} : { until: new Date(window.until).toISOString() }),
      }),
    recovery: (id: string, recoveryId: string): Promise<Recovery> => this.request('GET', path('/api/v1/admin/webhooks/{}/recoveries/{}', id, recoveryId)),
    health: (id: string): Promise<WebhookHealth> => this.request('GET', path('/api/v1/admin/webhooks/{}/health', id)),
    /** An AWS destination's check: hookpost assumes its role and writes a signed test message; what is wrong, in plain words. */
    checkDestination: (id: string): Promise<DestinationCheck> => this.request('POST', path('/api/v1/admin/webhooks/{}/check', id)),
  };

  /** The trust an AWS destination's role must grant; with a target, the CloudFormation template that makes the role. */
  destinationTrust(target?: { type: DestinationInput['type']; target: string }): Promise<DestinationTrust> {
    const qs = target ? `?${new URLSearchParams({ type: target.type, target: target.target }).toString()}` : '';
    return this.request('GET', `/api/v1/admin/destinations/trust${qs}`);
  }

  /** Failed deliveries of every webhook, newest event first, a page at a time. */
  failedDeliveries(query: { limit?: number; starting_after?: string } = {}): Promise<FailedPage> {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    const qs = params.toString();
    return this.request('GET', `/api/v1/admin/failed-deliveries${qs ? `?${qs}` : ''}`);
  }

  /** An event by id (the `webhook-id` a receiver got): its data when kept, and its delivery to each webhook. */
  getEvent(eventId: string): Promise<FoundEvent> {
    return this.request('GET', path('/api/v1/admin/events/{}', eventId));
  }
}
