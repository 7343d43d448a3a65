// src/receive.ts
import { createHmac, createPublicKey, timingSafeEqual, verify } from "node:crypto";
var WebhookSignatureError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "WebhookSignatureError";
  }
};
var header = (headers, name) => {
  if (typeof headers.get === "function") return headers.get(name) ?? void 0;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return void 0;
};
var sameBytes = (a, b) => a.length === b.length && timingSafeEqual(a, b);
var hmac = (key, message) => createHmac("sha256", key).update(message).digest();
var standardKey = (secret) => {
  const body = secret.startsWith("whsec_") ? secret.slice(6) : secret;
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(body) && body.length % 4 === 0) {
    const key = Buffer.from(body, "base64");
    if (key.length > 0) return key;
  }
  return Buffer.from(secret, "utf8");
};
var ed25519Key = (publicKey) => {
  const raw = Buffer.from(publicKey.slice("whpk_".length), "base64");
  if (raw.length !== 32) throw new WebhookSignatureError("A public key is whpk_ and the base64 of 32 bytes");
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
};
var Webhook = {
  /**
   * Verifies a delivery and returns its parsed envelope. `payload` must be the raw body, as
   * received. `secret` may list several secrets (during a rotation). Checks, in this order of
   * preference, whichever the headers carry: `webhook-signature` (Standard Webhooks, also sent
   * as `svix-*`: its `v1,` entries with a secret, its `v1a,` Ed25519 entries with an ed25519
   * webhook's public key, `whpk_…`, passed as the secret), `X-Webhook-Signature` (`sha256=<hex>`), `X-Auggie-Signature` (hex). When
   * `webhook-timestamp` is present it must be within the tolerance (it is required, and
   * signed, for the first scheme). Throws WebhookSignatureError otherwise.
   */
  constructEvent(payload, headers, secret, options = {}) {
    const body = typeof payload === "string" ? Buffer.from(payload, "utf8") : Buffer.from(payload);
    const secrets = (typeof secret === "string" ? [secret] : [...secret]).filter((s) => s.length > 0);
    if (secrets.length === 0) throw new WebhookSignatureError("No secret to verify with");
    const tolerance = options.toleranceSeconds ?? 300;
    const now = options.now ?? Math.floor(Date.now() / 1e3);
    const id = header(headers, "webhook-id") ?? header(headers, "svix-id");
    const timestamp = header(headers, "webhook-timestamp") ?? header(headers, "svix-timestamp");
    const standard = header(headers, "webhook-signature") ?? header(headers, "svix-signature");
    if (timestamp !== void 0) {
      const ts = Number(timestamp);
      if (!/^\d+$/.test(timestamp) || Math.abs(now - ts) > tolerance) {
        throw new WebhookSignatureError(`webhook-timestamp is more than ${tolerance} s from now (an old or replayed delivery)`);
      }
    }
    let verified = false;
    if (standard !== void 0) {
      if (!id || timestamp === void 0) throw new WebhookSignatureError("webhook-signature needs webhook-id and webhook-timestamp");
      const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, "utf8"), body]);
      const entries = standard.split(" ");
      const given = entries.filter((entry) => entry.startsWith("v1,")).map((entry) => Buffer.from(entry.slice(3), "base64"));
      const givenV1a = entries.filter((entry) => entry.startsWith("v1a,")).map((entry) => Buffer.from(entry.slice(4), "base64"));
      verified = secrets.some((s) => {
        if (s.startsWith("whpk_")) {
          const key = ed25519Key(s);
          return givenV1a.some((g) => g.length === 64 && verify(null, signed, key, g));
        }
        const expected = hmac(standardKey(s), signed);
        return given.some((g) => sameBytes(g, expected));
      });
    } else {
      const seed003 = header(headers, "x-webhook-signature");
      const seed000 = header(headers, "x-auggie-signature");
      const hex = seed003 !== void 0 ? seed003.startsWith("sha256=") ? seed003.slice(7) : void 0 : seed000;
      if (hex === void 0 || !/^[0-9a-f]{64}$/i.test(hex)) throw new WebhookSignatureError("No signature header this SDK knows");
      const given = Buffer.from(hex, "hex");
      verified = secrets.some((s) => sameBytes(given, hmac(s, body)));
    }
    if (!verified) throw new WebhookSignatureError("The signature does not match");
    try {
      return JSON.parse(body.toString("utf8"));
    } catch {
      throw new WebhookSignatureError("The payload is not JSON");
    }
  }
};

// src/jwks.ts
var keyOf = (k) => k.kty === "OKP" && k.crv === "Ed25519" && typeof k.x === "string" ? `whpk_${Buffer.from(k.x, "base64url").toString("base64")}` : void 0;
var WebhookKeySet = class {
  constructor(url, options = {}) {
    this.url = url;
    this.options = options;
  }
  url;
  options;
  keys = [];
  fetchedAt = -Infinity;
  freshUntil = -Infinity;
  pending;
  now() {
    return this.options.now?.() ?? Date.now();
  }
  load() {
    this.pending ??= (async () => {
      try {
        const res = await (this.options.fetch ?? fetch)(this.url, { headers: { accept: "application/json" } });
        if (!res.ok) throw new WebhookSignatureError(`The key set at ${this.url} answered ${res.status}`);
        const set = await res.json();
        const keys = (Array.isArray(set?.keys) ? set.keys : []).map(keyOf).filter((k) => k !== void 0);
        if (keys.length === 0) throw new WebhookSignatureError(`The key set at ${this.url} holds no Ed25519 key`);
        const maxAge = /max-age=(\d+)/.exec(res.headers.get("cache-control") ?? "");
        this.keys = keys;
        this.fetchedAt = this.now();
        this.freshUntil = this.fetchedAt + (maxAge ? Number(maxAge[1]) * 1e3 : this.options.maxAgeMs ?? 3e5);
      } finally {
        this.pending = void 0;
      }
    })();
    return this.pending;
  }
  /** The public keys (`whpk_…`) deliveries verify with now, fetched when the cache is stale. */
  async publicKeys() {
    if (this.now() >= this.freshUntil) await this.load();
    return this.keys;
  }
  /** `Webhook.constructEvent` with the set's keys: the parsed envelope, or WebhookSignatureError. */
  async constructEvent(payload, headers, options = {}) {
    const keys = await this.publicKeys();
    try {
      return Webhook.constructEvent(payload, headers, keys, options);
    } catch (err) {
      if (!(err instanceof WebhookSignatureError) || err.message !== "The signature does not match") throw err;
      if (this.now() - this.fetchedAt < (this.options.refetchAfterMs ?? 3e4)) throw err;
      await this.load();
      return Webhook.constructEvent(payload, headers, this.keys, options);
    }
  }
};

// src/index.ts
var HookpostApiError = class extends Error {
  constructor(status, code, message, retryAfterSeconds) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
    this.name = "HookpostApiError";
  }
  status;
  code;
  retryAfterSeconds;
};
var RESERVED_HEADER_NAMES = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-type",
  "content-length",
  "expect",
  "forwarded",
  "x-real-ip",
  "via"
];
var RESERVED_HEADER_PREFIXES = [
  "webhook-",
  "svix-",
  "x-webhook-",
  "x-auggie-",
  "x-amz-",
  "x-amzn-",
  "x-goog-",
  "x-ms-",
  "x-azure-",
  "cf-",
  "x-forwarded-",
  "x-envoy-"
];
var path = (template, ...ids) => {
  let i = 0;
  return template.replace(/\{\}/g, () => encodeURIComponent(ids[i++]));
};
var HookpostClient = class {
  constructor(options) {
    this.options = options;
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.doFetch = options.fetch ?? fetch;
  }
  options;
  base;
  doFetch;
  async request(method, route, body) {
    const res = await this.doFetch(`${this.base}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${this.options.apiKey}`,
        ...this.options.orgId ? { "x-org-id": this.options.orgId } : {},
        ...body === void 0 ? {} : { "content-type": "application/json" }
      },
      ...body === void 0 ? {} : { body: JSON.stringify(body) }
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : void 0;
    if (!res.ok) {
      const error = data?.error;
      const retryAfter = res.headers.get("retry-after");
      throw new HookpostApiError(res.status, error?.code ?? "http_error", error?.message ?? `HTTP ${res.status}`, retryAfter ? Number(retryAfter) : void 0);
    }
    return data;
  }
  // seed 000: the account webhook
  registerWebhook(input) {
    return this.request("POST", "/v1/webhooks/register", { url: input.url, event_types: input.eventTypes ?? null });
  }
  getWebhook() {
    return this.request("GET", "/v1/webhooks");
  }
  deleteWebhook() {
    return this.request("DELETE", "/v1/webhooks");
  }
  rotateWebhookSecret(input = {}) {
    return this.request("POST", "/v1/webhooks/rotate-secret", input.gracePeriodSeconds === void 0 ? {} : { grace_period_seconds: input.gracePeriodSeconds });
  }
  // seed 003: admin webhooks
  webhooks = {
    /** A URL webhook (`url`), or an AWS destination (`destination`: see `destinationTrust`). */
    create: (input) => this.request("POST", "/api/v1/admin/webhooks", input),
    /** Every webhook of the tenant (one page: `has_more` is false). */
    list: () => this.request("GET", "/api/v1/admin/webhooks"),
    get: (id) => this.request("GET", path("/api/v1/admin/webhooks/{}", id)),
    /**
     * `headers` replaces the shown headers; a credential header is kept unless named (a value
     * replaces it, `null` removes it); `{}` removes every header. `null` puts an option back to the
     * stack's default; `auth: null` removes the receiver auth.
     */
    update: (id, changes) => this.request("PATCH", path("/api/v1/admin/webhooks/{}", id), changes),
    delete: (id) => this.request("DELETE", path("/api/v1/admin/webhooks/{}", id)),
    rotateSecret: (id, input = {}) => this.request("POST", path("/api/v1/admin/webhooks/{}/rotate-secret", id), {
      ...input.gracePeriodSeconds === void 0 ? {} : { grace_period_seconds: input.gracePeriodSeconds },
      ...input.secret === void 0 ? {} : { secret: input.secret }
    }),
    /** A signed test event to this webhook only: `webhook.test`, or with `eventType` that type's example from the catalogue. */
    sendTestEvent: (id, options = {}) => this.request("POST", path("/api/v1/admin/webhooks/{}/test", id), options.eventType ? { event_type: options.eventType } : void 0),
    /** A page of a webhook's history, newest first: `offset` up to 1,000, deeper with `starting_after`. */
    deliveries: (id, query = {}) => {
      const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== void 0).map(([k, v]) => [k, String(v)]));
      const qs = params.toString();
      return this.request("GET", `${path("/api/v1/admin/webhooks/{}/deliveries", id)}${qs ? `?${qs}` : ""}`);
    },
    delivery: (id, deliveryId) => this.request("GET", path("/api/v1/admin/webhooks/{}/deliveries/{}", id, deliveryId)),
    retry: (id, deliveryId) => this.request("POST", path("/api/v1/admin/webhooks/{}/deliveries/{}/retry", id, deliveryId)),
    recover: (id, window) => this.request("POST", path("/api/v1/admin/webhooks/{}/recover", id), {
      since: new Date(window.since).toISOString(),
      ...window.until === void 0 ? {} : { until: new Date(window.until).toISOString() }
    }),
    recovery: (id, recoveryId) => this.request("GET", path("/api/v1/admin/webhooks/{}/recoveries/{}", id, recoveryId)),
    health: (id) => this.request("GET", path("/api/v1/admin/webhooks/{}/health", id)),
    /** An AWS destination's check: hookpost assumes its role and writes a signed test message; what is wrong, in plain words. */
    checkDestination: (id) => this.request("POST", path("/api/v1/admin/webhooks/{}/check", id))
  };
  /** The trust an AWS destination's role must grant; with a target, the CloudFormation template that makes the role. */
  /** The audit trail, newest first: who changed what, when and from where; by webhook or action, a page at a time. */
  auditLog(query = {}) {
    const params = new URLSearchParams();
    if (query.limit !== void 0) params.set("limit", String(query.limit));
    if (query.startingAfter) params.set("starting_after", query.startingAfter);
    if (query.webhookId) params.set("webhook_id", query.webhookId);
    if (query.action) params.set("action", query.action);
    const qs = params.toString();
    return this.request("GET", `/api/v1/admin/audit-log${qs ? `?${qs}` : ""}`);
  }
  /** The event catalogue: each type's description, schema (JSON Schema 2020-12), version, validation mode and example. */
  eventTypes() {
    return this.request("GET", "/api/v1/admin/event-types");
  }
  destinationTrust(target) {
    const qs = target ? `?${new URLSearchParams({ type: target.type, target: target.target }).toString()}` : "";
    return this.request("GET", `/api/v1/admin/destinations/trust${qs}`);
  }
  /** Failed deliveries of every webhook, newest event first, a page at a time. */
  failedDeliveries(query = {}) {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== void 0).map(([k, v]) => [k, String(v)]));
    const qs = params.toString();
    return this.request("GET", `/api/v1/admin/failed-deliveries${qs ? `?${qs}` : ""}`);
  }
  /** An event by id (the `webhook-id` a receiver got): its data when kept, and its delivery to each webhook. */
  getEvent(eventId) {
    return this.request("GET", path("/api/v1/admin/events/{}", eventId));
  }
};
export {
  HookpostApiError,
  HookpostClient,
  RESERVED_HEADER_NAMES,
  RESERVED_HEADER_PREFIXES,
  Webhook,
  WebhookKeySet,
  WebhookSignatureError
};
