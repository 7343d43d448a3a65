import type * as z from 'zod/mini';
import { type Attempt, type Delivery, type Endpoint, graceEndsAt, lastAttempt, type Recovery, type SideResponse } from '../domain/model';
import type { DestinationCheck } from '../domain/destination-check';
import type { DestinationTrust } from '../domain/destination-webhooks';
import type { FoundEvent, WebhookHealth } from '../domain/tenant-views';
import { jwksPath } from '../domain/webhook-keys';
import { type CatalogueEntry, SYSTEM_CATALOGUE } from '../domain/event-catalogue';
import type { AuditRecord as AuditRecordModel } from '../domain/audit';
import type { TenantErasure } from '../domain/tenant-erasure';
import type { PortalScope } from '../domain/portal-scope';
import type { PortalTheme } from '../domain/portal';
import { bundleSize } from '../domain/client-certificate';
import { isSensitiveHeader, type ReceiverAuth, type SealedCredential } from '../domain/receiver-auth';
import type * as R from './responses';

/** Seed 000's shape: `{object, url, secret?, active, event_types}`. */
export const accountWebhookView = (e: Endpoint, secret?: string): z.infer<typeof R.AccountWebhook> => ({
  object: 'webhook' as const,
  url: e.url,
  ...(secret === undefined ? {} : { secret }),
  active: e.status === 'active',
  event_types: e.events,
});

export const destinationTrustView = (t: DestinationTrust): z.infer<typeof R.DestinationTrust> => ({
  object: 'destination_trust' as const,
  principal: t.principal,
  external_id: t.externalId,
  trust_policy: t.trustPolicy,
  cloudformation: t.cloudFormation ?? null,
});

/** An AWS destination webhook's target and role, with the trust the role must grant when given (`trust` is the tenant's, for this target). */
const destinationView = (d: NonNullable<Endpoint['destination']>, trust?: DestinationTrust): z.infer<typeof R.WebhookDestination> => ({
  type: d.type,
  target: d.arn,
  ...(d.queueUrl ? { queue_url: d.queueUrl } : {}),
  role_arn: d.roleArn,
  fifo: d.fifo,
  ...(trust ? { external_id: trust.externalId, principal: trust.principal, trust_policy: trust.trustPolicy, cloudformation: trust.cloudFormation! } : {}),
});

export const destinationCheckView = (webhookId: string, c: DestinationCheck): z.infer<typeof R.DestinationCheck> => ({
  object: 'destination_check' as const,
  webhook_id: webhookId,
  ok: c.ok,
  problem: c.ok ? null : c.problem,
  message: c.ok ? 'hookpost assumed the role with your external id (and was refused without it), and the target took a signed webhook.test message.' : c.message,
  message_id: c.ok ? c.messageId : null,
  aws_error: c.ok ? null : (c.aws ?? null),
});

/**
 * Seed 003's shape: `{id, url, events, status, created_at}`, plus when it last changed and its
 * surface; an AWS destination's webhook also its destination, with `trust` (for its target)
 * when the function knows it (the tenant routes).
 */
export const adminWebhookView = (e: Endpoint, secret?: string, trust?: DestinationTrust): z.infer<typeof R.AdminWebhook> => {
  const graceEnds = graceEndsAt(e);
  return {
    id: e.id,
    url: e.url,
    ...(e.destination ? { destination: destinationView(e.destination, trust) } : {}),
    events: e.events,
    status: e.status,
    ...(e.disabledReason ? { disabled_reason: e.disabledReason } : {}),
    ...(e.failingSince ? { failing_since: e.failingSince } : {}),
    created_at: e.createdAt,
    updated_at: e.updatedAt,
    surface: e.surface,
    ...(graceEnds ? { previous_secret_expires_at: graceEnds } : {}),
    ...credentialsView(e),
    ...(e.retrySchedule ? { retry_schedule: e.retrySchedule } : {}),
    ...(e.timeoutSeconds ? { timeout_seconds: e.timeoutSeconds } : {}),
    ...(e.rateLimitPerSecond ? { rate_limit_per_second: e.rateLimitPerSecond } : {}),
    ...(e.ordered ? { ordered: true } : {}),
    ...(e.filter ? { filter: e.filter } : {}),
    ...(e.signatureScheme === 'ed25519' ? { signature_scheme: e.signatureScheme, public_key: e.publicKey!, jwks_path: jwksPath(e.tenantId, e.id) } : {}),
    // An ed25519 webhook's secret is its secret key: it never leaves hookpost.
    ...(secret === undefined || e.signatureScheme === 'ed25519' ? {} : { secret }),
  };
};

const setAt = (c: SealedCredential) => ({ set_at: c.setAt });

const authView = (a: ReceiverAuth): z.infer<typeof R.WebhookAuth> => {
  switch (a.type) {
    case 'basic':
      return { type: a.type, username: a.username, password: setAt(a.password) };
    case 'oauth2_client_credentials':
      return {
        type: a.type,
        token_url: a.tokenUrl,
        client_id: a.clientId,
        client_secret: setAt(a.clientSecret),
        ...(a.scope ? { scope: a.scope } : {}),
        ...(a.audience ? { audience: a.audience } : {}),
        client_auth: a.clientAuth,
      };
    case 'mtls':
      return {
        type: a.type,
        certificate: { subject: a.info.subject, issuer: a.info.issuer, not_before: a.info.notBefore, not_after: a.info.notAfter, fingerprint_sha256: a.info.fingerprint256 },
        private_key: setAt(a.privateKey),
        ...(a.caBundle ? { ca_bundle: { certificates: bundleSize(a.caBundle) } } : {}),
      };
  }
};

/**
 * An endpoint's headers as a read may show them: credentials only as set, and when. A header of
 * a default credential name stored in the clear (written before issue 27; sealed on its next
 * update) is shown the same, set when the endpoint last changed.
 */
const credentialsView = (e: Endpoint): Pick<z.infer<typeof R.AdminWebhook>, 'headers' | 'sensitive_headers' | 'auth'> => {
  const plain = Object.entries(e.headers ?? {});
  const shown = plain.filter(([name]) => !isSensitiveHeader(name));
  const sensitive = {
    ...Object.fromEntries(plain.filter(([name]) => isSensitiveHeader(name)).map(([name]) => [name, { set_at: e.updatedAt }])),
    ...Object.fromEntries(Object.entries(e.sensitiveHeaders ?? {}).map(([name, c]) => [name, setAt(c)])),
  };
  return {
    ...(shown.length > 0 ? { headers: Object.fromEntries(shown) } : {}),
    ...(Object.keys(sensitive).length > 0 ? { sensitive_headers: sensitive } : {}),
    ...(e.auth ? { auth: authView(e.auth) } : {}),
  };
};

const attemptView = (a: Attempt): z.infer<typeof R.Attempt> => ({
  number: a.number,
  attempted_at: a.attemptedAt,
  status_code: a.statusCode,
  response_time_ms: a.responseTimeMs,
  error: a.error,
  response_body: a.responseBody,
  trigger: a.trigger,
  error_detail: a.detail ?? null,
  retry_after_seconds: a.retryAfterSeconds ?? null,
  message_id: a.messageId ?? null,
  aws_error: a.awsError ?? null,
  token_endpoint: a.tokenEndpoint ? sideView(a.tokenEndpoint) : null,
  token_refresh: a.tokenRefresh ? sideView(a.tokenRefresh) : null,
});

const sideView = (r: SideResponse) => ({ status_code: r.statusCode, response_time_ms: r.responseTimeMs, response_body: r.responseBody });

export const deliveryView = (d: Delivery): z.infer<typeof R.Delivery> => {
  const last = lastAttempt(d);
  return {
    id: d.id,
    object: 'delivery' as const,
    webhook_id: d.endpointId,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status,
    status_code: last?.statusCode ?? null,
    response_time_ms: last?.responseTimeMs ?? null,
    retry_count: d.retryCount,
    next_attempt_at: d.nextAttemptAt,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    attempts: d.attempts.map(attemptView),
  };
};

export const foundEventView = (e: FoundEvent): z.infer<typeof R.FoundEvent> => ({
  object: 'event' as const,
  id: e.id,
  type: e.type,
  created_at: e.createdAt,
  data: e.data,
  erased_at: e.erasedAt ?? null,
  deliveries: e.deliveries.map(deliveryView),
});

export const webhookHealthView = (h: WebhookHealth): z.infer<typeof R.WebhookHealth> => ({
  object: 'webhook_health' as const,
  webhook_id: h.webhookId,
  since: h.since,
  deliveries: h.deliveries,
  complete: h.complete,
  succeeded: h.succeeded,
  failed: h.failed,
  waiting: h.waiting,
  success_rate: h.successRate,
  last_attempt: h.lastAttempt ? attemptView(h.lastAttempt) : null,
});

export const listView = <T>(data: T[]) => ({ object: 'list' as const, data });

export const recoveryView = (r: Recovery): z.infer<typeof R.Recovery> => ({
  object: 'recovery' as const,
  id: r.id,
  webhook_id: r.endpointId,
  since: r.since,
  until: r.until,
  count: r.count,
  sent: Math.min(r.sent, r.count),
  status: r.status,
  created_at: r.createdAt,
});

/** The catalogue as the event-types routes answer it: the deployment's types, then hookpost's own. */
export const eventTypesView = (catalogue: readonly CatalogueEntry[]): z.infer<typeof R.EventTypeList> => ({
  object: 'list' as const,
  data: [...catalogue.map((e) => eventTypeView(e, false)), ...SYSTEM_CATALOGUE.map((e) => eventTypeView(e, true))],
  has_more: false as const,
  next_starting_after: null,
});

const eventTypeView = (e: CatalogueEntry, system: boolean): z.infer<typeof R.EventType> => ({
  object: 'event_type' as const,
  type: e.type,
  description: e.description,
  version: e.version,
  validation: e.validation,
  schema: e.schema ?? null,
  example: e.example ?? null,
  system,
});

/** What a portal link or session may do, and how it looks, as the API answers it. */
export const scopeView = (s: PortalScope, t?: PortalTheme) => ({
  capabilities: [...s.capabilities],
  webhook_ids: s.webhookIds ? [...s.webhookIds] : null,
  event_types: s.eventTypes ? [...s.eventTypes] : null,
  theme: t
    ? {
        ...(t.accentColor ? { accent_color: t.accentColor } : {}),
        ...(t.colorScheme ? { color_scheme: t.colorScheme } : {}),
        ...(t.fontFamily ? { font_family: t.fontFamily } : {}),
        ...(t.radiusPx !== undefined ? { radius_px: t.radiusPx } : {}),
      }
    : null,
});

export const erasureView = (e: TenantErasure): z.infer<typeof R.TenantErasure> => ({
  object: 'tenant_erasure' as const,
  tenant_id: e.tenantId,
  status: e.status,
  requested_at: e.requestedAt,
  requested_by: { type: 'platform' as const, id: e.requestedBy.id },
  source: { ip: e.source.ip, user_agent: e.source.userAgent },
  updated_at: e.updatedAt,
  finished_at: e.finishedAt ?? null,
  counts: e.counts,
});

export const auditRecordView = (r: AuditRecordModel): z.infer<typeof R.AuditRecord> => ({
  object: 'audit_record' as const,
  id: r.id,
  at: r.at,
  action: r.action,
  actor: r.actor,
  source: { ip: r.source.ip, user_agent: r.source.userAgent },
  webhook_id: r.webhookId ?? null,
  target: r.target ?? null,
  before: r.before ?? null,
  after: r.after ?? null,
});

