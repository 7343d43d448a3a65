import type { PortalCapability } from '../domain/portal-scope';
/**
 * Every HTTP route, in one table that both the CDK stack (API Gateway routes) and the local
 * runtime (its API Gateway stand-in) are built from.
 * - `tenant` routes authenticate a tenant's API key in the function.
 * - `platform` routes are the platform's own (publishing, tenants): IAM on AWS, the admin key locally.
 * - `public` routes serve documents anyone may read: the OpenAPI description and the dashboard page.
 */
export type RouteGroup = 'account-webhooks' | 'admin-webhooks' | 'platform' | 'docs';
export type RouteAuth = 'tenant' | 'platform' | 'public';
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  group: RouteGroup;
  method: HttpMethod;
  path: string;
  auth: RouteAuth;
  /** What a tenant route that changes something asks of a portal session (`../domain/portal-scope`). */
  capability?: PortalCapability;
  /** A tenant route that creates a webhook or acts on the account webhook: never one of a session's listed webhooks. */
  unlisted?: boolean;
}

export const ROUTES = [
  // seed 000: the account webhook
  { group: 'account-webhooks', method: 'POST', path: '/v1/webhooks/register', auth: 'tenant', capability: 'manage_webhooks', unlisted: true },
  { group: 'account-webhooks', method: 'GET', path: '/v1/webhooks', auth: 'tenant', unlisted: true },
  { group: 'account-webhooks', method: 'DELETE', path: '/v1/webhooks', auth: 'tenant', capability: 'manage_webhooks', unlisted: true },
  { group: 'account-webhooks', method: 'POST', path: '/v1/webhooks/rotate-secret', auth: 'tenant', capability: 'rotate_secrets', unlisted: true },
  // seed 003: admin webhooks
  { group: 'admin-webhooks', method: 'POST', path: '/api/v1/admin/webhooks', auth: 'tenant', capability: 'manage_webhooks', unlisted: true },
  { group: 'admin-webhooks', method: 'GET', path: '/api/v1/admin/webhooks', auth: 'tenant' },
  { group: 'admin-webhooks', method: 'GET', path: '/api/v1/admin/webhooks/{id}', auth: 'tenant' },
  { group: 'admin-webhooks', method: 'PATCH', path: '/api/v1/admin/webhooks/{id}', auth: 'tenant', capability: 'manage_webhooks' },
  { group: 'admin-webhooks', method: 'DELETE', path: '/api/v1/admin/webhooks/{id}', auth: 'tenant', capability: 'manage_webhooks' },
  { group: 'admin-webhooks', method: 'POST', path: '/api/v1/admin/webhooks/{id}/rotate-secret', auth: 'tenant', capability: 'rotate_secrets' },
  { group: 'admin-webhooks', method: 'POST', path: '/api/v1/admin/webhooks/{id}/test', auth: 'tenant', capability: 'manage_webhooks' },
  // AWS destinations: try the role and the target; the trust a tenant's role must grant
  { group: 'admin-webhooks', method: 'POST', path: '/api/v1/admin/webhooks/{id}/check', auth: 'tenant', capability: 'manage_webhooks' },
  { group: 'admin-webhooks', method: 'GET', path: '/api/v1/admin/destinations/trust', auth: 'tenant' },
  // the event catalogue: each type's description, schema and example
  { group: 'admin-webhooks', method: 'GET', path: '/api/v1/admin/event-types', auth: 'tenant' },
  { group: 'admin-webhooks', method: 'GET', path: '/api/v1/admin/webhooks/{id}/deliveries', auth: 'tenant' },
  { group: 'admin-webhooks', method: 'GET', path: '/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}', auth: 'tenant' },
  { group: 'admin-webhooks', method: 'POST', path: '/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry', auth: 'tenant', capability: 'retry' },
  { group: 'admin-webhooks', method: 'POST', path: '/api/v1/admin/webhooks/{id}/recover', auth: 'tenant', capability: 'retry' },
  { group: 'admin-webhooks', method: 'GET', path: '/api/v1/admin/webhooks/{id}/recoveries/{recovery_id}', auth: 'tenant' },
  { group: 'admin-webhooks', method: 'GET', path: '/api/v1/admin/webhooks/{id}/health', auth: 'tenant' },
  // across a tenant's webhooks: its failed deliveries, and an event by id
  { group: 'admin-webhooks', method: 'GET', path: '/api/v1/admin/failed-deliveries', auth: 'tenant' },
  { group: 'admin-webhooks', method: 'GET', path: '/api/v1/admin/events/{event_id}', auth: 'tenant' },
  { group: 'admin-webhooks', method: 'DELETE', path: '/api/v1/admin/events/{event_id}/data', auth: 'tenant', capability: 'erase_payloads' },
  // the audit trail: who changed what, when, from where
  { group: 'admin-webhooks', method: 'GET', path: '/api/v1/admin/audit-log', auth: 'tenant' },
  // the dashboard trades a portal link's token (its proof) for a session, once
  { group: 'admin-webhooks', method: 'POST', path: '/api/v1/portal/sessions', auth: 'public' },
  // an ed25519 webhook's public keys, for its receiver to verify with (a JWK set; public, cacheable)
  { group: 'admin-webhooks', method: 'GET', path: '/v1/jwks/{tenant_id}/{id}', auth: 'public' },
  // the platform's own routes
  { group: 'platform', method: 'POST', path: '/v1/events', auth: 'platform' },
  { group: 'platform', method: 'POST', path: '/v1/events/batch', auth: 'platform' },
  { group: 'platform', method: 'GET', path: '/v1/event-types', auth: 'platform' },
  { group: 'platform', method: 'POST', path: '/v1/tenants', auth: 'platform' },
  { group: 'platform', method: 'PATCH', path: '/v1/tenants/{tenant_id}', auth: 'platform' },
  // erasing a tenant (in the background) and its progress, then its receipt
  { group: 'platform', method: 'DELETE', path: '/v1/tenants/{tenant_id}', auth: 'platform' },
  { group: 'platform', method: 'GET', path: '/v1/tenants/{tenant_id}/erasure', auth: 'platform' },
  { group: 'platform', method: 'POST', path: '/v1/tenants/{tenant_id}/keys', auth: 'platform' },
  { group: 'platform', method: 'DELETE', path: '/v1/tenants/{tenant_id}/keys/{key_id}', auth: 'platform' },
  // a short-lived, single-use link to the dashboard for one tenant (the portal)
  { group: 'platform', method: 'POST', path: '/v1/tenants/{tenant_id}/portal-sessions', auth: 'platform' },
  // operators: any tenant's webhooks and deliveries, for the CLI
  { group: 'platform', method: 'GET', path: '/v1/tenants/{tenant_id}/webhooks', auth: 'platform' },
  { group: 'platform', method: 'GET', path: '/v1/tenants/{tenant_id}/webhooks/{id}/deliveries', auth: 'platform' },
  { group: 'platform', method: 'GET', path: '/v1/tenants/{tenant_id}/webhooks/{id}/deliveries/{delivery_id}', auth: 'platform' },
  { group: 'platform', method: 'POST', path: '/v1/tenants/{tenant_id}/webhooks/{id}/deliveries/{delivery_id}/retry', auth: 'platform' },
  { group: 'platform', method: 'POST', path: '/v1/tenants/{tenant_id}/webhooks/{id}/recover', auth: 'platform' },
  { group: 'platform', method: 'GET', path: '/v1/tenants/{tenant_id}/webhooks/{id}/recoveries/{recovery_id}', auth: 'platform' },
  { group: 'platform', method: 'GET', path: '/v1/tenants/{tenant_id}/failed-deliveries', auth: 'platform' },
  { group: 'platform', method: 'GET', path: '/v1/tenants/{tenant_id}/events/{event_id}', auth: 'platform' },
  { group: 'platform', method: 'DELETE', path: '/v1/tenants/{tenant_id}/events/{event_id}/data', auth: 'platform' },
  { group: 'platform', method: 'GET', path: '/v1/tenants/{tenant_id}/audit-log', auth: 'platform' },
  // public documents: the API description and the tenant dashboard (which signs in with a tenant key)
  { group: 'docs', method: 'GET', path: '/openapi.json', auth: 'public' },
  { group: 'docs', method: 'GET', path: '/dashboard', auth: 'public' },
] as const satisfies readonly RouteSpec[];

type KeyOf<R> = R extends { method: infer M extends string; path: infer P extends string } ? `${M} ${P}` : never;
/** `METHOD /path` of exactly the routes in the table. */
export type RouteKey = KeyOf<(typeof ROUTES)[number]>;

export const routeKeyOf = (r: RouteSpec): string => `${r.method} ${r.path}`;

export const routesOf = (group: RouteGroup): RouteSpec[] => ROUTES.filter((r) => r.group === group);
