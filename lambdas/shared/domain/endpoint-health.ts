import { publishEvent } from './events';
import type { Attempt, Endpoint } from './model';
import type { Ports } from './ports';

type Deps = Pick<Ports, 'clock' | 'endpoints' | 'tenants' | 'events' | 'queue' | 'settings'>;

export interface HealthLogger {
  warn(message: string, extra: Record<string, unknown>): void;
}

/**
 * Keeps an endpoint's health from its attempts: a `410 Gone`, or failures without a success
 * for `disableAfterFailingSeconds`, disable it with a reason the API shows, and the tenant's
 * other endpoints get a `webhook.disabled` event. Writes happen only on a change (a run of
 * failures noted, a success after one, disabling), never on the healthy path, and not for a
 * blip: a delivery's first attempt that fails starts no run, since its retry may get through
 * (two writes saved on the most common failure); the run is noted when a retry fails too, from
 * `runStartedAt` (the failed attempt before it). Without retries, a failure notes it at once.
 */
export const noteAttemptOutcome = async (
  deps: Deps,
  endpoint: Endpoint,
  attempt: Attempt,
  log: HealthLogger,
  runStartedAt?: string,
): Promise<void> => {
  const at = attempt.attemptedAt;
  let reason: string | undefined;
  if (attempt.statusCode === 410) {
    reason = 'The receiver answered 410 Gone';
  } else if (attempt.error === null) {
    if (endpoint.failingSince) await deps.endpoints.clearFailing(endpoint.tenantId, endpoint.id);
    return;
  } else if (!endpoint.failingSince) {
    const since = runStartedAt ?? ((endpoint.retrySchedule ?? deps.settings.retrySchedule).length === 0 ? at : undefined);
    if (since) await deps.endpoints.markFailing(endpoint.tenantId, endpoint.id, since);
    return;
  } else if (Date.parse(at) - Date.parse(endpoint.failingSince) >= deps.settings.disableAfterFailingSeconds * 1000) {
    reason = `Every attempt has failed since ${endpoint.failingSince}`;
  }
  if (!reason || !(await deps.endpoints.disableEndpoint(endpoint.tenantId, endpoint.id, reason, at))) return;
  log.warn('endpoint disabled', { tenant_id: endpoint.tenantId, endpoint_id: endpoint.id, reason });
  await publishEvent(deps, {
    tenantId: endpoint.tenantId,
    type: 'webhook.disabled',
    data: { webhook_id: endpoint.id, url: endpoint.url, reason, disabled_at: at },
    idempotencyKey: `webhook.disabled/${endpoint.id}/${at}`,
  });
};
