import {
  createAdminWebhook,
  DEFAULT_ROTATION_GRACE_SECONDS,
  deleteWebhook,
  getWebhook,
  rotateSecret,
  changeWebhook,
} from '../shared/domain/endpoints';
import { checkWebhookDestination, destinationTrust } from '../shared/domain/destination-webhooks';
import { sendTestEvent } from '../shared/domain/events';
import { openPortalLink } from '../shared/domain/portal';
import { JWKS_MAX_AGE_SECONDS, webhookKeySet } from '../shared/domain/webhook-keys';
import type { Ports } from '../shared/domain/ports';
import { changesOf } from '../shared/domain/audit';
import { graceEndsAt } from '../shared/domain/model';
import { createApiHandler } from '../shared/http/api-handler';
import { buildSchemas } from '../shared/http/schemas';
import { tenantAuthenticator } from '../shared/http/tenant-auth';
import { adminWebhookView, destinationCheckView, destinationTrustView, eventTypesView, scopeView } from '../shared/http/views';
import { checkEventTypes } from '../shared/domain/portal-scope';
import { webhookOperations } from '../shared/http/webhook-operations';

/** Seed 003's admin webhooks: many endpoints per tenant, with their delivery history. */
export const createAdminWebhooksHandler = (ports: Ports) => {
  const schemas = buildSchemas(ports.settings.eventTypes);
  const ops = webhookOperations(ports, schemas);
  return createApiHandler(
    'admin-webhooks',
    {
      'POST /api/v1/admin/webhooks': async ({ body, tenantId, scope }) => {
        const { retry_schedule: retrySchedule, timeout_seconds: timeoutSeconds, signature_scheme: signatureScheme, rate_limit_per_second: rateLimitPerSecond, sensitive_headers: sensitiveHeaders, ...input } =
          schemas.adminCreate.parse(body);
        checkEventTypes(scope, input.events);
        const { endpoint, secret, generated } = await createAdminWebhook(ports, tenantId, {
          ...input,
          ...(sensitiveHeaders ? { sensitiveHeaders } : {}),
          ...(rateLimitPerSecond ? { rateLimitPerSecond } : {}),
          ...(retrySchedule ? { retrySchedule } : {}),
          ...(timeoutSeconds ? { timeoutSeconds } : {}),
          ...(signatureScheme ? { signatureScheme } : {}),
        });
        return { status: 201, body: await ops.view(endpoint, generated ? secret : undefined), audit: { action: 'webhook.created', webhookId: endpoint.id, ...changesOf(undefined, adminWebhookView(endpoint)) } };
      },
      'GET /api/v1/admin/webhooks': ({ tenantId, scope }) => ops.list(tenantId, scope),
      'GET /api/v1/admin/webhooks/{id}': async ({ params, tenantId }) => ({
        status: 200,
        body: await ops.view(await getWebhook(ports, tenantId, params.id!)),
      }),
      'PATCH /api/v1/admin/webhooks/{id}': async ({ body, params, tenantId, scope }) => {
        const { retry_schedule: retrySchedule, timeout_seconds: timeoutSeconds, rate_limit_per_second: rateLimitPerSecond, sensitive_headers: sensitiveHeaders, signature_scheme: _scheme, ordered: _ordered, ...changes } =
          schemas.adminUpdate.parse(body);
        checkEventTypes(scope, changes.events);
        const options = {
          ...(sensitiveHeaders !== undefined ? { sensitiveHeaders } : {}),
          ...(retrySchedule !== undefined ? { retrySchedule } : {}),
          ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
          ...(rateLimitPerSecond !== undefined ? { rateLimitPerSecond } : {}),
        };
        const { before, after } = await changeWebhook(ports, tenantId, params.id!, { ...changes, ...options });
        return { status: 200, body: await ops.view(after), audit: { action: 'webhook.updated', webhookId: after.id, ...changesOf(adminWebhookView(before), adminWebhookView(after)) } };
      },
      'DELETE /api/v1/admin/webhooks/{id}': async ({ params, tenantId }) => {
        const before = await deleteWebhook(ports, tenantId, params.id!);
        return { status: 204, audit: { action: 'webhook.deleted', webhookId: before.id, ...changesOf(adminWebhookView(before), undefined) } };
      },
      'POST /api/v1/admin/webhooks/{id}/rotate-secret': async ({ body, params, tenantId }) => {
        const input = schemas.rotateAdmin.parse(body);
        const { endpoint, secret } = await rotateSecret(ports, tenantId, params.id!, {
          graceSeconds: input.grace_period_seconds ?? DEFAULT_ROTATION_GRACE_SECONDS,
          ...(input.secret === undefined ? {} : { secret: input.secret }),
        });
        const kind: Record<string, string> = endpoint.signatureScheme === 'ed25519' ? { public_key: endpoint.publicKey! } : {};
        return {
          status: 200,
          body: await ops.view(endpoint, secret),
          audit: { action: 'webhook.secret_rotated', webhookId: endpoint.id, after: { ...kind, previous_secret_expires_at: graceEndsAt(endpoint) ?? null } },
        };
      },
      'POST /api/v1/admin/webhooks/{id}/test': async ({ body, params, tenantId, scope }) => {
        const input = schemas.testEvent.parse(body);
        if (input.event_type !== undefined) checkEventTypes(scope, [input.event_type]);
        const endpoint = await getWebhook(ports, tenantId, params.id!);
        const sent = await sendTestEvent(ports, endpoint, input.event_type);
        return {
          status: 202,
          body: { object: 'test_event', event_id: sent.id, webhook_id: endpoint.id, type: sent.type },
          audit: { action: 'webhook.test_sent', webhookId: endpoint.id, target: { event_id: sent.id, event_type: sent.type } },
        };
      },
      'POST /api/v1/admin/webhooks/{id}/check': async ({ params, tenantId }) => {
        const { endpoint, result } = await checkWebhookDestination(ports, tenantId, params.id!);
        const view = destinationCheckView(endpoint.id, result);
        return { status: 200, body: view, audit: { action: 'webhook.destination_checked', webhookId: endpoint.id, after: { ok: view.ok, problem: view.problem } } };
      },
      'GET /api/v1/admin/event-types': async () => ({ status: 200, body: eventTypesView(ports.settings.catalogue) }),
      'GET /api/v1/admin/destinations/trust': async ({ query, tenantId }) => {
        const q = schemas.destinationTrust.parse(query);
        const target = q.type && q.target ? { type: q.type, target: q.target } : undefined;
        return { status: 200, body: destinationTrustView(await destinationTrust(ports, tenantId, target)) };
      },
      'GET /api/v1/admin/webhooks/{id}/deliveries': ({ params, query, tenantId }) => ops.deliveries(tenantId, params.id!, query),
      'GET /api/v1/admin/webhooks/{id}/deliveries/{delivery_id}': ({ params, tenantId }) =>
        ops.delivery(tenantId, params.id!, params.delivery_id!),
      'POST /api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry': ({ params, tenantId }) => ops.retry(tenantId, params.id!, params.delivery_id!),
      'POST /api/v1/admin/webhooks/{id}/recover': ({ body, params, tenantId }) => ops.recover(tenantId, params.id!, body),
      'GET /v1/jwks/{tenant_id}/{id}': async ({ params }) => ({
        status: 200,
        body: await webhookKeySet(ports, params.tenant_id!, params.id!),
        // Public keys only: any cache may keep them a while (see JWKS_MAX_AGE_SECONDS).
        headers: { 'cache-control': `public, max-age=${JWKS_MAX_AGE_SECONDS}` },
      }),
      'POST /api/v1/portal/sessions': async ({ body }) => {
        const session = await openPortalLink(ports, schemas.portalSessionOpen.parse(body).token);
        return {
          status: 201,
          body: { object: 'portal_session', tenant_id: session.tenantId, session_token: session.token, read_only: session.readOnly, ...scopeView(session.scope, session.theme), expires_at: session.expiresAt },
          headers: { 'cache-control': 'no-store' },
          // The link is the proof; the session it opens is who acts from now on.
          audit: { action: 'portal_session.opened', tenantId: session.tenantId, actor: { type: 'portal_session', id: session.id }, after: { read_only: session.readOnly, ...scopeView(session.scope), expires_at: session.expiresAt } },
        };
      },
      'GET /api/v1/admin/webhooks/{id}/recoveries/{recovery_id}': ({ params, tenantId }) =>
        ops.recovery(tenantId, params.id!, params.recovery_id!),
      'GET /api/v1/admin/webhooks/{id}/health': ({ params, tenantId }) => ops.health(tenantId, params.id!),
      'GET /api/v1/admin/failed-deliveries': ({ query, tenantId, scope }) => ops.failed(tenantId, query, scope),
      'GET /api/v1/admin/events/{event_id}': ({ params, tenantId, scope }) => ops.event(tenantId, params.event_id!, scope),
      'GET /api/v1/admin/audit-log': ({ query, tenantId, scope }) => ops.auditLog(tenantId, query, scope),
      'DELETE /api/v1/admin/events/{event_id}/data': ({ params, tenantId, scope }) => ops.eraseEvent(tenantId, params.event_id!, scope),
    },
    tenantAuthenticator(ports),
    { log: ports.audit, clock: ports.clock },
  );
};
