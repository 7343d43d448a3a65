import { destinationTrust } from '../domain/destination-webhooks';
import { getWebhook } from '../domain/endpoints';
import type { Endpoint } from '../domain/model';
import { NotFoundError } from '../domain/errors';
import type { Ports } from '../domain/ports';
import { getRecovery, requestManualRetry, startRecovery } from '../domain/recovery';
import type { ApiResponse } from './api-handler';
import { type PortalScope, seesWebhook } from '../domain/portal-scope';
import type { Schemas } from './schemas';
import { eraseEvent, failedAcrossWebhooks, findEvent, webhookHealth } from '../domain/tenant-views';
import { adminWebhookView, auditRecordView, deliveryView, foundEventView, listView, recoveryView, webhookHealthView } from './views';

/**
 * Reading webhooks and their deliveries (one webhook's, or the failed ones of all, or an
 * event's), their health, and recovering failed ones: the same operations for a
 * tenant (admin routes, tenant from the API key) and for the platform's operators (platform
 * routes, tenant from the path).
 */
export const webhookOperations = (ports: Ports, schemas: Schemas) => ({
  /**
   * A webhook as seed 003 shows it; an AWS destination's with the trust its role must grant, on
   * the tenant routes (the operators' function has neither the master key nor the destination role).
   */
  async view(endpoint: Endpoint, secret?: string) {
    const trust = endpoint.destination && ports.settings.destinations ? await destinationTrust(ports, endpoint.tenantId, endpoint.destination) : undefined;
    return adminWebhookView(endpoint, secret, trust);
  },

  async list(tenantId: string, scope?: PortalScope): Promise<ApiResponse> {
    const endpoints = (await ports.endpoints.listEndpoints(tenantId)).filter((e) => seesWebhook(scope, e.id));
    endpoints.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    // Every webhook of the tenant in one page; has_more and next_starting_after give it the shape of every other list.
    return { status: 200, body: { ...listView(await Promise.all(endpoints.map((e) => this.view(e)))), has_more: false, next_starting_after: null } };
  },

  async deliveries(tenantId: string, endpointId: string, query: Record<string, string>): Promise<ApiResponse> {
    const { offset, limit, status, starting_after: startingAfter } = schemas.pagination.parse(query);
    await getWebhook(ports, tenantId, endpointId);
    const page = await ports.deliveries.listDeliveries(tenantId, endpointId, { offset, limit, ...(status ? { status } : {}), ...(startingAfter ? { startingAfter } : {}) });
    return {
      status: 200,
      body: {
        ...listView(page.deliveries.map(deliveryView)),
        offset,
        limit,
        // Known only when this page reaches the end of the history: counting the rest would read it all.
        total: page.hasMore || startingAfter ? null : offset + page.deliveries.length,
        has_more: page.hasMore,
        next_starting_after: page.nextStartingAfter,
      },
    };
  },

  async delivery(tenantId: string, endpointId: string, deliveryId: string): Promise<ApiResponse> {
    const delivery = await ports.deliveries.getDelivery({ tenantId, endpointId, deliveryId });
    if (!delivery) throw new NotFoundError(`Delivery "${deliveryId}"`);
    return { status: 200, body: deliveryView(delivery) };
  },

  async retry(tenantId: string, endpointId: string, deliveryId: string): Promise<ApiResponse> {
    const { deliveryId: id, attempt } = await requestManualRetry(ports, tenantId, endpointId, deliveryId);
    return {
      status: 202,
      body: { object: 'retry', delivery_id: id, attempt, status: 'pending' },
      audit: { action: 'delivery.retried', tenantId, webhookId: endpointId, target: { delivery_id: id, attempt: String(attempt) } },
    };
  },

  async recover(tenantId: string, endpointId: string, body: unknown): Promise<ApiResponse> {
    const window = schemas.recover.parse(body);
    const recovery = await startRecovery(ports, tenantId, endpointId, window);
    const view = recoveryView(recovery);
    return {
      status: 202,
      body: view,
      audit: { action: 'recovery.started', tenantId, webhookId: endpointId, target: { recovery_id: view.id }, after: { since: window.since, ...(window.until ? { until: window.until } : {}) } },
    };
  },

  async recovery(tenantId: string, endpointId: string, recoveryId: string): Promise<ApiResponse> {
    return { status: 200, body: recoveryView(await getRecovery(ports, tenantId, endpointId, recoveryId)) };
  },

  /** Erases an event's payload; the delivery records stay (issue 28). */
  async eraseEvent(tenantId: string, eventId: string, scope?: PortalScope): Promise<ApiResponse> {
    if (scope?.webhookIds) await this.visibleEvent(tenantId, eventId, scope);
    const erased = await eraseEvent(ports, tenantId, eventId);
    return { status: 200, body: foundEventView(erased), audit: { action: 'event.erased', tenantId, target: { event_id: eventId, event_type: erased.type } } };
  },

  /** A tenant's audit trail, newest first; by webhook or action, a query of that list alone. */
  async auditLog(tenantId: string, query: Record<string, string>, scope?: PortalScope): Promise<ApiResponse> {
    const q = schemas.auditPage.parse(query);
    const page = await ports.audit.list(tenantId, { limit: q.limit, ...(q.starting_after ? { startingAfter: q.starting_after } : {}), ...(q.webhook_id ? { webhookId: q.webhook_id } : {}), ...(q.action ? { action: q.action } : {}) });
    return {
      status: 200,
      // A session limited to listed webhooks sees their records alone (a page may come back short).
      body: { object: 'list', data: page.records.filter((r) => seesWebhook(scope, r.webhookId)).map(auditRecordView), limit: q.limit, has_more: page.hasMore, next_starting_after: page.hasMore ? page.records.at(-1)!.id : null },
    };
  },

  async failed(tenantId: string, query: Record<string, string>, scope?: PortalScope): Promise<ApiResponse> {
    const { limit, starting_after: startingAfter } = schemas.failedPage.parse(query);
    const page = await failedAcrossWebhooks(ports, tenantId, { limit, ...(startingAfter ? { startingAfter } : {}) });
    return { status: 200, body: { ...listView(page.deliveries.filter((d) => seesWebhook(scope, d.endpointId)).map(deliveryView)), limit, has_more: page.hasMore, next_starting_after: page.nextStartingAfter } };
  },

  async event(tenantId: string, eventId: string, scope?: PortalScope): Promise<ApiResponse> {
    return { status: 200, body: foundEventView(await this.visibleEvent(tenantId, eventId, scope)) };
  },

  /** An event as a session sees it: limited to listed webhooks, only one delivered to one of them, with those deliveries. */
  async visibleEvent(tenantId: string, eventId: string, scope?: PortalScope) {
    const found = await findEvent(ports, tenantId, eventId);
    if (!scope?.webhookIds) return found;
    const deliveries = found.deliveries.filter((d) => seesWebhook(scope, d.endpointId));
    if (deliveries.length === 0) throw new NotFoundError(`Event "${eventId}"`, 'event_not_found');
    return { ...found, deliveries };
  },

  async health(tenantId: string, endpointId: string): Promise<ApiResponse> {
    return { status: 200, body: webhookHealthView(await webhookHealth(ports, tenantId, endpointId)) };
  },
});
