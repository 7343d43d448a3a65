import * as z from 'zod/mini';
import { ERASURE_COUNTS } from '../domain/tenant-erasure';
import { PORTAL_CAPABILITIES } from '../domain/portal-scope';

/**
 * What every route answers, as zod schemas: the OpenAPI document is generated from them (with
 * the request schemas in ./schemas), and tests check real responses against that document.
 * The views in ./views are typed as these shapes, so the two cannot drift apart.
 */
const timestamp = z.string().check(z.regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'an ISO-8601 UTC time'));
const nullableTimestamp = z.nullable(timestamp);
/** Counts, codes, seconds and milliseconds: whole numbers, `integer` in the document. */
const whole = () => z.int().check(z.minimum(0));

export const ErrorResponse = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    violations: z.optional(z.array(z.object({ pointer: z.string(), message: z.string() }))).register(z.globalRegistry, {
      description: "schema_violation: where the request's event data breaks its type's schema (a JSON pointer into the request body) and how.",
    }),
  }),
});

export const AccountWebhook = z.object({
  object: z.literal('webhook'),
  url: z.string(),
  secret: z.optional(z.string()),
  active: z.boolean(),
  event_types: z.nullable(z.array(z.string())),
  previous_secret_expires_at: z.optional(nullableTimestamp),
});

const policyDocument = z.object({ Version: z.string(), Statement: z.array(z.record(z.string(), z.unknown())) });

export const DestinationTrust = z.object({
  object: z.literal('destination_trust'),
  principal: z.string().register(z.globalRegistry, { description: "hookpost's principal: the role your role's trust policy must allow to call sts:AssumeRole." }),
  external_id: z.string().register(z.globalRegistry, { description: 'Your external id: hookpost presents it on every AssumeRole of your roles; your trust policy must require it. The same for all your destinations; never chosen by you.' }),
  trust_policy: policyDocument,
  cloudformation: z.nullable(z.record(z.string(), z.unknown())).register(z.globalRegistry, {
    description: 'A CloudFormation template (JSON) that makes the role: trusting the principal with your external id, allowed the one write to the target. Deploy it in the target\'s account; its output RoleArn is your role_arn. null when no target was named.',
  }),
});

export const WebhookDestination = z.object({
  type: z.enum(['eventbridge', 'sqs', 'sns']),
  target: z.string().register(z.globalRegistry, { description: "The bus's, queue's or topic's ARN." }),
  queue_url: z.optional(z.string()),
  role_arn: z.string(),
  fifo: z.boolean().register(z.globalRegistry, { description: "A FIFO queue or topic: one message group per tenant, the delivery id as deduplication id." }),
  external_id: z.optional(z.string()).register(z.globalRegistry, { description: 'The tenant routes answer the trust the role must grant (external_id, principal, trust_policy, cloudformation); the operators\' routes do not.' }),
  principal: z.optional(z.string()),
  trust_policy: z.optional(policyDocument),
  cloudformation: z.optional(z.record(z.string(), z.unknown())),
});

export const DestinationCheck = z.object({
  object: z.literal('destination_check'),
  webhook_id: z.string(),
  ok: z.boolean(),
  problem: z.nullable(z.enum(['role_without_external_id', 'role_not_assumable', 'target_refused', 'target_not_found', 'kms_key_refused'])).register(z.globalRegistry, {
    description: 'What is wrong, in the order to fix it (null when ok): the role lets hookpost in without your external id; hookpost cannot assume the role; the target refused the write (its policy, or the role\'s); the target does not exist; the target\'s KMS key refused the role.',
  }),
  message: z.string().register(z.globalRegistry, { description: 'What happened, in plain words: what to change when it failed.' }),
  message_id: z.nullable(z.string()).register(z.globalRegistry, { description: 'The test message\'s id in the target, when it took it.' }),
  aws_error: z.nullable(z.object({ code: z.string(), message: z.string() })),
});

const CredentialSet = z.object({ set_at: timestamp }).register(z.globalRegistry, { description: 'A write-only credential: it is set, since set_at. Its value is never returned.' });

export const WebhookAuth = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('basic'), username: z.string(), password: CredentialSet }),
    z.object({
      type: z.literal('oauth2_client_credentials'),
      token_url: z.string(),
      client_id: z.string(),
      client_secret: CredentialSet,
      scope: z.optional(z.string()),
      audience: z.optional(z.string()),
      client_auth: z.enum(['client_secret_basic', 'client_secret_post']),
    }),
    z.object({
      type: z.literal('mtls'),
      certificate: z
        .object({ subject: z.string(), issuer: z.string(), not_before: timestamp, not_after: timestamp, fingerprint_sha256: z.string() })
        .register(z.globalRegistry, { description: "The client certificate (the chain's leaf): who it names, who issued it, and when it expires (webhook.certificate_expiring is sent some days before)." }),
      private_key: CredentialSet,
      ca_bundle: z.optional(z.object({ certificates: whole() })).register(z.globalRegistry, { description: 'Present when a CA bundle for the receiver\'s server certificate is set: how many certificates it holds.' }),
    }),
  ])
  .register(z.globalRegistry, { description: 'How hookpost proves itself to the receiver beyond the signature (absent: the signature only). Credentials are write-only.' });

export const AdminWebhook = z.object({
  id: z.string(),
  url: z.string().register(z.globalRegistry, { description: "Where deliveries are POSTed; for an AWS destination, its target's ARN." }),
  destination: z.optional(WebhookDestination).register(z.globalRegistry, { description: 'Present when the webhook delivers into an AWS account: the target, the role, and the trust that role must grant.' }),
  events: z.nullable(z.array(z.string())),
  status: z.enum(['active', 'disabled']),
  disabled_reason: z.optional(z.string()),
  failing_since: z.optional(timestamp).register(z.globalRegistry, {
    description: 'Present while its attempts keep failing: when the first failure of the run was (noted once a retry fails too; cleared by a success).',
  }),
  created_at: timestamp,
  updated_at: timestamp,
  surface: z.enum(['account', 'admin']),
  previous_secret_expires_at: z.optional(timestamp),
  headers: z.optional(z.record(z.string(), z.string())).register(z.globalRegistry, { description: 'Request headers sent with every delivery, but those carrying credentials (absent when none).' }),
  sensitive_headers: z.optional(z.record(z.string(), CredentialSet)).register(z.globalRegistry, {
    description: 'Request headers whose values are credentials (Authorization, Cookie, X-Api-Key, and those marked): sent with every delivery, never returned (absent when none).',
  }),
  auth: z.optional(WebhookAuth),
  retry_schedule: z.optional(z.array(whole())).register(z.globalRegistry, { description: "Seconds before each retry, for this endpoint (absent: the stack's schedule)." }),
  timeout_seconds: z.optional(whole()).register(z.globalRegistry, { description: "Seconds a request may take, for this endpoint (absent: the stack's 30)." }),
  ordered: z.optional(z.literal(true)).register(z.globalRegistry, { description: 'Present when deliveries are attempted one at a time, in publish order.' }),
  rate_limit_per_second: z.optional(whole()).register(z.globalRegistry, { description: 'At most this many attempts begin each second, across all workers (absent: no limit).' }),
  filter: z.optional(z.record(z.string(), z.unknown())).register(z.globalRegistry, { description: 'The content filter (an EventBridge event pattern over data), when set.' }),
  signature_scheme: z.optional(z.literal('ed25519')).register(z.globalRegistry, { description: 'ed25519 when deliveries are signed with a key pair (absent: hmac-sha256 with the secret).' }),
  public_key: z.optional(z.string()).register(z.globalRegistry, {
    description: "An ed25519 webhook's current public key: whpk_ + base64 of the 32-byte key. Verify webhook-signature's v1a entries with it.",
  }),
  jwks_path: z.optional(z.string()).register(z.globalRegistry, {
    description: "An ed25519 webhook's public keys as a JWK set, at this path of the API (public, no key): its receiver can verify from it and follow a rotation by itself.",
  }),
  secret: z.optional(z.string()),
});

export const WebhookList = z.object({
  object: z.literal('list'),
  data: z.array(AdminWebhook).register(z.globalRegistry, { description: 'Every webhook of the tenant, oldest first.' }),
  has_more: z.literal(false).register(z.globalRegistry, { description: 'Always false: one page holds them all (the shape of every list).' }),
  next_starting_after: z.null(),
});

/** A response beside an attempt's own (the token endpoint's, or a 401 before a token refresh). */
const SideResponse = z.object({ status_code: z.nullable(whole()), response_time_ms: whole(), response_body: z.nullable(z.string()) });

export const Attempt = z.object({
  number: whole(),
  attempted_at: timestamp,
  status_code: z.nullable(whole()),
  response_time_ms: whole(),
  error: z.nullable(z.enum(['http_status', 'timeout', 'connection', 'dns', 'tls', 'redirect', 'blocked', 'secret_unavailable', 'destination', 'too_large', 'auth'])).register(z.globalRegistry, {
    description:
      "Why the attempt failed (null: it succeeded). An AWS destination's: destination (the service or STS refused; see aws_error) or too_large (over the service's message size; not retried). auth: the webhook's OAuth token endpoint gave no token (see token_endpoint), so nothing was sent.",
  }),
  response_body: z.nullable(z.string()),
  trigger: z.enum(['automatic', 'manual']),
  error_detail: z.nullable(z.string()),
  retry_after_seconds: z.nullable(whole()),
  message_id: z.nullable(z.string()).register(z.globalRegistry, { description: "An AWS destination's answer: the SQS or SNS message id, or the EventBridge event id (null for a URL webhook, or a failed attempt)." }),
  aws_error: z.nullable(z.object({ code: z.string(), message: z.string() })).register(z.globalRegistry, {
    description: "An AWS destination's refusal: the service's, or STS's, error code and message (null otherwise).",
  }),
  token_endpoint: z.nullable(SideResponse).register(z.globalRegistry, {
    description: "The OAuth token endpoint's answer when it gave no token (error auth, or a refresh after a 401 that failed); null otherwise.",
  }),
  token_refresh: z.nullable(SideResponse).register(z.globalRegistry, {
    description: "The receiver's 401 to a cached OAuth token, after which a new token was fetched and the request sent once more (this attempt's status is the second answer); null otherwise.",
  }),
});

export const Delivery = z.object({
  id: z.string(),
  object: z.literal('delivery'),
  webhook_id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  status: z.enum(['pending', 'retrying', 'succeeded', 'failed']),
  status_code: z.nullable(whole()),
  response_time_ms: z.nullable(whole()),
  retry_count: whole(),
  next_attempt_at: nullableTimestamp,
  created_at: timestamp,
  updated_at: timestamp,
  attempts: z.array(Attempt).register(z.globalRegistry, {
    description: 'Attempts, oldest first. A history page lists the latest 20 of a delivery re-sent more often; GET the delivery for every one.',
  }),
});

export const DeliveryPage = z.object({
  object: z.literal('list'),
  data: z.array(Delivery),
  offset: whole(),
  limit: whole(),
  total: z.nullable(whole()).register(z.globalRegistry, {
    description: 'How many deliveries (matching `status`) the history holds, when this page reaches its end; null when more follow (counting them would read the whole history: use has_more).',
  }),
  has_more: z.boolean().register(z.globalRegistry, { description: 'Whether older deliveries (matching `status`) may follow this page.' }),
  next_starting_after: z.nullable(z.string()).register(z.globalRegistry, {
    description: 'Pass as `starting_after` for the next page (null at the end). A filtered page reads at most 200 deliveries, so it may come back short, or empty, with more to follow.',
  }),
});

export const FailedDeliveryPage = z.object({
  object: z.literal('list'),
  data: z.array(Delivery).register(z.globalRegistry, { description: "Failed deliveries of the tenant's webhooks (not of deleted ones), newest event first." }),
  limit: whole(),
  has_more: z.boolean(),
  next_starting_after: z.nullable(z.string()).register(z.globalRegistry, {
    description: 'Pass as `starting_after` for the next page (null at the end). A page that passed many failures of deleted webhooks may come back short, or empty, with more to follow.',
  }),
});

export const FoundEvent = z.object({
  object: z.literal('event'),
  id: z.string(),
  type: z.string(),
  created_at: timestamp,
  data: z.nullable(z.unknown()).register(z.globalRegistry, {
    description:
      'The event\'s data, when hookpost kept it: every event on a stack with keepEventPayloads; otherwise an event with an idempotency key, or one whose delivery needed a retry. null for an event every webhook took at the first attempt (not stored), or one whose payload was erased.',
  }),
  erased_at: z.nullable(timestamp).register(z.globalRegistry, { description: 'When its payload was erased (DELETE …/events/{event_id}/data); null otherwise.' }),
  deliveries: z.array(Delivery).register(z.globalRegistry, { description: 'Its delivery to each webhook that got it (the latest 20 attempts of each; GET the delivery for every one).' }),
});

export const WebhookHealth = z.object({
  object: z.literal('webhook_health'),
  webhook_id: z.string(),
  since: timestamp,
  deliveries: whole().register(z.globalRegistry, { description: 'Deliveries counted: the newest of the last 24 hours, at most 100.' }),
  complete: z.boolean().register(z.globalRegistry, { description: 'Whether those are every delivery of the 24 hours (false: the figures cover the newest 100).' }),
  succeeded: whole(),
  failed: whole(),
  waiting: whole().register(z.globalRegistry, { description: 'Pending or retrying.' }),
  success_rate: z.nullable(z.number().check(z.minimum(0), z.maximum(1))).register(z.globalRegistry, { description: 'succeeded / (succeeded + failed); null when none finished.' }),
  last_attempt: z.nullable(Attempt),
});

export const RetryAccepted = z.object({
  object: z.literal('retry'),
  delivery_id: z.string(),
  attempt: whole(),
  status: z.literal('pending'),
});

export const Recovery = z.object({
  object: z.literal('recovery'),
  id: z.string(),
  webhook_id: z.string(),
  since: timestamp,
  until: timestamp,
  count: whole().register(z.globalRegistry, { description: 'Failed deliveries of the window found so far (final once status is done): the worker finds them a page at a time.' }),
  sent: whole().register(z.globalRegistry, { description: 'Deliveries re-sent so far (a delivery a concurrent retry took is found, not sent).' }),
  status: z.enum(['running', 'done']),
  created_at: timestamp,
});

export const EventAccepted = z.object({ id: z.string(), object: z.literal('event') });
export const EventsAccepted = z.object({ object: z.literal('list'), data: z.array(EventAccepted) });
export const TestEventSent = z.object({ object: z.literal('test_event'), event_id: z.string(), webhook_id: z.string(), type: z.string() });
export const Tenant = z.object({
  object: z.literal('tenant'),
  id: z.string(),
  name: z.string(),
  created_at: timestamp,
  retention_days: z.optional(z.nullable(whole())).register(z.globalRegistry, { description: "The tenant's own retention in days (null: the stack's); answered by PATCH." }),
});
/** What a portal link, and the session it opens, may do beyond reading (issue 29). */
function scopeFields() {
  return {
    capabilities: z.array(z.enum(PORTAL_CAPABILITIES)).register(z.globalRegistry, { description: 'What the session may do beyond reading: [] is read-only.' }),
    webhook_ids: z.nullable(z.array(z.string())).register(z.globalRegistry, { description: 'The only webhooks it sees and acts on (null: every webhook of the tenant).' }),
    event_types: z.nullable(z.array(z.string())).register(z.globalRegistry, { description: 'The only event types its webhooks may subscribe to (null: any).' }),
    theme: z.nullable(
      z.object({ accent_color: z.optional(z.string()), color_scheme: z.optional(z.enum(['light', 'dark', 'auto'])), font_family: z.optional(z.string()), radius_px: z.optional(whole()) }),
    ).register(z.globalRegistry, { description: "How the portal looks for this link (null: the stack's branding alone)." }),
  };
}

export const PortalLink = z.object({
  object: z.literal('portal_session'),
  tenant_id: z.string(),
  url: z.string().register(z.globalRegistry, { description: 'The dashboard, signed in as the tenant once opened: hand it to the tenant. Its token is in the fragment, never sent to a server.' }),
  read_only: z.boolean(),
  ...scopeFields(),
  expires_at: timestamp,
});
export const PortalSession = z.object({
  object: z.literal('portal_session'),
  tenant_id: z.string(),
  session_token: z.string().register(z.globalRegistry, { description: 'A bearer token for the tenant API until expires_at; keep it in memory only.' }),
  read_only: z.boolean(),
  ...scopeFields(),
  expires_at: timestamp,
});
export const ApiKey = z.object({ object: z.literal('api_key'), id: z.string(), tenant_id: z.string(), key: z.string(), created_at: timestamp });

export const JwkSet = z.object({
  keys: z.array(
    z.object({
      kty: z.literal('OKP'),
      crv: z.literal('Ed25519'),
      x: z.string().register(z.globalRegistry, { description: 'The 32-byte public key, base64url (RFC 8037).' }),
      kid: z.string().register(z.globalRegistry, { description: "The key's RFC 7638 thumbprint." }),
      use: z.literal('sig'),
      alg: z.literal('EdDSA'),
      status: z.enum(['current', 'previous']).register(z.globalRegistry, { description: 'current: signs every delivery. previous: rotated out, still signing beside the current one until expires_at.' }),
      expires_at: nullableTimestamp,
    }),
  ).register(z.globalRegistry, { description: "The webhook's current key first, then any still in a rotation's grace. A v1a signature verifies with one of them." }),
});

export const EventType = z.object({
  object: z.literal('event_type'),
  type: z.string(),
  description: z.string(),
  version: whole().register(z.globalRegistry, { description: "The schema's version: the platform raises it when the schema changes." }),
  validation: z.enum(['enforce', 'warn', 'off']).register(z.globalRegistry, {
    description: 'What a publish whose data breaks the schema meets: enforce, refused (400 schema_violation, each violation with its JSON pointer); warn, accepted, counted and logged; off, not checked.',
  }),
  schema: z.nullable(z.record(z.string(), z.unknown())).register(z.globalRegistry, { description: "A JSON Schema (draft 2020-12) of the event's data; null: any JSON object." }),
  example: z.nullable(z.record(z.string(), z.unknown())).register(z.globalRegistry, { description: "An event's data as this type sends it (it matches the schema)." }),
  system: z.boolean().register(z.globalRegistry, { description: 'Sent by hookpost itself (webhook.disabled): subscribable, never published by the platform.' }),
});

export const EventTypeList = z.object({
  object: z.literal('list'),
  data: z.array(EventType).register(z.globalRegistry, { description: "The deployment's catalogue in its order, then hookpost's own types." }),
  has_more: z.literal(false),
  next_starting_after: z.null(),
});

export const AuditRecord = z.object({
  object: z.literal('audit_record'),
  id: z.string(),
  at: timestamp,
  action: z.string().register(z.globalRegistry, { description: 'What was done: tenant.created, api_key.created, api_key.revoked, portal_link.created, portal_session.opened, account_webhook.registered, account_webhook.deleted, account_webhook.secret_rotated, webhook.created, webhook.updated, webhook.deleted, webhook.secret_rotated, webhook.test_sent, webhook.destination_checked, delivery.retried, recovery.started.' }),
  actor: z.object({
    type: z.enum(['api_key', 'portal_session', 'portal_link', 'platform']),
    id: z.string().register(z.globalRegistry, { description: "The API key's or portal session's id (key_…, ses_…), or the platform's IAM principal ARN." }),
  }),
  source: z.object({ ip: z.nullable(z.string()), user_agent: z.nullable(z.string()) }),
  webhook_id: z.nullable(z.string()),
  target: z.nullable(z.record(z.string(), z.string())).register(z.globalRegistry, { description: 'Other ids it names: a delivery, a recovery, a key, an event.' }),
  before: z.nullable(z.record(z.string(), z.unknown())).register(z.globalRegistry, { description: 'The fields that changed, as a read showed them before (credentials only as set_at).' }),
  after: z.nullable(z.record(z.string(), z.unknown())).register(z.globalRegistry, { description: 'The same fields after.' }),
});

export const TenantErasure = z.object({
  object: z.literal('tenant_erasure'),
  tenant_id: z.string(),
  status: z.enum(['erasing', 'done']).register(z.globalRegistry, { description: 'erasing: in the background, a step at a time; done: nothing of the tenant is left, and this is the receipt (kept for the retention).' }),
  requested_at: timestamp,
  requested_by: z.object({
    type: z.literal('platform'),
    id: z.string().register(z.globalRegistry, { description: "The platform's IAM principal ARN that asked." }),
  }),
  source: z.object({ ip: z.nullable(z.string()), user_agent: z.nullable(z.string()) }),
  updated_at: timestamp,
  finished_at: z.nullable(timestamp),
  counts: z
    .object(Object.fromEntries(ERASURE_COUNTS.map((c) => [c, whole()])) as Record<(typeof ERASURE_COUNTS)[number], ReturnType<typeof whole>>)
    .register(z.globalRegistry, { description: 'What it has erased so far: items found and deleted (retry_schedules: EventBridge Scheduler schedules; other: subscription pointers, audit copies, pace and rate windows, markers, the tenant itself). A step repeated after a crash may count an item twice.' }),
});

export const AuditPage = z.object({
  object: z.literal('list'),
  data: z.array(AuditRecord).register(z.globalRegistry, { description: 'Newest first.' }),
  limit: whole(),
  has_more: z.boolean(),
  next_starting_after: z.nullable(z.string()),
});

