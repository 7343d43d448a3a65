import * as z from 'zod/mini';
import { DEFAULT_ROTATION_GRACE_SECONDS } from '../domain/endpoints';
import * as R from './responses';
import { ROUTES, type RouteKey, routeKeyOf } from './routes';
import type { Schemas } from './schemas';

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
  'POST /api/v1/admin/webhooks/{id}/test': { tag: 'Admin webhooks', summary: 'Send a signed test event (webhook.test) to this webhook only', ok: [202, R.TestEventSent] },
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
  'POST /v1/tenants/{tenant_id}/keys': { tag: 'Platform', summary: 'Issue an API key (answered once)', ok: [201, R.ApiKey] },
  'DELETE /v1/tenants/{tenant_id}/keys/{key_id}': { tag: 'Platform', summary: 'Revoke an API key', ok: [204, null] },
  'POST /v1/tenants/{tenant_id}/portal-sessions': { tag: 'Platform', summary: 'A single-use link to the dashboard, signed in as the tenant (read_only, ttl_seconds)', body: 'portalSessionCreate', ok: [201, R.PortalLink] },
  'POST /api/v1/portal/sessions': { tag: 'Admin webhooks', summary: 'Open a portal link: its token, once, for a session (409 portal_link_used, 410 portal_link_expired)', body: 'portalSessionOpen', bodyRequired: true, ok: [201, R.PortalSession] },
  'GET /v1/tenants/{tenant_id}/webhooks': { tag: 'Platform', summary: "A tenant's webhooks (operators)", ok: [200, R.WebhookList] },
  'GET /v1/tenants/{tenant_id}/webhooks/{id}/deliveries': { tag: 'Platform', summary: "A tenant's delivery history (operators; eventually consistent)", query: 'pagination', ok: [200, R.DeliveryPage] },
  'GET /v1/tenants/{tenant_id}/webhooks/{id}/deliveries/{delivery_id}': { tag: 'Platform', summary: 'One delivery (operators)', ok: [200, R.Delivery] },
  'POST /v1/tenants/{tenant_id}/webhooks/{id}/recover': { tag: 'Platform', summary: 'Recover failed deliveries (operators)', body: 'recover', bodyRequired: true, ok: [202, R.Recovery] },
  'GET /v1/tenants/{tenant_id}/webhooks/{id}/recoveries/{recovery_id}': { tag: 'Platform', summary: 'Progress of a recovery (operators)', ok: [200, R.Recovery] },
  'GET /v1/tenants/{tenant_id}/failed-deliveries': { tag: 'Platform', summary: "A tenant's failed deliveries across its webhooks (operators)", query: 'failedPage', ok: [200, R.FailedDeliveryPage] },
  'GET /v1/tenants/{tenant_id}/events/{event_id}': { tag: 'Platform', summary: "A tenant's event by id, with its delivery to each webhook (operators)", ok: [200, R.FoundEvent] },
  'GET /openapi.json': { tag: 'Documents', summary: 'This document', ok: [200, null] },
  'GET /dashboard': { tag: 'Documents', summary: 'The tenant dashboard (HTML)', ok: [200, null] },
};

const jsonSchema = (schema: Schema, io: 'input' | 'output') => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
};

const errorStatuses = (route: (typeof ROUTES)[number], op: Operation): Record<string, string> => ({
  ...(op.body || op.query ? { 400: 'Invalid input (validation_error, invalid_json, unknown_event_type, url_not_allowed, …)' } : {}),
  ...(route.auth === 'tenant' ? { 401: 'Missing or invalid API key', 403: 'X-Org-ID names another organization', 429: 'Rate limited (see Retry-After)' } : {}),
  ...(route.auth === 'platform' ? { 403: 'Not signed by an allowed IAM principal (the admin key locally)' } : {}),
  ...(route.path.includes('{') || route.path === '/v1/webhooks' || route.path.endsWith('rotate-secret') ? { 404: 'Not found (another tenant\'s ids too)' } : {}),
  ...(route.method === 'POST' || route.method === 'PATCH' ? { 409: 'Conflict', 413: 'Body too large', 415: 'Not application/json' } : {}),
});

export const buildOpenApi = (schemas: Schemas, catalogue: readonly string[]) => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const op = OPERATIONS[routeKeyOf(route) as RouteKey];
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } }));
    const query = op.query
      ? Object.entries((jsonSchema(schemas[op.query], 'input').properties ?? {}) as Record<string, unknown>).map(([name, schema]) => ({ name, in: 'query', required: false, schema }))
      : [];
    const headers = [
      ...(route.auth === 'tenant' ? [{ name: 'X-Org-ID', in: 'header', required: false, description: 'When sent, must name the API key\'s organization (tenant)', schema: { type: 'string' } }] : []),
      ...(routeKeyOf(route) === 'POST /v1/events' ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 } }] : []),
    ];
    const [status, ok] = op.ok;
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
          ...(ok ? { content: { 'application/json': { schema: jsonSchema(ok, 'output') } } } : {}),
          ...(route.path === '/dashboard' ? { content: { 'text/html': { schema: { type: 'string' } } } } : {}),
        },
        ...Object.fromEntries(
          Object.entries(errorStatuses(route, op)).map(([code, description]) => [code, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
        ),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'hookpost',
      version: '0.1.0',
      description: `Signed webhook delivery with retries and history. Event types: ${catalogue.join(', ')}.`,
    },
    servers: [{ url: '/' }],
    tags: ['Account webhook', 'Admin webhooks', 'Deliveries', 'Platform', 'Documents'].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: jsonSchema(R.ErrorResponse, 'output') },
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: "A tenant's API key (hpk_…)" },
        adminKey: { type: 'http', scheme: 'bearer', description: 'The platform admin key (local runtime only)' },
        sigv4: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'AWS SigV4 for execute-api (IAM) on AWS' },
      },
    },
  };
};
