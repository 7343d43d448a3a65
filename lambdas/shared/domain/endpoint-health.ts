import { publishEvent } from './events';
import type { Attempt, Endpoint } from './model';
import { emitOperational, type FaultLog } from './operational-events';
import type { Ports } from './ports';

type Deps = Pick<Ports, 'clock' | 'endpoints' | 'tenants' | 'events' | 'queue' | 'ordered' | 'settings' | 'operations'>;

export interface HealthLogger extends FaultLog {
  warn(message: string, extra: Record<string, unknown>): void;
}

/** What the operational events say of the attempt that moved an endpoint's health. */
const lastOutcome = (attempt: Attempt) => ({ last_status_code: attempt.statusCode, last_error: attempt.error });

/**
 * Keeps an endpoint's health from its attempts: a `410 Gone`, or failures without a success
 * for `disableAfterFailingSeconds`, disable it with a reason the API shows, and the tenant's
 * other endpoints get a `webhook.disabled` event. Writes happen only on a change (a run of
 * failures noted, a success after one, disabling), never on the healthy path, and not for a
 * blip: a delivery's first attempt that fails starts no run, since its retry may get through
 * (two writes saved on the most common failure); the run is noted when a retry fails too, from
 * `runStartedAt` (the failed attempt before it). Without retries, a failure notes it at once.
 *
 * Each change is also an operational event on the stack's bus, put by the one run whose
 * conditional write made the change: `webhook.failing` when a run is noted (`failing_since` is
 * its first failure), `webhook.recovered` on the success that ends it, `webhook.disabled`.
 */
export const noteAttemptOutcome = async (
  deps: Deps,
  endpoint: Endpoint,
  attempt: Attempt,
  log: HealthLogger,
  runStartedAt?: string,
): Promise<void> => {
  const at = attempt.attemptedAt;
  const about = { tenant_id: endpoint.tenantId, webhook_id: endpoint.id, url: endpoint.url };
  let reason: string | undefined;
  if (attempt.statusCode === 410) {
    reason = 'The receiver answered 410 Gone';
  } else if (attempt.error === null) {
    if (endpoint.failingSince && (await deps.endpoints.clearFailing(endpoint.tenantId, endpoint.id))) {
      await emitOperational(deps, log, { type: 'webhook.recovered', time: at, detail: { ...about, failing_since: endpoint.failingSince, recovered_at: at } });
    }
    return;
  } else if (!endpoint.failingSince) {
    const since = runStartedAt ?? ((endpoint.retrySchedule ?? deps.settings.retrySchedule).length === 0 ? at : undefined);
    if (since && (await deps.endpoints.markFailing(endpoint.tenantId, endpoint.id, since))) {
      await emitOperational(deps, log, { type: 'webhook.failing', time: at, detail: { ...about, failing_since: since, ...lastOutcome(attempt) } });
    }
    return;
  } else if (Date.parse(at) - Date.parse(endpoint.failingSince) >= deps.settings.disableAfterFailingSeconds * 1000) {
    reason = `Every attempt has failed since ${endpoint.failingSince}`;
  }
  if (!reason || !(await deps.endpoints.disableEndpoint(endpoint.tenantId, endpoint.id, reason, at))) return;
  log.warn('endpoint disabled', { tenant_id: endpoint.tenantId, endpoint_id: endpoint.id, reason });
  await emitOperational(deps, log, { type: 'webhook.disabled', time: at, detail: { ...about, reason, disabled_at: at, ...lastOutcome(attempt) } });
  await publishEvent(deps, {
    tenantId: endpoint.tenantId,
    type: 'webhook.disabled',
    data: { webhook_id: endpoint.id, url: endpoint.url, reason, disabled_at: at },
    idempotencyKey: `webhook.disabled/${endpoint.id}/${at}`,
  });
};
