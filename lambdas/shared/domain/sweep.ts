import type { Logger } from './delivery';
import type { DeliveryMessage, Ports } from './ports';

type Deps = Pick<Ports, 'clock' | 'deliveries' | 'queue' | 'settings'>;

/** Overdue deliveries one sweep re-drives; the next sweep (a minute later on AWS) takes the rest. */
export const SWEEP_LIMIT = 100;

/**
 * The safety net under the retry path: finds deliveries waiting for an attempt (retrying, or
 * pending a manual re-send) whose attempt is more than `overdueMarginSeconds` late, and sends
 * each its attempt message again. Nothing it sends can double an attempt: the worker makes
 * an attempt only under a claim conditional on the attempt count. A re-driven delivery is
 * looked at again after another margin if it still has not moved. Returns how many it found:
 * any at all means a retry message was lost or the worker is far behind (metric and alarm).
 */
export const sweepOverdue = async (deps: Deps, log: Pick<Logger, 'warn'>): Promise<number> => {
  const now = deps.clock.now().getTime();
  const margin = deps.settings.overdueMarginSeconds * 1000;
  const overdue = await deps.deliveries.listOverdue(new Date(now - margin).toISOString(), SWEEP_LIMIT);
  // Concurrently, so the queue adapter sends the re-drives in batches of ten.
  const redrive = async (d: (typeof overdue)[number]) => {
    const ref = { tenantId: d.tenantId, endpointId: d.endpointId, deliveryId: d.deliveryId };
    // A pending delivery with attempts waits for a manual re-send; otherwise for its next automatic attempt.
    const trigger = d.status === 'pending' && d.attemptCount > 0 ? 'manual' : 'automatic';
    const message: DeliveryMessage = { kind: 'attempt', ...ref, attempt: d.attemptCount + 1, trigger };
    await deps.queue.send(message);
    await deps.deliveries.postponeOverdue(ref, d.attemptCount, new Date(now + margin).toISOString());
    log.warn('overdue delivery re-driven', {
      tenant_id: d.tenantId,
      endpoint_id: d.endpointId,
      delivery_id: d.deliveryId,
      status: d.status,
      attempt: d.attemptCount + 1,
      due_at: d.dueAt,
    });
  };
  await Promise.all(overdue.map(redrive));
  return overdue.length;
};
