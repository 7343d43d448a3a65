import type { PortalScope } from '../../lambdas/shared/domain/portal-scope';
import { type ApiKeyRecord, clearsOption, type Delivery, type Endpoint, type Recovery, type StoredEvent, type Tenant } from '../../lambdas/shared/domain/model';
import type {
  AttemptMessage,
  AttemptUpdate,
  DeliveryMessage,
  DeliveryRef,
  FanOutMessage,
  DeliveryStore,
  EndpointStore,
  EventStore,
  HttpResult,
  HttpSender,
  PostOptions,
  OrderedEntry,
  PageRequest,
  Ports,
  PortalLinkRecord,
  TenantStore,
} from '../../lambdas/shared/domain/ports';
import type { OperationalEvent } from '../../lambdas/shared/domain/operational-events';
import { createSecretBox } from '../../lambdas/shared/domain/secret-box';
import { OAuthTokenCache } from '../../lambdas/shared/adapters/oauth-tokens';
import { DEFAULT_EVENT_TYPES } from '../../lambdas/shared/domain/catalogue';
import { namesOnly, noDataValidation } from '../../lambdas/shared/domain/event-catalogue';
import type { AuditLog, AuditQuery, AuditRecord } from '../../lambdas/shared/domain/audit';

/** In-memory ports for fast domain tests. They keep the stores' contracts, nothing more. */
export class MemoryStores implements TenantStore, EndpointStore, EventStore, DeliveryStore {
  tenants = new Map<string, Tenant>();
  keys = new Map<string, ApiKeyRecord>();
  endpoints = new Map<string, Endpoint>();
  events = new Map<string, StoredEvent>();
  deliveries = new Map<string, Delivery>();
  private k = (...parts: string[]) => parts.join('|');

  async getTenant(id: string) {
    return structuredClone(this.tenants.get(id));
  }
  async setTenantRetention(id: string, days: number | null) {
    const t = this.tenants.get(id);
    if (!t) return undefined;
    if (days === null) delete t.retentionDays;
    else t.retentionDays = days;
    return structuredClone(t);
  }
  async tenantExists(id: string) {
    return this.tenants.has(id);
  }
  /** Being erased: the tenant is gone from the stores' view (the erasure itself is the real store's, tested on dynalite). */
  async beginErasure(id: string, at: string) {
    return this.tenants.delete(id) ? at : undefined;
  }
  async createTenant(t: Tenant) {
    if (this.tenants.has(t.id)) return false;
    this.tenants.set(t.id, structuredClone(t));
    return true;
  }
  async swapAccountWebhook(tenantId: string, expected: string | undefined, next: string | undefined) {
    const t = this.tenants.get(tenantId);
    if (!t || t.accountWebhookId !== expected) return false;
    if (next === undefined) delete t.accountWebhookId;
    else t.accountWebhookId = next;
    return true;
  }
  async putApiKey(k: ApiKeyRecord) {
    this.keys.set(k.keyHash, { ...k });
  }
  async findApiKey(hash: string) {
    return this.keys.get(hash);
  }
  async listApiKeys(tenantId: string) {
    return [...this.keys.values()].filter((k) => k.tenantId === tenantId && !k.expiresAt);
  }
  async deleteApiKey(k: ApiKeyRecord) {
    this.keys.delete(k.keyHash);
  }
  async listEndpoints(tenantId: string) {
    return [...this.endpoints.values()].filter((e) => e.tenantId === tenantId).map((e) => structuredClone(e));
  }
  async listSubscribed(tenantId: string, type: string) {
    return (await this.listEndpoints(tenantId)).filter((e) => e.events === null || e.events.includes(type));
  }
  async getEndpoint(tenantId: string, id: string) {
    return structuredClone(this.endpoints.get(this.k(tenantId, id)));
  }
  async createEndpoint(e: Endpoint) {
    if (this.endpoints.has(this.k(e.tenantId, e.id))) throw new Error('exists');
    this.endpoints.set(this.k(e.tenantId, e.id), structuredClone(e));
  }
  async updateEndpoint(tenantId: string, id: string, changes: Parameters<EndpointStore['updateEndpoint']>[2]) {
    const e = this.endpoints.get(this.k(tenantId, id));
    if (!e) return undefined;
    if (changes.status === 'active') {
      delete e.disabledReason;
      delete e.failingSince;
    }
    const fields = e as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(changes)) {
      if (clearsOption(key, value)) delete fields[key];
      else if (value !== undefined) fields[key] = value;
    }
    return structuredClone(e);
  }
  async rotateSecret(
    tenantId: string,
    id: string,
    expected: string,
    next: { sealedSecret: string; previous: Array<{ sealedSecret: string; expiresAt: string }>; updatedAt: string; publicKey?: string },
  ) {
    const e = this.endpoints.get(this.k(tenantId, id));
    if (!e || e.sealedSecret !== expected) return undefined;
    e.sealedSecret = next.sealedSecret;
    if (next.publicKey) e.publicKey = next.publicKey;
    e.updatedAt = next.updatedAt;
    e.previousSecrets = structuredClone(next.previous);
    return structuredClone(e);
  }
  portalLinks = new Map<string, { tenantId: string; scope: PortalScope; expiresAt: string; usedAt?: string }>();
  async putSession(k: ApiKeyRecord) {
    this.keys.set(k.keyHash, structuredClone(k));
  }
  async putPortalLink(link: PortalLinkRecord) {
    this.portalLinks.set(link.tokenHash, { tenantId: link.tenantId, scope: structuredClone(link.scope), expiresAt: link.expiresAt });
  }
  async redeemPortalLink(tokenHash: string, now: string) {
    const link = this.portalLinks.get(tokenHash);
    if (!link) return undefined;
    if (link.usedAt) return 'used' as const;
    if (link.expiresAt <= now) return 'expired' as const;
    link.usedAt = now;
    return { tenantId: link.tenantId, scope: structuredClone(link.scope), expiresAt: link.expiresAt };
  }
  orderedCounts = new Map<string, number>();
  async hasOrderedEndpoints(tenantId: string) {
    return (this.orderedCounts.get(tenantId) ?? 0) > 0;
  }
  async countOrderedEndpoints(tenantId: string, change: 1 | -1) {
    this.orderedCounts.set(tenantId, (this.orderedCounts.get(tenantId) ?? 0) + change);
  }
  async markFailing(tenantId: string, id: string, since: string) {
    const e = this.endpoints.get(this.k(tenantId, id));
    if (!e || e.failingSince) return false;
    e.failingSince = since;
    return true;
  }
  async noteCertificateNotice(tenantId: string, id: string, fingerprint: string) {
    const e = this.endpoints.get(this.k(tenantId, id));
    if (!e || e.auth?.type !== 'mtls' || e.auth.info.fingerprint256 !== fingerprint || e.certificateNoticeFor === fingerprint) return false;
    e.certificateNoticeFor = fingerprint;
    return true;
  }
  async clearFailing(tenantId: string, id: string) {
    const e = this.endpoints.get(this.k(tenantId, id));
    if (!e?.failingSince) return false;
    delete e.failingSince;
    return true;
  }
  async disableEndpoint(tenantId: string, id: string, reason: string, at: string) {
    const e = this.endpoints.get(this.k(tenantId, id));
    if (!e || e.status !== 'active') return false;
    Object.assign(e, { status: 'disabled', disabledReason: reason, updatedAt: at });
    return true;
  }
  async deleteEndpoint(tenantId: string, id: string) {
    const e = this.endpoints.get(this.k(tenantId, id));
    this.endpoints.delete(this.k(tenantId, id));
    return e ? structuredClone(e) : undefined;
  }
  async putEvent(e: StoredEvent) {
    if (this.events.has(this.k(e.tenantId, e.id))) return false;
    this.events.set(this.k(e.tenantId, e.id), structuredClone(e));
    return true;
  }
  async getEvent(tenantId: string, id: string) {
    return structuredClone(this.events.get(this.k(tenantId, id)));
  }
  async eraseEventData(tenantId: string, id: string, meta: { type: string; createdAt: string }, at: string) {
    const e = this.events.get(this.k(tenantId, id));
    this.events.set(this.k(tenantId, id), { requestHash: '', ...e, id, tenantId, type: e?.type ?? meta.type, createdAt: e?.createdAt ?? meta.createdAt, data: null, erasedAt: e?.erasedAt ?? at });
  }
  private dk = (r: DeliveryRef) => this.k(r.tenantId, r.endpointId, r.deliveryId);
  /** Test convenience: the delivery of an event to an endpoint, whatever its id. */
  async deliveryFor(eventId: string, endpointId: string) {
    return structuredClone([...this.deliveries.values()].find((d) => d.eventId === eventId && d.endpointId === endpointId));
  }
  async existingDeliveryIds(refs: DeliveryRef[]) {
    return new Set(refs.filter((r) => this.deliveries.has(this.dk(r))).map((r) => r.deliveryId));
  }
  async createDelivery(d: Delivery) {
    const key = this.dk({ tenantId: d.tenantId, endpointId: d.endpointId, deliveryId: d.id });
    if (this.deliveries.has(key)) return false;
    this.deliveries.set(key, structuredClone(d));
    return true;
  }
  async recordAttempt(ref: DeliveryRef, expected: number, u: AttemptUpdate) {
    const d = this.deliveries.get(this.dk(ref));
    if (!d || d.attempts.length !== expected) return false;
    Object.assign(d, { status: u.status, retryCount: u.retryCount, nextAttemptAt: u.nextAttemptAt, updatedAt: u.updatedAt });
    d.attempts.push(structuredClone(u.attempt));
    this.claims.delete(this.dk(ref));
    this.checkAt.delete(this.dk(ref));
    return true;
  }
  async setState(ref: DeliveryRef, expected: number, state: Pick<Delivery, 'status' | 'nextAttemptAt' | 'updatedAt'>) {
    const d = this.deliveries.get(this.dk(ref));
    if (!d || d.attempts.length !== expected) return false;
    Object.assign(d, state);
    return true;
  }
  claims = new Map<string, string>();
  async claimAttempt(ref: DeliveryRef, expected: number, until: string, now: string) {
    const d = this.deliveries.get(this.dk(ref));
    const held = this.claims.get(this.dk(ref));
    if (!d || d.attempts.length !== expected || (held !== undefined && held >= now)) return false;
    this.claims.set(this.dk(ref), until);
    return true;
  }
  async beginManualRetry(ref: DeliveryRef, expected: number, from: readonly Delivery['status'][], at: string, now: string) {
    const d = this.deliveries.get(this.dk(ref));
    if (!d || d.attempts.length !== expected || !from.includes(d.status)) return false;
    Object.assign(d, { status: 'pending', nextAttemptAt: at, updatedAt: now });
    return true;
  }
  /** When the sweep looks at a waiting delivery again, if it re-drove it. */
  checkAt = new Map<string, string>();
  async listOverdue(dueBefore: string, limit: number) {
    return [...this.deliveries.values()]
      .filter((d) => (d.status === 'retrying' || d.status === 'pending') && d.nextAttemptAt)
      .map((d) => ({ d, dueAt: this.checkAt.get(this.dk({ tenantId: d.tenantId, endpointId: d.endpointId, deliveryId: d.id })) ?? d.nextAttemptAt! }))
      .filter(({ dueAt }) => dueAt < dueBefore)
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt))
      .slice(0, limit)
      .map(({ d, dueAt }) => ({ tenantId: d.tenantId, endpointId: d.endpointId, deliveryId: d.id, status: d.status, attemptCount: d.attempts.length, dueAt }));
  }
  async postponeOverdue(ref: DeliveryRef, expected: number, checkAt: string) {
    const d = this.deliveries.get(this.dk(ref));
    if (!d || d.attempts.length !== expected) return false;
    this.checkAt.set(this.dk(ref), checkAt);
    return true;
  }
  async listFailed(tenantId: string, endpointId: string, window: { since: string; until: string }, cursor: string | undefined, limit: number) {
    const all = [...this.deliveries.values()]
      .filter((d) => d.tenantId === tenantId && d.endpointId === endpointId && d.status === 'failed')
      .filter((d) => d.createdAt >= window.since && d.createdAt <= window.until)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const start = cursor ? Number(cursor) : 0;
    const page = all.slice(start, start + limit);
    return { deliveries: structuredClone(page), cursor: start + limit < all.length ? String(start + limit) : undefined };
  }
  recoveries = new Map<string, Recovery>();
  async createRecovery(r: Recovery) {
    this.recoveries.set(this.k(r.tenantId, r.id), structuredClone(r));
  }
  async getRecovery(tenantId: string, id: string) {
    return structuredClone(this.recoveries.get(this.k(tenantId, id)));
  }
  async addRecoveryProgress(tenantId: string, id: string, { found, sent, done }: { found: number; sent: number; done: boolean }) {
    const r = this.recoveries.get(this.k(tenantId, id))!;
    r.count += found;
    r.sent += sent;
    if (done) r.status = 'done';
  }
  async getDelivery(ref: DeliveryRef) {
    return structuredClone(this.deliveries.get(this.dk(ref)));
  }
  async listDeliveries(tenantId: string, endpointId: string, { offset, limit, status, startingAfter, since }: PageRequest) {
    return this.page(
      (d) => d.tenantId === tenantId && d.endpointId === endpointId && (status === undefined || d.status === status) && (since === undefined || d.createdAt >= since),
      { offset, limit, startingAfter },
    );
  }
  /** Failed deliveries taken out of the tenant failed index (their webhook is gone). */
  readonly unlisted = new Set<string>();
  async listTenantFailed(tenantId: string, { limit, startingAfter }: { limit: number; startingAfter?: string }) {
    return this.page((d) => d.tenantId === tenantId && d.status === 'failed' && !this.unlisted.has(d.id), { offset: 0, limit, startingAfter });
  }
  async unlistTenantFailed(refs: DeliveryRef[]) {
    for (const r of refs) this.unlisted.add(r.deliveryId);
  }
  async markEventErased(refs: DeliveryRef[], at: string) {
    for (const r of refs) {
      const d = this.deliveries.get(this.dk(r));
      if (d) d.eventErasedAt ??= at;
    }
  }
  async getDeliveries(refs: DeliveryRef[]) {
    return refs.flatMap((r) => {
      const d = this.deliveries.get(this.dk(r));
      return d ? [structuredClone(d)] : [];
    });
  }
  private page(keep: (d: Delivery) => boolean, { offset, limit, startingAfter }: { offset: number; limit: number; startingAfter?: string | undefined }) {
    const all = [...this.deliveries.values()]
      .filter(keep)
      .filter((d) => startingAfter === undefined || d.id < startingAfter)
      .sort((a, b) => b.id.localeCompare(a.id));
    const deliveries = all.slice(offset, offset + limit);
    const hasMore = all.length > offset + limit;
    return { deliveries, hasMore, nextStartingAfter: hasMore ? deliveries.at(-1)!.id : null };
  }
}

export interface RecordedRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  options?: PostOptions;
}

export class FakeHttp implements HttpSender {
  requests: RecordedRequest[] = [];
  constructor(public respond: (req: RecordedRequest) => HttpResult | Promise<HttpResult> = () => ok(200)) {}
  async post(url: string, headers: Record<string, string>, body: string, options?: PostOptions) {
    const req = { url, headers, body, ...(options ? { options } : {}) };
    this.requests.push(req);
    return this.respond(req);
  }
}

/** The audit trail in memory: newest first, filtered as the table's lists are. */
export class MemoryAuditLog implements AuditLog {
  records: AuditRecord[] = [];
  async record(r: AuditRecord) {
    this.records.push(structuredClone(r));
  }
  async list(tenantId: string, q: AuditQuery) {
    const all = this.records
      .filter((r) => r.tenantId === tenantId && (!q.webhookId || r.webhookId === q.webhookId) && (!q.action || r.action === q.action))
      .sort((a, b) => b.id.localeCompare(a.id))
      .filter((r) => !q.startingAfter || r.id < q.startingAfter);
    return { records: all.slice(0, q.limit), hasMore: all.length > q.limit };
  }
}

export const ok = (statusCode: number, body = 'ok'): HttpResult => ({ statusCode, responseTimeMs: 5, error: null, bodyExcerpt: body });

export const fakePorts = (overrides: Partial<Ports> = {}) => {
  const stores = new MemoryStores();
  const sent: Array<{ message: DeliveryMessage; delaySeconds: number | undefined }> = [];
  const scheduled: Array<{ message: AttemptMessage; delaySeconds: number }> = [];
  const cancelled: Array<Pick<AttemptMessage, 'deliveryId' | 'attempt'>> = [];
  const http = new FakeHttp();
  const emitted: OperationalEvent[] = [];
  const orderedSent: OrderedEntry[] = [];
  const holds: Array<{ receiptHandle: string; seconds: number }> = [];
  let now = new Date('2026-02-16T12:00:00.000Z');
  const box = createSecretBox('a-test-master-key-that-is-long-enough-1234');
  const ports: Ports = {
    clock: { now: () => new Date(now) },
    tenants: stores,
    endpoints: stores,
    events: stores,
    deliveries: stores,
    queue: { send: async (message, delaySeconds) => void sent.push({ message, delaySeconds }) },
    retries: {
      schedule: async (message, delaySeconds) => void scheduled.push({ message, delaySeconds }),
      cancel: async (attempt) => cancelled.push(attempt) > 0,
    },
    ordered: {
      send: async (entries) => void orderedSent.push(...structuredClone(entries)),
      hold: async (receiptHandle, seconds) => void holds.push({ receiptHandle, seconds }),
    },
    http,
    // The real cache over the fake sender: token requests are recorded beside the deliveries' (by URL).
    tokens: new OAuthTokenCache(http, () => now.getTime()),
    destinations: { send: async () => ({ ok: false, code: 'NoDestinations', message: 'fakePorts has no AWS destinations', retryable: true }), check: async () => ({ ok: false, problem: 'role_not_assumable', message: 'fakePorts has no AWS destinations' }) },
    secretBox: { get: async () => box },
    targets: { check: async () => undefined },
    throttle: { take: async () => 0 },
    slots: { acquire: async () => 'lease', release: async () => undefined },
    operations: { emit: async (event) => void emitted.push(structuredClone(event)) },
    pacing: { take: async (_t, _e, _n, at) => ({ beginsAt: at }) },
    eventData: noDataValidation,
    audit: new MemoryAuditLog(),
    erasures: {
      getErasure: async () => undefined,
      startErasure: () => Promise.reject(new Error('fakePorts erases no tenant (test/adapters/tenant-erasure.test.ts runs it on dynalite)')),
      addErasureProgress: () => Promise.reject(new Error('fakePorts erases no tenant')),
      erase: () => Promise.reject(new Error('fakePorts erases no tenant')),
    },
    settings: { eventTypes: [...DEFAULT_EVENT_TYPES], catalogue: namesOnly(DEFAULT_EVENT_TYPES), retrySchedule: [60, 300, 1800, 7200, 86400], retentionDays: 30, recoveryRatePerSecond: 5, erasureStepItems: 100, erasureRatePerSecond: 200, erasureSettleSeconds: 90, disableAfterFailingSeconds: 5 * 86_400, overdueMarginSeconds: 300, keepEventPayloads: false },
    ...overrides,
  };
  return {
    ports,
    stores,
    sent,
    scheduled,
    cancelled,
    http,
    box,
    /** Operational events put on the bus, in order. */
    emitted,
    /** Entries sent to the FIFO queue of ordered endpoints, in order. */
    orderedSent,
    holds,
    /** The fan-out message publishing sent for an event (what the worker would receive). */
    fanOutOf: (eventId: string): FanOutMessage => {
      const found = sent.find((s) => s.message.kind === 'fanout' && s.message.eventId === eventId);
      if (!found) throw new Error(`no fan-out message was sent for ${eventId}`);
      return found.message as FanOutMessage;
    },
    advance: (seconds: number) => {
      now = new Date(now.getTime() + seconds * 1000);
    },
  };
};

export const silentLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, fault: () => undefined, succeeded: () => undefined };
