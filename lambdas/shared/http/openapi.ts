import * as z from 'zod/mini';
import { DEFAULT_ROTATION_GRACE_SECONDS } from '../domain/endpoints';
import { VERSION } from '../version';
import { EXAMPLES } from './examples';
import * as R from './responses';
import { ROUTES, type RouteKey, routeKeyOf } from './routes';
import { LIMITS, type Schemas } from './schemas';

/**
 * The OpenAPI 3.1 description of every route, generated from the very zod schemas the handlers
 * validate requests with (./schemas) and the response schemas the views follow (./responses).
 * A route without an entry here does not compile.
 */
type Schema = z.core.$ZodType;

interface Operation {
  summary: string;
  tag: 'Account webhook' | 'Admin webhooks' | 'Deliveries' | 'Platform' | 'Documents';
  body?: keyof Schemas;
  bodyRequired?: boolean;
  query?: keyof Schemas;
  /** Status and schema of success; `null` schema: no body (204). */
  ok: [number, Schema | null];
  headers?: Record<string, string>;
}

const OPERATIONS: Record<RouteKey, Operation> = {
  'POST /v1/webhooks/register': { tag: 'Account webhook', summary: 'Register or update the account webhook; answers its secret', body: 'accountRegister', bodyRequired: true, ok: [200, R.AccountWebhook] },
  'GET /v1/webhooks': { tag: 'Account webhook', summary: 'The account webhook', ok: [200, R.AccountWebhook] },
  'DELETE /v1/webhooks': { tag: 'Account webhook', summary: 'Remove the account webhook', ok: [204, null] },
  'POST /v1/webhooks/rotate-secret': { tag: 'Account webhook', summary: `Rotate its signing secret (the old one signs alongside for the grace period, default ${DEFAULT_ROTATION_GRACE_SECONDS} s)`, body: 'rotateAccount', ok: [200, R.AccountWebhook] },
  'POST /api/v1/admin/webhooks': { tag: 'Admin webhooks', summary: 'Create a webhook (a generated secret is answered once)', body: 'adminCreate', bodyRequired: true, ok: [201, R.AdminWebhook] },
  'GET /api/v1/admin/webhooks': { tag: 'Admin webhooks', summary: 'List the webhooks (the account webhook too)', ok: [200, R.WebhookList] },
  'GET /api/v1/admin/webhooks/{id}': { tag: 'Admin webhooks', summary: 'One webhook', ok: [200, R.AdminWebhook] },
  'PATCH /api/v1/admin/webhooks/{id}': { tag: 'Admin webhooks', summary: 'Change url, events or status (re-enabling clears why it was disabled)', body: 'adminUpdate', bodyRequired: true, ok: [200, R.AdminWebhook] },
  'DELETE /api/v1/admin/webhooks/{id}': { tag: 'Admin webhooks', summary: 'Delete a webhook (pending retries are cancelled)', ok: [204, null] },
  'POST /api/v1/admin/webhooks/{id}/rotate-secret': { tag: 'Admin webhooks', summary: 'Rotate the signing secret; the new one is answered once', body: 'rotateAdmin', ok: [200, R.AdminWebhook] },
  'POST /api/v1/admin/webhooks/{id}/test': {
    tag: 'Admin webhooks',
    summary: "Send a signed test event to this webhook only: webhook.test, or with event_type the catalogue's example of that type",
    body: 'testEvent',
    ok: [202, R.TestEventSent],
  },
  'GET /api/v1/admin/event-types': { tag: 'Admin webhooks', summary: 'The event catalogue: each type with its description, schema (draft 2020-12), version, validation mode and example', ok: [200, R.EventTypeList] },
  'DELETE /api/v1/admin/events/{event_id}/data': {
    tag: 'Deliveries',
    summary: "Erase an event's payload: gone at once, its delivery records kept; a retry that comes due is cancelled (event_erased), a keyed replay delivers nothing",
    ok: [200, R.FoundEvent],
  },
  'DELETE /v1/tenants/{tenant_id}/events/{event_id}/data': { tag: 'Platform', summary: "Erase a tenant's event's payload (operators)", ok: [200, R.FoundEvent] },
  'GET /api/v1/admin/audit-log': {
    tag: 'Admin webhooks',
    summary: 'The audit trail: who changed what (before and after), when and from where, newest first (webhook_id, action; starting_after)',
    query: 'auditPage',
    ok: [200, R.AuditPage],
  },
  'GET /v1/tenants/{tenant_id}/audit-log': { tag: 'Platform', summary: "A tenant's audit trail (operators)", query: 'auditPage', ok: [200, R.AuditPage] },
  'GET /v1/event-types': { tag: 'Platform', summary: 'The event catalogue (operators): what publish checks each type\'s data against', ok: [200, R.EventTypeList] },
  'POST /api/v1/admin/webhooks/{id}/check': {
    tag: 'Admin webhooks',
    summary: "An AWS destination's check: hookpost assumes its role (refused without your external id, admitted with it) and writes a signed webhook.test message to the target; says what is wrong",
    ok: [200, R.DestinationCheck],
  },
  'GET /api/v1/admin/destinations/trust': {
    tag: 'Admin webhooks',
    summary: "The trust an AWS destination's role must grant: hookpost's principal, your external id, the trust policy, and (with type and target) a CloudFormation template that makes the role",
    query: 'destinationTrust',
    ok: [200, R.DestinationTrust],
  },
  'GET /api/v1/admin/webhooks/{id}/deliveries': { tag: 'Deliveries', summary: 'Delivery history, newest first (eventually consistent: an attempt of the last second may not be listed yet)', query: 'pagination', ok: [200, R.DeliveryPage] },
  'GET /api/v1/admin/webhooks/{id}/deliveries/{delivery_id}': { tag: 'Deliveries', summary: 'One delivery with every attempt', ok: [200, R.Delivery] },
  'POST /api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry': { tag: 'Deliveries', summary: 'Retry a delivery now', ok: [202, R.RetryAccepted] },
  'POST /api/v1/admin/webhooks/{id}/recover': { tag: 'Deliveries', summary: 'Re-send the failed deliveries of a time window, in the background', body: 'recover', bodyRequired: true, ok: [202, R.Recovery] },
  'GET /api/v1/admin/webhooks/{id}/recoveries/{recovery_id}': { tag: 'Deliveries', summary: 'Progress of a recovery', ok: [200, R.Recovery] },
  'GET /api/v1/admin/webhooks/{id}/health': { tag: 'Admin webhooks', summary: 'Success rate and last attempt over the last 24 hours (its newest 100 deliveries at most)', ok: [200, R.WebhookHealth] },
  'GET /api/v1/admin/failed-deliveries': { tag: 'Deliveries', summary: 'Failed deliveries of every webhook, newest event first (eventually consistent)', query: 'failedPage', ok: [200, R.FailedDeliveryPage] },
  'GET /api/v1/admin/events/{event_id}': { tag: 'Deliveries', summary: 'An event by id (the webhook-id header a receiver got): its data when kept, and its delivery to each webhook', ok: [200, R.FoundEvent] },
  'POST /v1/events': { tag: 'Platform', summary: 'Publish an event to a tenant (Idempotency-Key optional)', body: 'publish', bodyRequired: true, ok: [202, R.EventAccepted] },
  'POST /v1/events/batch': { tag: 'Platform', summary: 'Publish up to 100 events', body: 'publishBatch', bodyRequired: true, ok: [202, R.EventsAccepted] },
  'POST /v1/tenants': { tag: 'Platform', summary: 'Create a tenant', body: 'createTenant', bodyRequired: true, ok: [201, R.Tenant] },
  'PATCH /v1/tenants/{tenant_id}': { tag: 'Platform', summary: "Set a tenant's retention (retention_days; null: the stack's), for what is written from now on", body: 'updateTenant', bodyRequired: true, ok: [200, R.Tenant] },
  'DELETE /v1/tenants/{tenant_id}': {
    tag: 'Platform',
    summary:
      'Erase a tenant and everything of it (keys, sessions, portal links, webhooks and their secrets, deliveries, attempts, stored events, recoveries, pending retries, the audit trail), in the background: from this answer on it is not found and nothing more is delivered for it; asked again, the erasure as it stands',
    ok: [202, R.TenantErasure],
  },
  'GET /v1/tenants/{tenant_id}/erasure': { tag: 'Platform', summary: "A tenant's erasure: its progress, then its receipt (kept for the retention)", ok: [200, R.TenantErasure] },
  'POST /v1/tenants/{tenant_id}/keys': { tag: 'Platform', summary: 'Issue an API key (answered once)', ok: [201, R.ApiKey] },
  'DELETE /v1/tenants/{tenant_id}/keys/{key_id}': { tag: 'Platform', summary: 'Revoke an API key', ok: [204, null] },
  'POST /v1/tenants/{tenant_id}/portal-sessions': { tag: 'Platform', summary: 'A single-use link to the dashboard, signed in as the tenant (read_only, ttl_seconds)', body: 'portalSessionCreate', ok: [201, R.PortalLink] },
  'POST /api/v1/portal/sessions': { tag: 'Admin webhooks', summary: 'Open a portal link: its token, once, for a session (409 portal_link_used, 410 portal_link_expired)', body: 'portalSessionOpen', bodyRequired: true, ok: [201, R.PortalSession] },
  'GET /v1/jwks/{tenant_id}/{id}': {
    tag: 'Documents',
    summary: "An ed25519 webhook's public keys as a JWK set (public, cacheable for 5 minutes): its receiver verifies v1a signatures with them and finds a rotation by itself",
    ok: [200, R.JwkSet],
  },
  'GET /v1/tenants/{tenant_id}/webhooks': { tag: 'Platform', summary: "A tenant's webhooks (operators)", ok: [200, R.WebhookList] },
  'GET /v1/tenants/{tenant_id}/webhooks/{id}/deliveries': { tag: 'Platform', summary: "A tenant's delivery history (operators; eventually consistent)", query: 'pagination', ok: [200, R.DeliveryPage] },
  'GET /v1/tenants/{tenant_id}/webhooks/{id}/deliveries/{delivery_id}': { tag: 'Platform', summary: 'One delivery (operators)', ok: [200, R.Delivery] },
  'POST /v1/tenants/{tenant_id}/webhooks/{id}/deliveries/{delivery_id}/retry': { tag: 'Platform', summary: 'Retry a delivery now (operators)', ok: [202, R.RetryAccepted] },
  'POST /v1/tenants/{tenant_id}/webhooks/{id}/recover': { tag: 'Platform', summary: 'Recover failed deliveries (operators)', body: 'recover', bodyRequired: true, ok: [202, R.Recovery] },
  'GET /v1/tenants/{tenant_id}/webhooks/{id}/recoveries/{recovery_id}': { tag: 'Platform', summary: 'Progress of a recovery (operators)', ok: [200, R.Recovery] },
  'GET /v1/tenants/{tenant_id}/failed-deliveries': { tag: 'Platform', summary: "A tenant's failed deliveries across its webhooks (operators)", query: 'failedPage', ok: [200, R.FailedDeliveryPage] },
  'GET /v1/tenants/{tenant_id}/events/{event_id}': { tag: 'Platform', summary: "A tenant's event by id, with its delivery to each webhook (operators)", ok: [200, R.FoundEvent] },
  'GET /openapi.json': { tag: 'Documents', summary: 'This document', ok: [200, null] },
  'GET /dashboard': { tag: 'Documents', summary: 'The tenant dashboard (HTML)', ok: [200, null] },
};

const jsonSchema = (schema: Schema, io: 'input' | 'output') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return io === 'output' ? openObjects(rest) : rest;
};

/**
 * Answers may gain fields in a minor version, so their objects are open (a generated client must
 * not break the day one is added); requests stay closed: an unknown field is refused with 400.
 */
const openObjects = (node: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'additionalProperties' && value === false) continue;
    out[key] = Array.isArray(value)
      ? value.map((v) => (v && typeof v === 'object' ? openObjects(v as Record<string, unknown>) : v))
      : value && typeof value === 'object'
        ? openObjects(value as Record<string, unknown>)
        : value;
  }
  return out;
};

/** The name each response shape has under components/schemas (its export name in ./responses). */
const RESPONSE_NAMES = new Map<Schema, keyof typeof EXAMPLES>(
  Object.entries(R).flatMap(([name, schema]) => (name in EXAMPLES ? [[schema as Schema, name as keyof typeof EXAMPLES]] : [])),
);
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, example?: unknown) => ({ 'application/json': { schema, ...(example === undefined ? {} : { example }) } });

/** API Gateway's own answers (`{"message": …}`): they never reach the function, so they cannot be in the service's `Error` shape. */
const GATEWAY_ERROR = {
  type: 'object',
  required: ['message'],
  properties: { message: { type: 'string' } },
  description: "API Gateway's own answer, before or instead of the function: `Forbidden` (IAM), `Request Too Long`, `Too Many Requests`, `Internal Server Error`, `Service Unavailable`.",
};
const errorOrGateway = { anyOf: [ref('Error'), ref('GatewayError')] };
const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before trying again (sent with a tenant rate limit; API Gateway\'s own throttling sends none).', schema: { type: 'integer', minimum: 1 } } };

interface ErrorAnswer {
  description: string;
  content?: Record<string, unknown>;
  headers?: Record<string, unknown>;
}

/** Every status other than success a caller of `route` can meet, each in the shape it comes in. */
const errorAnswers = (route: (typeof ROUTES)[number], op: Operation): Record<string, ErrorAnswer> => {
  const key = routeKeyOf(route) as RouteKey;
  const service = (description: string, code: string, message: string): ErrorAnswer => ({ description, content: json(ref('Error'), { error: { code, message } }) });
  const answers: Record<string, ErrorAnswer> = {};
  // Every route reads its query, headers and any body before it acts, so each can answer these.
  answers[400] = service(
    op.body || op.query ? 'Invalid input (validation_error, invalid_json, invalid_encoding, unknown_event_type, url_not_allowed, offset_too_large, …)' : 'Invalid input: a query parameter or a body this route does not take (validation_error, invalid_json, invalid_encoding)',
    'validation_error',
    EXAMPLES.ErrorResponse.error.message,
  );
  if (route.auth === 'tenant') {
    answers[401] = service('Missing or invalid API key (unauthorized), or a portal session that ended (session_expired)', 'unauthorized', 'Missing or invalid API key. Send "Authorization: Bearer <key>".');
    answers[403] = service(
      `X-Org-ID names another organization (forbidden), a read-only portal session asked for a change (read_only_session)${'capability' in route || 'unlisted' in route ? ', a portal session its link does not let do this (capability_not_granted), or one limited to listed webhooks or event types went beyond them (scope_limited)' : ''}`,
      'forbidden',
      'X-Org-ID does not match this API key',
    );
  }
  if (route.auth === 'platform') {
    answers[403] = { description: 'Not signed by an IAM principal allowed to invoke the route (on AWS), or not the admin key (locally): answered by API Gateway', content: json(ref('GatewayError'), { message: 'Forbidden' }) };
  }
  const notFound = OPERATION_NOT_FOUND[key] ?? (route.path.includes('{') || route.path === '/v1/webhooks' || route.path.endsWith('rotate-secret') ? "Not found (another tenant's ids too)" : 'Not found');
  answers[404] = {
    description: `${notFound}; or, for a path API Gateway itself does not route (an encoded slash in a parameter), its own answer`,
    content: json(errorOrGateway, { error: { code: 'not_found', message: 'Webhook "wh_01JDZ8H5Q2W3E4R5T6Y7U8I9O0" not found' } }),
  };
  if (route.method === 'POST' || route.method === 'PATCH') answers[409] = service(OPERATION_CONFLICT[key] ?? 'Conflict', 'conflict', 'Conflict');
  answers[413] = {
    description: "Body too large: the service's own limit (payload_too_large), or, past what Lambda accepts (6 MB) or API Gateway accepts (10 MB), API Gateway's answer",
    content: { ...json(errorOrGateway, { error: { code: 'payload_too_large', message: `Request bodies are limited to ${LIMITS.bodyBytes} bytes` } }), 'text/plain': { schema: { type: 'string' } } },
  };
  answers[415] = service('A body that is not application/json (unsupported_media_type)', 'unsupported_media_type', 'Send the body as application/json');
  if (key === 'POST /api/v1/portal/sessions') answers[410] = service('The portal link expired before it was opened (portal_link_expired)', 'portal_link_expired', 'This portal link has expired. Ask for a new one.');
  answers[429] = {
    description: route.auth === 'tenant' ? "Rate limited: the tenant's own limit (rate_limited, with Retry-After) or API Gateway's throttling" : "API Gateway's throttling",
    content: json(route.auth === 'tenant' ? errorOrGateway : ref('GatewayError'), route.auth === 'tenant' ? { error: { code: 'rate_limited', message: 'Too many requests for this tenant; retry after 1 s.' } } : { message: 'Too Many Requests' }),
    headers: RETRY_AFTER,
  };
  answers[431] = service('Request headers too large (headers_too_large; no body when the HTTP server refuses them before reading them)', 'headers_too_large', `Request headers are limited to ${LIMITS.headerBytes} bytes`);
  answers[500] = { description: 'The function failed (API Gateway\'s answer)', content: json(ref('GatewayError'), { message: 'Internal Server Error' }) };
  answers[503] = { description: 'The function could not answer in time or could not run (API Gateway\'s answer; on AWS only)', content: json(ref('GatewayError'), { message: 'Service Unavailable' }) };
  return answers;
};

/** 404s particular to one operation. */
const OPERATION_NOT_FOUND: Partial<Record<RouteKey, string>> = {
  'POST /v1/events': 'No such tenant (tenant_not_found)',
  'POST /v1/events/batch': 'No such tenant (tenant_not_found)',
  'POST /api/v1/portal/sessions': 'No such portal link (portal_link_not_found)',
  'POST /v1/tenants/{tenant_id}/keys': 'No such tenant (tenant_not_found)',
  'PATCH /v1/tenants/{tenant_id}': 'No such tenant (tenant_not_found)',
  'DELETE /v1/tenants/{tenant_id}': 'No such tenant, nor an erasure of one (tenant_not_found)',
  'GET /v1/tenants/{tenant_id}/erasure': 'The tenant has not been erased (erasure_not_found)',
  'POST /v1/tenants/{tenant_id}/portal-sessions': 'No such tenant (tenant_not_found)',
  'GET /api/v1/admin/events/{event_id}': 'No such event (event_not_found)',
  'GET /v1/tenants/{tenant_id}/events/{event_id}': 'No such event (event_not_found)',
  'DELETE /api/v1/admin/events/{event_id}/data': 'No such event (event_not_found)',
  'DELETE /v1/tenants/{tenant_id}/events/{event_id}/data': 'No such event (event_not_found)',
  'GET /v1/jwks/{tenant_id}/{id}': 'No ed25519 webhook of that tenant and id (not_found: the same for one that signs with hmac-sha256)',
};

/** 409s particular to one operation. */
const OPERATION_CONFLICT: Partial<Record<RouteKey, string>> = {
  'POST /v1/events': 'The Idempotency-Key was used with a different event (idempotency_key_reused)',
  'POST /v1/events/batch': 'An idempotency_key was used with a different event (idempotency_key_reused)',
  'POST /v1/tenants': 'The tenant exists (tenant_exists)',
  'POST /v1/tenants/{tenant_id}/keys': 'That key belongs to another tenant (key_in_use)',
  'POST /api/v1/portal/sessions': 'The portal link was opened already (portal_link_used)',
  'POST /api/v1/admin/webhooks/{id}/test': 'The webhook is disabled (webhook_disabled)',
  'POST /v1/tenants/{tenant_id}/webhooks/{id}/deliveries/{delivery_id}/retry': 'Already succeeded (delivery_succeeded), the webhook is disabled (webhook_disabled), or an attempt is on its way (retry_in_progress)',
  'POST /api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry': 'Already succeeded (delivery_succeeded), the webhook is disabled (webhook_disabled), or an attempt is on its way (retry_in_progress)',
  'POST /v1/webhooks/rotate-secret': 'Another rotation is under way (rotation_conflict)',
  'POST /api/v1/admin/webhooks/{id}/rotate-secret': 'Another rotation is under way (rotation_conflict)',
};

/** Headers of a success answer. */
const OK_HEADERS: Partial<Record<RouteKey, Record<string, unknown>>> = {
  'GET /v1/jwks/{tenant_id}/{id}': { 'Cache-Control': { description: 'public, max-age=300: a rotation keeps the old key signing for its grace (a day by default), well beyond.', schema: { type: 'string' } } },
  'POST /v1/events': {
    'Idempotent-Replayed': { description: 'Present (`true`) when the Idempotency-Key was seen before with the same event: the first answer is repeated and nothing is published again.', schema: { type: 'string', enum: ['true'] } },
  },
};

export const buildOpenApi = (schemas: Schemas, catalogue: readonly string[]) => {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Record<string, unknown> = { Error: jsonSchema(R.ErrorResponse, 'output'), GatewayError: GATEWAY_ERROR };
  for (const route of ROUTES) {
    const key = routeKeyOf(route) as RouteKey;
    const op = OPERATIONS[key];
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } }));
    const query = op.query
      ? Object.entries((jsonSchema(schemas[op.query], 'input').properties ?? {}) as Record<string, unknown>).map(([name, schema]) => ({ name, in: 'query', required: false, schema }))
      : [];
    const headers = [
      ...(route.auth === 'tenant' ? [{ name: 'X-Org-ID', in: 'header', required: false, description: 'When sent, must name the API key\'s organization (tenant)', schema: { type: 'string' } }] : []),
      ...(key === 'POST /v1/events' ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 } }] : []),
    ];
    const [status, ok] = op.ok;
    const okName = ok ? RESPONSE_NAMES.get(ok) : undefined;
    if (ok && !okName) throw new Error(`${key}: its answer has no example in ./examples`);
    if (okName) components[okName] = jsonSchema(ok!, 'output');
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: `${route.method.toLowerCase()}${route.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: op.summary,
      tags: [op.tag],
      security: route.auth === 'tenant' ? [{ apiKey: [] }] : route.auth === 'platform' ? [{ sigv4: [] }, { adminKey: [] }] : [],
      ...(params.length + query.length + headers.length > 0 ? { parameters: [...params, ...query, ...headers] } : {}),
      ...(op.body
        ? { requestBody: { required: op.bodyRequired ?? false, content: { 'application/json': { schema: jsonSchema(schemas[op.body], 'input') } } } }
        : {}),
      responses: {
        [status]: {
          description: op.summary,
          ...(okName ? { content: json(ref(okName), EXAMPLES[okName]) } : {}),
          ...(OK_HEADERS[key] ? { headers: OK_HEADERS[key] } : {}),
          ...(key === 'GET /openapi.json' ? { content: json({ type: 'object', description: 'An OpenAPI 3.1 document' }) } : {}),
          ...(key === 'GET /dashboard' ? { content: { 'text/html': { schema: { type: 'string' } } } } : {}),
        },
        ...errorAnswers(route, op),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'hookpost',
      version: VERSION,
      description: `Signed webhook delivery with retries and history. Event types: ${catalogue.join(', ')}.`,
    },
    servers: [{ url: '/' }],
    tags: ['Account webhook', 'Admin webhooks', 'Deliveries', 'Platform', 'Documents'].map((name) => ({ name })),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: "A tenant's API key (hpk_…), or a portal session's token (hps_…)" },
        adminKey: { type: 'http', scheme: 'bearer', description: 'The platform admin key: the local runtime only (a deployed stack has none)' },
        // OpenAPI has no scheme for AWS Signature Version 4; this is how API Gateway itself exports an IAM-authorized route.
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          'x-amazon-apigateway-authtype': 'awsSigv4',
          description:
            'AWS Signature Version 4 for the service `execute-api` in the stack\'s region, made by an AWS SDK signer from the caller\'s credentials: `Authorization`, `X-Amz-Date`, `X-Amz-Content-Sha256` and, with temporary credentials, `X-Amz-Security-Token`. The principal\'s IAM policy must allow `execute-api:Invoke` on the route (Hookpost.grantPublish). Not a static header.',
        },
      },
    },
  };
};
