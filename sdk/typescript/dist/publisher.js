// src/publisher.ts
import { randomUUID } from "node:crypto";
var PublishError = class extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
    this.name = "PublishError";
  }
  status;
  code;
};
var BATCH_EVENTS = 100;
var BATCH_BYTES = 1e6;
var retryable = (status) => status === 429 || status >= 500;
var retryAfterMs = (value) => {
  if (!value) return void 0;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1e3;
  const at = Date.parse(value);
  return Number.isNaN(at) ? void 0 : Math.max(0, at - Date.now());
};
var defaultEventBridge = async (options) => {
  const { EventBridgeClient, PutEventsCommand } = await import("@aws-sdk/client-eventbridge");
  const client = new EventBridgeClient({ ...options.region ? { region: options.region } : {}, ...options.credentials ? { credentials: options.credentials } : {} });
  return { putEvents: async (Entries) => (await client.send(new PutEventsCommand({ Entries }))).Entries ?? [] };
};
var loadSigner = async (options) => {
  const missing = (name) => (e) => {
    throw new Error(`Signing requests for AWS (no adminKey given) needs the optional peer dependency ${name}: npm install ${name}`, { cause: e });
  };
  const [{ SignatureV4 }, { Sha256 }, credentials] = await Promise.all([
    import("@smithy/signature-v4").catch(missing("@smithy/signature-v4")),
    import("@aws-crypto/sha256-js").catch(missing("@aws-crypto/sha256-js")),
    options.credentials ?? import("@aws-sdk/credential-providers").then((m) => m.fromNodeProviderChain(), missing("@aws-sdk/credential-providers"))
  ]);
  return new SignatureV4({ service: "execute-api", region: options.region ?? process.env.AWS_REGION ?? "us-east-1", credentials, sha256: Sha256 });
};
var HookpostPublisher = class {
  constructor(options) {
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/$/, "");
    this.fetch = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }
  options;
  baseUrl;
  signer;
  fetch;
  sleep;
  /** Publishes one event; answers its id. */
  async publish(tenantId, type, data, idempotencyKey = randomUUID()) {
    const body = await this.send("/v1/events", { tenant_id: tenantId, type, data }, { "idempotency-key": idempotencyKey });
    return { id: body.id, idempotencyKey };
  }
  /**
   * Publishes any number of events, split into API batches (at most 100 events and about 1 MB
   * each), one batch after another; answers their ids in order. A batch is all or nothing, so
   * a failure leaves the batches before it published (their ids are in the error's `published`).
   */
  async publishBatch(events) {
    const keyed = events.map((e) => ({ ...e, idempotencyKey: e.idempotencyKey ?? randomUUID() }));
    const published = [];
    for (const batch of splitBatches(keyed)) {
      try {
        const body = await this.send("/v1/events/batch", {
          events: batch.map((e) => ({ tenant_id: e.tenantId, type: e.type, data: e.data, idempotency_key: e.idempotencyKey }))
        });
        body.data.forEach((d, i) => published.push({ id: d.id, idempotencyKey: batch[i].idempotencyKey }));
      } catch (e) {
        throw Object.assign(e, { published });
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
  async portalLink(tenantId, options = {}) {
    const body = await this.send(`/v1/tenants/${encodeURIComponent(tenantId)}/portal-sessions`, {
      ...options.readOnly !== void 0 ? { read_only: options.readOnly } : {},
      ...options.ttlSeconds !== void 0 ? { ttl_seconds: options.ttlSeconds } : {},
      ...options.capabilities !== void 0 ? { capabilities: options.capabilities } : {},
      ...options.webhookIds !== void 0 ? { webhook_ids: options.webhookIds } : {},
      ...options.eventTypes !== void 0 ? { event_types: options.eventTypes } : {}
    });
    return { url: body.url, readOnly: body.read_only, capabilities: body.capabilities, webhookIds: body.webhook_ids, eventTypes: body.event_types, expiresAt: body.expires_at };
  }
  /**
   * Erases a tenant and everything of it (keys, portal links, webhooks, deliveries, stored
   * events, pending retries, its audit trail), in the background: from the answer on it is not
   * found and nothing more is delivered for it. Asked again, the erasure as it stands.
   */
  async eraseTenant(tenantId) {
    return erasureOf(await this.send(`/v1/tenants/${encodeURIComponent(tenantId)}`, void 0, {}, "DELETE"));
  }
  /** A tenant's erasure: its progress (`status: 'erasing'`), then its receipt (`'done'`, kept for the retention). */
  async tenantErasure(tenantId) {
    return erasureOf(await this.send(`/v1/tenants/${encodeURIComponent(tenantId)}/erasure`, void 0, {}, "GET"));
  }
  /**
   * Publishes through the hookpost EventBridge bus (stack output `EventBusName`) instead of the
   * API: detail-type = the event type, detail = `{tenant_id, data}`, ten entries a PutEvents;
   * entries EventBridge refuses are sent again (with backoff), and any still refused after the
   * retries are reported. Needs `events:PutEvents` on the bus (`Hookpost.grantPublish`).
   */
  async publishToEventBus(events, busName, client) {
    const eventBridge = client ?? await defaultEventBridge(this.options);
    const { first, max } = this.options.backoffMs ?? { first: 200, max: 2e4 };
    for (let i = 0; i < events.length; i += 10) {
      let entries = events.slice(i, i + 10).map((e) => ({ EventBusName: busName, Source: "hookpost.publisher", DetailType: e.type, Detail: JSON.stringify({ tenant_id: e.tenantId, data: e.data }) }));
      for (let attempt = 0; entries.length > 0; attempt++) {
        const out = await eventBridge.putEvents(entries);
        const refused = entries.filter((_, j) => out[j]?.ErrorCode);
        if (refused.length === 0) break;
        if (attempt >= (this.options.maxRetries ?? 5)) {
          throw new PublishError(0, "eventbridge_refused", `${refused.length} events refused by EventBridge: ${out.find((r) => r.ErrorCode)?.ErrorCode}`);
        }
        entries = refused;
        await this.sleep(Math.random() * Math.min(max, first * 2 ** attempt));
      }
    }
  }
  /** One request, retried while it may succeed: the same body, so the same idempotency keys. */
  async send(path, payload, extra = {}, method = "POST") {
    const url = new URL(`${this.baseUrl}${path}`);
    const body = payload === void 0 ? "" : JSON.stringify(payload);
    const { first, max } = this.options.backoffMs ?? { first: 200, max: 2e4 };
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= (this.options.maxRetries ?? 5);
      let response;
      try {
        response = await this.fetch(url, { method, headers: await this.headers(method, url, body, extra), ...body ? { body } : {} });
      } catch (error) {
        if (last) throw error;
        await this.sleep(Math.random() * Math.min(max, first * 2 ** attempt));
        continue;
      }
      const text = await response.text();
      if (response.ok) return text ? JSON.parse(text) : void 0;
      if (last || !retryable(response.status)) {
        let code = "http_error";
        let message = text || response.statusText;
        try {
          const parsed = JSON.parse(text);
          code = parsed.error?.code ?? code;
          message = parsed.error?.message ?? parsed.message ?? message;
        } catch {
        }
        throw new PublishError(response.status, code, `${response.status} ${code}: ${message}`);
      }
      await this.sleep(retryAfterMs(response.headers.get("retry-after")) ?? Math.random() * Math.min(max, first * 2 ** attempt));
    }
  }
  async headers(method, url, body, extra) {
    const headers = { ...body ? { "content-type": "application/json" } : {}, ...extra };
    if (this.options.adminKey) return { ...headers, authorization: `Bearer ${this.options.adminKey}` };
    this.signer ??= loadSigner(this.options).catch((e) => {
      this.signer = void 0;
      throw e;
    });
    const signed = await (await this.signer).sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...url.port ? { port: Number(url.port) } : {},
      path: url.pathname,
      query: {},
      headers: { ...headers, host: url.host },
      body
    });
    return signed.headers;
  }
};
var erasureOf = (body) => {
  const b = body;
  return { tenantId: b.tenant_id, status: b.status, requestedAt: b.requested_at, requestedBy: b.requested_by.id, finishedAt: b.finished_at, counts: b.counts };
};
var splitBatches = (events) => {
  const batches = [];
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
export {
  BATCH_BYTES,
  BATCH_EVENTS,
  HookpostPublisher,
  PublishError,
  splitBatches
};
