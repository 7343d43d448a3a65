import { deliveryIdFor } from '../../lambdas/shared/domain/ids';
import type { Delivery } from '../../lambdas/shared/domain/model';

/** The i-th second of a fixed day: the event times of the adapter suites' histories. */
export const at = (i: number) => new Date(Date.parse('2026-02-01T00:00:00Z') + i * 1000).toISOString();

/** A recorded delivery of event `eventId` (published at second `i`) to an endpoint, with its one attempt. */
export const deliveryRecord = (ref: { tenantId: string; endpointId: string; eventId: string }, i: number, status: Delivery['status']): Delivery => ({
  id: deliveryIdFor(ref.eventId, ref.endpointId, at(i)),
  ...ref,
  eventType: 'price.alert',
  status,
  retryCount: status === 'failed' ? 5 : 0,
  nextAttemptAt: null,
  createdAt: at(i),
  updatedAt: at(i),
  attempts: [{ number: 1, attemptedAt: at(i), statusCode: status === 'failed' ? 500 : 200, responseTimeMs: 12, error: status === 'failed' ? 'http_status' : null, responseBody: 'ok', trigger: 'automatic' }],
});
