import { createAdminWebhook, deleteWebhook, getWebhook, updateWebhook } from '../shared/domain/endpoints';
import { NotFoundError } from '../shared/domain/errors';
import { requestManualRetry, startRecovery } from '../shared/domain/recovery';
import type { Ports } from '../shared/domain/ports';
import { createApiHandler } from '../shared/http/api-handler';
import { buildSchemas } from '../shared/http/schemas';
import { tenantAuthenticator } from '../shared/http/tenant-auth';
import { adminWebhookView, deliveryView, listView } from '../shared/http/views';

/** Seed 003's admin webhooks: many endpoints per tenant, with their delivery history. */
export const createAdminWebhooksHandler = (ports: Ports) => {
  const schemas = buildSchemas(ports.settings.eventTypes);
  return createApiHandler(
    'admin-webhooks',
    {
      'POST /api/v1/admin/webhooks': async ({ body, tenantId }) => {
        const input = schemas.adminCreate.parse(body);
        const { endpoint, secret, generated } = await createAdminWebhook(ports, tenantId, input);
        return { status: 201, body: adminWebhookView(endpoint, generated ? secret : undefined) };
      },
      'GET /api/v1/admin/webhooks': async ({ tenantId }) => {
        const endpoints = await ports.endpoints.listEndpoints(tenantId);
        endpoints.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
        return { status: 200, body: listView(endpoints.map((e) => adminWebhookView(e))) };
      },
      'GET /api/v1/admin/webhooks/{id}': async ({ params, tenantId }) => ({
        status: 200,
        body: adminWebhookView(await getWebhook(ports, tenantId, params.id!)),
      }),
      'PATCH /api/v1/admin/webhooks/{id}': async ({ body, params, tenantId }) => {
        const changes = schemas.adminUpdate.parse(body);
        return { status: 200, body: adminWebhookView(await updateWebhook(ports, tenantId, params.id!, changes)) };
      },
      'DELETE /api/v1/admin/webhooks/{id}': async ({ params, tenantId }) => {
        await deleteWebhook(ports, tenantId, params.id!);
        return { status: 204 };
      },
      'GET /api/v1/admin/webhooks/{id}/deliveries': async ({ params, query, tenantId }) => {
        const { offset, limit } = schemas.pagination.parse(query);
        await getWebhook(ports, tenantId, params.id!);
        const page = await ports.deliveries.listDeliveries(tenantId, params.id!, offset, limit);
        return { status: 200, body: { ...listView(page.deliveries.map(deliveryView)), offset, limit, total: page.total } };
      },
      'GET /api/v1/admin/webhooks/{id}/deliveries/{delivery_id}': async ({ params, tenantId }) => {
        const delivery = await ports.deliveries.getDelivery(tenantId, params.delivery_id!);
        if (!delivery || delivery.endpointId !== params.id) throw new NotFoundError(`Delivery "${params.delivery_id}"`);
        return { status: 200, body: deliveryView(delivery) };
      },
      'POST /api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry': async ({ params, tenantId }) => {
        const { deliveryId, attempt } = await requestManualRetry(ports, tenantId, params.id!, params.delivery_id!);
        return { status: 202, body: { object: 'retry', delivery_id: deliveryId, attempt, status: 'pending' } };
      },
      'POST /api/v1/admin/webhooks/{id}/recover': async ({ body, params, tenantId }) => {
        const window = schemas.recover.parse(body);
        const result = await startRecovery(ports, tenantId, params.id!, window);
        return { status: 202, body: { object: 'recovery', webhook_id: params.id, count: result.count, since: result.since, until: result.until } };
      },
    },
    tenantAuthenticator(ports),
  );
};
