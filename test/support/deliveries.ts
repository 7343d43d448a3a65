import { afterAll, beforeAll } from 'vitest';
import type { LocalRuntime, LocalRuntimeOptions } from '../../local/runtime';
import { apiClient, waitUntil } from './client';
import { type Receiver, startReceiver } from './receiver';
import { startTestRuntime } from './service';

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

/**
 * The retry suites' setup: a receiver and the local runtime with tenant `acme` (key
 * `auth.key`) and the platform key `auth.admin`, started before the file's tests and stopped
 * after them; the runtime and receiver are read once started, `api` calls the runtime.
 */
export const retrySuite = (name: string, auth: { key: string; admin: string }, options: Omit<LocalRuntimeOptions, 'dataDir' | 'apiKeys' | 'adminKey'>) => {
  let runtime: LocalRuntime | undefined;
  let receiver: Receiver | undefined;
  beforeAll(async () => {
    receiver = await startReceiver();
    runtime = await startTestRuntime(name, { apiKeys: [{ tenantId: 'acme', key: auth.key }], adminKey: auth.admin, ...options });
  });
  afterAll(async () => {
    await runtime?.stop();
    await receiver?.close();
  });
  const api: Call = (...args) => apiClient(runtime!.url).call(...args);
  return {
    get runtime() {
      return runtime!;
    },
    get receiver() {
      return receiver!;
    },
    api,
    ...deliveryHelpers(() => api, auth, () => receiver!.url),
  };
};
