import { createPortalLink, DEFAULT_PORTAL_TTL_SECONDS } from '../shared/domain/portal';
import { PayloadTooLargeError, ValidationError } from '../shared/domain/errors';
import { stringifyExact } from '../shared/domain/exact-json';
import { publishEvent, publishEvents, type PublishResult } from '../shared/domain/events';
import type { Ports } from '../shared/domain/ports';
import type { JsonValue } from '../shared/domain/python-json';
import { createTenant, issueApiKey, revokeApiKey, setTenantRetention } from '../shared/domain/tenants';
import { createApiHandler } from '../shared/http/api-handler';
import { webhookOperations } from '../shared/http/webhook-operations';
import { erasureView, eventTypesView, scopeView } from '../shared/http/views';
import { PORTAL_CAPABILITIES, type PortalScope } from '../shared/domain/portal-scope';
import { getTenantErasure, requestTenantErasure } from '../shared/domain/tenant-erasure';
import { buildSchemas, LIMITS, type PublishBody, TENANT_ID } from '../shared/http/schemas';
import { metrics } from '../shared/powertools';
import { checkEventData } from '../shared/domain/event-data';
import { noteWarnings } from '../shared/data-warnings';

const checkDataSize = (data: unknown, where: string): void => {
  if (Buffer.byteLength(stringifyExact(data), 'utf8') > LIMITS.eventDataBytes) {
    throw new PayloadTooLargeError(`${where} is limited to ${LIMITS.eventDataBytes} bytes of JSON`);
  }
};

const idempotencyKeyOf = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if (value.length === 0 || value.length > LIMITS.idempotencyKeyLength) {
    throw new ValidationError(`Idempotency-Key must be 1 to ${LIMITS.idempotencyKeyLength} characters`);
  }
  return value;
};

/** The platform's own routes: publishing events and managing tenants and their API keys. */
export const createPlatformHandler = (ports: Ports) => {
  const schemas = buildSchemas(ports.settings.eventTypes);
  const ops = webhookOperations(ports, schemas);
  const tenantOf = (params: Record<string, string>) => TENANT_ID.parse(params.tenant_id);
  const publish = async (body: PublishBody, idempotencyKey: string | undefined): Promise<PublishResult> => {
    const result = await publishEvent(ports, {
      tenantId: body.tenant_id,
      type: body.type,
      data: body.data as JsonValue,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    if (!result.replayed) metrics.addMetric('EventsPublished', 'Count', 1);
    return result;
  };
  return createApiHandler(
    'platform',
    {
      'POST /v1/events': async ({ body, headers }) => {
        const input = schemas.publish.parse(body);
        checkDataSize(input.data, 'data');
        noteWarnings(checkEventData(ports.eventData, [input], () => '/data'), [input.tenant_id]);
        const result = await publish(input, idempotencyKeyOf(headers['idempotency-key']));
        return {
          status: 202,
          body: { id: result.id, object: 'event' },
          ...(result.replayed ? { headers: { 'idempotent-replayed': 'true' } } : {}),
        };
      },
      'POST /v1/events/batch': async ({ body }) => {
        const input = schemas.publishBatch.parse(body);
        input.events.forEach((e, i) => checkDataSize(e.data, `events.${i}.data`));
        // A batch is refused whole when any of its events breaks an enforced schema.
        noteWarnings(checkEventData(ports.eventData, input.events, (i) => `/events/${i}/data`), input.events.map((e) => e.tenant_id));
        // All or nothing: checked whole (tenants, keys) before any event is stored or enqueued.
        const results = await publishEvents(
          ports,
          input.events.map((e) => ({ tenantId: e.tenant_id, type: e.type, data: e.data as JsonValue, ...(e.idempotency_key ? { idempotencyKey: e.idempotency_key } : {}) })),
        );
        metrics.addMetric('EventsPublished', 'Count', results.filter((r) => !r.replayed).length);
        return { status: 202, body: { object: 'list', data: results.map((r) => ({ id: r.id, object: 'event' as const })) } };
      },
      'GET /v1/event-types': async () => ({ status: 200, body: eventTypesView(ports.settings.catalogue) }),
      'POST /v1/tenants': async ({ body }) => {
        const input = schemas.createTenant.parse(body);
        const tenant = await createTenant(ports, input);
        return {
          status: 201,
          body: { object: 'tenant', id: tenant.id, name: tenant.name, created_at: tenant.createdAt },
          audit: { action: 'tenant.created', tenantId: tenant.id, after: { id: tenant.id, name: tenant.name } },
        };
      },
      'PATCH /v1/tenants/{tenant_id}': async ({ params, body }) => {
        const input = schemas.updateTenant.parse(body);
        const { before, after } = await setTenantRetention(ports, tenantOf(params), input.retention_days);
        const view = (t: typeof after) => ({ object: 'tenant' as const, id: t.id, name: t.name, created_at: t.createdAt, retention_days: t.retentionDays ?? null });
        return {
          status: 200,
          body: view(after),
          audit: { action: 'tenant.updated', tenantId: after.id, before: { retention_days: before.retentionDays ?? null }, after: { retention_days: after.retentionDays ?? null } },
        };
      },
      // Its record is the erasure's receipt, not the audit trail: the tenant's trail is erased with it.
      'DELETE /v1/tenants/{tenant_id}': async ({ params, actor, source }) => {
        const erasure = await requestTenantErasure(ports, tenantOf(params), { actor, source });
        return { status: 202, body: erasureView(erasure) };
      },
      'GET /v1/tenants/{tenant_id}/erasure': async ({ params }) => ({ status: 200, body: erasureView(await getTenantErasure(ports, tenantOf(params))) }),
      'POST /v1/tenants/{tenant_id}/keys': async ({ params }) => {
        const tenantId = TENANT_ID.parse(params.tenant_id);
        const { record, key } = await issueApiKey(ports, tenantId);
        return {
          status: 201,
          body: { object: 'api_key', id: record.keyId, tenant_id: tenantId, key, created_at: record.createdAt },
          // The key's id, never the key.
          audit: { action: 'api_key.created', tenantId, target: { key_id: record.keyId } },
        };
      },
      'POST /v1/tenants/{tenant_id}/portal-sessions': async ({ params, body, headers }) => {
        const tenantId = TENANT_ID.parse(params.tenant_id);
        const input = schemas.portalSessionCreate.parse(body);
        if (input.read_only === true && input.capabilities && input.capabilities.length > 0) throw new ValidationError('read_only: a read-only link grants no capabilities');
        const scope: PortalScope = {
          capabilities: input.capabilities ?? (input.read_only ? [] : PORTAL_CAPABILITIES),
          ...(input.webhook_ids ? { webhookIds: [...new Set(input.webhook_ids)] } : {}),
          ...(input.event_types ? { eventTypes: input.event_types } : {}),
        };
        const readOnly = scope.capabilities.length === 0;
        const theme = input.theme
          ? {
              ...(input.theme.accent_color ? { accentColor: input.theme.accent_color.toLowerCase() } : {}),
              ...(input.theme.color_scheme ? { colorScheme: input.theme.color_scheme } : {}),
              ...(input.theme.font_family ? { fontFamily: input.theme.font_family } : {}),
              ...(input.theme.radius_px !== undefined ? { radiusPx: input.theme.radius_px } : {}),
            }
          : undefined;
        const link = await createPortalLink(ports, tenantId, { scope, ttlSeconds: input.ttl_seconds ?? DEFAULT_PORTAL_TTL_SECONDS, ...(theme ? { theme } : {}) });
        // The API's own address, as the caller reached it (API Gateway says how: x-forwarded-proto).
        const base = `${headers['x-forwarded-proto'] ?? 'https'}://${headers.host}`;
        return {
          status: 201,
          body: { object: 'portal_session', tenant_id: tenantId, url: `${base}/dashboard#portal=${link.token}`, read_only: readOnly, ...scopeView(scope, theme), expires_at: link.expiresAt },
          // The link's token is its proof: the trail keeps what it allows, never the token.
          audit: { action: 'portal_link.created', tenantId, after: { read_only: readOnly, ...scopeView(scope), expires_at: link.expiresAt } },
        };
      },
      'DELETE /v1/tenants/{tenant_id}/keys/{key_id}': async ({ params }) => {
        await revokeApiKey(ports, tenantOf(params), params.key_id!);
        return { status: 204, audit: { action: 'api_key.revoked', tenantId: tenantOf(params), target: { key_id: params.key_id! } } };
      },
      'GET /v1/tenants/{tenant_id}/webhooks': ({ params }) => ops.list(tenantOf(params)),
      'GET /v1/tenants/{tenant_id}/webhooks/{id}/deliveries': ({ params, query }) => ops.deliveries(tenantOf(params), params.id!, query),
      'GET /v1/tenants/{tenant_id}/webhooks/{id}/deliveries/{delivery_id}': ({ params }) =>
        ops.delivery(tenantOf(params), params.id!, params.delivery_id!),
      'POST /v1/tenants/{tenant_id}/webhooks/{id}/deliveries/{delivery_id}/retry': ({ params }) =>
        ops.retry(tenantOf(params), params.id!, params.delivery_id!),
      'POST /v1/tenants/{tenant_id}/webhooks/{id}/recover': ({ params, body }) => ops.recover(tenantOf(params), params.id!, body),
      'GET /v1/tenants/{tenant_id}/webhooks/{id}/recoveries/{recovery_id}': ({ params }) =>
        ops.recovery(tenantOf(params), params.id!, params.recovery_id!),
      'GET /v1/tenants/{tenant_id}/failed-deliveries': ({ params, query }) => ops.failed(tenantOf(params), query),
      'GET /v1/tenants/{tenant_id}/events/{event_id}': ({ params }) => ops.event(tenantOf(params), params.event_id!),
      'GET /v1/tenants/{tenant_id}/audit-log': ({ params, query }) => ops.auditLog(tenantOf(params), query),
      'DELETE /v1/tenants/{tenant_id}/events/{event_id}/data': ({ params }) => ops.eraseEvent(tenantOf(params), params.event_id!),
    },
    undefined,
    { log: ports.audit, clock: ports.clock },
  );
};
