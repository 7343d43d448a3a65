import { randomUUID } from 'node:crypto';
import type { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * Publishing events to hookpost from the platform's backend (`@hookpost/sdk/publisher`). On
 * AWS every request is signed with SigV4 (`execute-api`) with credentials from the standard
 * chain (the Lambda role, the environment, a profile); locally it takes the admin key.
 * Failures worth retrying (429, 5xx, a dropped connection) are retried with backoff and jitter,
 * honouring `Retry-After`, and every event keeps its idempotency key across retries (one is
 * made when none is given), so a retried request never publishes an event twice.
 */
export interface PublisherOptions {
  /** The API's base URL: the stack output `ApiUrl`, or `http://127.0.0.1:3000` locally. */
  baseUrl: string;
  /** Locally: the admin key (sent as a bearer token). Omit on AWS: requests are signed. */
  adminKey?: string;
  /** The stack's region, for SigV4. @default AWS_REGION, then us-east-1 */
  region?: string;
  /** Credentials for SigV4. @default the standard credential chain */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Retries of a failed request. @default 5 */
  maxRetries?: number;
  /** The first backoff, doubled each retry (full jitter), and its cap, in ms. @default 200, 20_000 */
  backoffMs?: { first: number; max: number };
  /** For tests. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export interface PublishEvent {
  tenantId: string;
  type: string;
  data: unknown;
  idempotencyKey?: string;
}

export interface Published {
  id: string;
  /** The idempotency key it was published with (given, or made for it). */
  idempotencyKey: string;
}

export class PublishError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PublishError';
  }
}

/** What `POST /v1/events/batch` takes at most: events, and bytes (with room for the envelope). */
export const BATCH_EVENTS = 100;
export const BATCH_BYTES = 1_000_000;

const retryable = (status: number) => status === 429 || status >= 500;

/** `Retry-After` as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
const retryAfterMs = (value: string | null): number | undefined => {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
};

/** What publishing through EventBridge needs of a client: PutEvents, answering each entry's outcome in order. */
export interface EventBridgeLike {
  putEvents(entries: Array<{ EventBusName: string; Source: string; DetailType: string; Detail: string }>): Promise<Array<{ EventId?: string; ErrorCode?: string }>>;
}

/** The AWS SDK's EventBridge client, loaded only when publishing through the bus (an optional peer dependency). */
const defaultEventBridge = async (options: PublisherOptions): Promise<EventBridgeLike> => {
  const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
  const client = new EventBridgeClient({ ...(options.region ? { region: options.region } : {}), ...(options.credentials ? { credentials: options.credentials } : {}) });
  return { putEvents: async (Entries) => (await client.send(new PutEventsCommand({ Entries }))).Entries ?? [] };
};

/**
 * The SigV4 signer, loaded on the first signed request: the AWS packages are optional peers,
 * needed only on AWS (an admin key, locally, needs none of them).
 */
const loadSigner = async (options: PublisherOptions): Promise<SignatureV4> => {
  const missing = (name: string) => (e: unknown): never => {
    throw new Error(`Signing requests for AWS (no adminKey given) needs the optional peer dependency ${name}: npm install ${name}`, { cause: e });
  };
  const [{ SignatureV4 }, { Sha256 }, credentials] = await Promise.all([
    import('@smithy/signature-v4').catch(missing('@smithy/signature-v4')),
    import('@aws-crypto/sha256-js').catch(missing('@aws-crypto/sha256-js')),
    options.credentials ?? import('@aws-sdk/credential-providers').then((m) => m.fromNodeProviderChain(), missing('@aws-sdk/credential-providers')),
  ]);
  return new SignatureV4({ service: 'execute-api', region: options.region ?? process.env.AWS_REGION ?? 'us-east-1', credentials, sha256: Sha256 });
};

export class HookpostPublisher {
  private readonly baseUrl: string;
  private signer: Promise<SignatureV4> | undefined;
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: PublisherOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.fetch = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Publishes one event; answers its id. */
  async publish(tenantId: string, type: string, data: unknown, idempotencyKey: string = randomUUID()): Promise<Published> {
    const body = await this.send('/v1/events', { tenant_id: tenantId, type, data }, { 'idempotency-key': idempotencyKey });
    return { id: (body as { id: string }).id, idempotencyKey };
  }

  /**
   * Publishes any number of events, split into API batches (at most 100 events and about 1 MB
   * each), one batch after another; answers their ids in order. A batch is all or nothing, so
   * a failure leaves the batches before it published (their ids are in the error's `published`).
   */
  async publishBatch(events: PublishEvent[]): Promise<Published[]> {
    const keyed = events.map((e) => ({ ...e, idempotencyKey: e.idempotencyKey ?? randomUUID() }));
    const published: Published[] = [];
    for (const batch of splitBatches(keyed)) {
      try {
        const body = (await this.send('/v1/events/batch', {
          events: batch.map((e) => ({ tenant_id: e.tenantId, type: e.type, data: e.data, idempotency_key: e.idempotencyKey })),
        })) as { data: Array<{ id: string }> };
        body.data.forEach((d, i) => published.push({ id: d.id, idempotencyKey: batch[i]!.idempotencyKey }));
      } catch (e) {
        throw Object.assign(e as Error, { published });
      }
    }
    return published;
  }

  /**
   * A single-use, short-lived link to the dashboard signed in as `tenantId`, to hand to that
   * tenant instead of an API key: `url` holds its token, so treat it as a secret. It may do
   * what `capabilities` grant beyond reading (default: all; `readOnly`: none), on `webhookIds`
   * alone if given, subscribing webhooks to `eventTypes` alone if given: the API enforces it.
   */
  async portalLink(
    tenantId: string,
    options: { readOnly?: boolean; ttlSeconds?: number; capabilities?: PortalCapability[]; webhookIds?: string[]; eventTypes?: string[] } = {},
  ): Promise<{ url: string; readOnly: boolean; capabilities: PortalCapability[]; webhookIds: string[] | null; eventTypes: string[] | null; expiresAt: string }> {
    const body = (await this.send(`/v1/tenants/${encodeURIComponent(tenantId)}/portal-sessions`, {
      ...(options.readOnly !== undefined ? { read_only: options.readOnly } : {}),
      ...(options.ttlSeconds !== undefined ? { ttl_seconds: options.ttlSeconds } : {}),
      ...(options.capabilities !== undefined ? { capabilities: options.capabilities } : {}),
      ...(options.webhookIds !== undefined ? { webhook_ids: options.webhookIds } : {}),
      ...(options.eventTypes !== undefined ? { event_types: options.eventTypes } : {}),
    })) as { url: string; read_only: boolean; capabilities: PortalCapability[]; webhook_ids: string[] | null; event_types: string[] | null; expires_at: string };
    return { url: body.url, readOnly: body.read_only, capabilities: body.capabilities, webhookIds: body.webhook_ids, eventTypes: body.event_types, expiresAt: body.expires_at };
  }

  /**
   * Erases a tenant and everything of it (keys, portal links, webhooks, deliveries, stored
   * events, pending retries, its audit trail), in the background: from the answer on it is not
   * found and nothing more is delivered for it. Asked again, the erasure as it stands.
   */
  async eraseTenant(tenantId: string): Promise<TenantErasure> {
    return erasureOf(await this.send(`/v1/tenants/${encodeURIComponent(tenantId)}`, undefined, {}, 'DELETE'));
  }

  /** A tenant's erasure: its progress (`status: 'erasing'`), then its receipt (`'done'`, kept for the retention). */
  async tenantErasure(tenantId: string): Promise<TenantErasure> {
    return erasureOf(await this.send(`/v1/tenants/${encodeURIComponent(tenantId)}/erasure`, undefined, {}, 'GET'));
  }

  /**
   * Publishes through the hookpost EventBridge bus (stack output `EventBusName`) instead of the
   * API: detail-type = the event type, detail = `{tenant_id, data}`, ten entries a PutEvents;
   * entries EventBridge refuses are sent again (with backoff), and any still refused after the
   * retries are reported. Needs `events:PutEvents` on the bus (`Hookpost.grantPublish`).
   */
  async publishToEventBus(events: Array<Omit<PublishEvent, 'idempotencyKey'>>, busName: string, client?: EventBridgeLike): Promise<void> {
    const eventBridge = client ?? (await defaultEventBridge(this.options));
    const { first, max } = this.options.backoffMs ?? { first: 200, max: 20_000 };
    for (let i = 0; i < events.length; i += 10) {
      let entries = events.slice(i, i + 10).map((e) => ({ EventBusName: busName, Source: 'hookpost.publisher', DetailType: e.type, Detail: JSON.stringify({ tenant_id: e.tenantId, data: e.data }) }));
      for (let attempt = 0; entries.length > 0; attempt++) {
        const out = await eventBridge.putEvents(entries);
        const refused = entries.filter((_, j) => out[j]?.ErrorCode);
        if (refused.length === 0) break;
        if (attempt >= (this.options.maxRetries ?? 5)) {
          throw new PublishError(0, 'eventbridge_refused', `${refused.length} events refused by EventBridge: ${out.find((r) => r.ErrorCode)?.ErrorCode}`);
        }
        entries = refused;
        await this.sleep(Math.random() * Math.min(max, first * 2 ** attempt));
      }
    }
  }

  /** One request, retried while it may succeed: the same body, so the same idempotency keys. */
  private async send(path: string, payload: unknown, extra: Record<string, string> = {}, method: 'POST' | 'GET' | 'DELETE' = 'POST'): Promise<unknown> {
    const url = new URL(`${this.baseUrl}${path}`);
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const { first, max } = this.options.backoffMs ?? { first: 200, max: 20_000 };
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= (this.options.maxRetries ?? 5);
      let response: Response;
      try {
        response = await this.fetch(url, { method, headers: await this.headers(method, url, body, extra), ...(body ? { body } : {}) });
      } catch (error) {
        if (last) throw error;
        await this.sleep(Math.random() * Math.min(max, first * 2 ** attempt));
        continue;
      }
      const text = await response.text();
      if (response.ok) return text ? JSON.parse(text) : undefined;
      if (last || !retryable(response.status)) {
        let code = 'http_error';
        let message = text || response.statusText;
        try {
          const parsed = JSON.parse(text) as { error?: { code: string; message: string }; message?: string };
          code = parsed.error?.code ?? code;
          message = parsed.error?.message ?? parsed.message ?? message;
        } catch {
          // not JSON: keep the text
        }
        throw new PublishError(response.status, code, `${response.status} ${code}: ${message}`);
      }
      await this.sleep(retryAfterMs(response.headers.get('retry-after')) ?? Math.random() * Math.min(max, first * 2 ** attempt));
    }
  }

  private async headers(method: string, url: URL, body: string, extra: Record<string, string>): Promise<Record<string, string>> {
    const headers: Record<string, string> = { ...(body ? { 'content-type': 'application/json' } : {}), ...extra };
    if (this.options.adminKey) return { ...headers, authorization: `Bearer ${this.options.adminKey}` };
    this.signer ??= loadSigner(this.options).catch((e: unknown) => {
      this.signer = undefined;
      throw e;
    });
    const signed = await (await this.signer).sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: { ...headers, host: url.host },
      body,
    });
    return signed.headers as Record<string, string>;
  }
}

/** What a portal link may let its session do beyond reading. */
export type PortalCapability = 'manage_webhooks' | 'rotate_secrets' | 'retry' | 'erase_payloads';

/** What a tenant's erasure has erased so far, by kind (`other`: pointers, audit copies, pace and rate windows, markers, the tenant itself). */
export interface TenantErasure {
  tenantId: string;
  status: 'erasing' | 'done';
  requestedAt: string;
  /** The platform's IAM principal ARN that asked. */
  requestedBy: string;
  finishedAt: string | null;
  counts: Record<'api_keys' | 'portal_sessions' | 'portal_links' | 'webhooks' | 'deliveries' | 'attempts' | 'events' | 'recoveries' | 'audit_records' | 'retry_schedules' | 'other', number>;
}

const erasureOf = (body: unknown): TenantErasure => {
  const b = body as { tenant_id: string; status: TenantErasure['status']; requested_at: string; requested_by: { id: string }; finished_at: string | null; counts: TenantErasure['counts'] };
  return { tenantId: b.tenant_id, status: b.status, requestedAt: b.requested_at, requestedBy: b.requested_by.id, finishedAt: b.finished_at, counts: b.counts };
};

/** Consecutive batches of at most BATCH_EVENTS events and BATCH_BYTES of JSON. */
export const splitBatches = <T extends { data: unknown }>(events: T[]): T[][] => {
  const batches: T[][] = [];
  let bytes = 0;
  for (const e of events) {
    const size = Buffer.byteLength(JSON.stringify(e)) + 64;
    const last = batches.at(-1);
    if (last && last.length < BATCH_EVENTS && bytes + size <= BATCH_BYTES) {
      last.push(e);
      bytes += size;
    } else {
      batches.push([e]);
      bytes = size;
    }
  }
  return batches;
};
