import type { apiClient } from './client';
import { waitUntil } from './client';

type Call = ReturnType<typeof apiClient>['call'];

/** A delivery as the API shows it; the suites read many of its fields. */
// biome-ignore lint: the API's JSON, read loosely by tests
export type DeliveryView = { id: string; event_id: string; status: string; retry_count: number; attempts: any[]; [field: string]: any };

/**
 * What the retry suites do over and over through the API: register an admin webhook at the
 * receiver, publish for tenant `acme`, and wait for a delivery to reach a status.
 */
export const deliveryHelpers = (api: () => Call, auth: { key: string; admin: string }, receiverUrl: () => string) => {
  const endpointFor = async (path: string, events = ['price.alert']) =>
    (await api()('POST', '/api/v1/admin/webhooks', { key: auth.key, body: { url: `${receiverUrl()}${path}`, events } })).body.id as string;
  const publish = async (type = 'price.alert', data: unknown = { p: 1 }) =>
    (await api()('POST', '/v1/events', { key: auth.admin, body: { tenant_id: 'acme', type, data } })).body.id as string;
  const historyOf = async (webhookId: string) =>
    (await api()('GET', `/api/v1/admin/webhooks/${webhookId}/deliveries?limit=100`, { key: auth.key })).body.data as DeliveryView[];
  const deliveryOf = async (webhookId: string, eventId: string) => (await historyOf(webhookId)).find((d) => d.event_id === eventId);
  const settled = (webhookId: string, eventId: string, status: string, timeoutMs = 40_000) =>
    waitUntil(async () => {
      const d = await deliveryOf(webhookId, eventId);
      return d?.status === status ? d : undefined;
    }, timeoutMs, `delivery ${status}`);
  return { endpointFor, publish, historyOf, deliveryOf, settled };
};
