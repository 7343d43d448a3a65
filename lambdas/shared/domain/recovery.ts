import { ConflictError, NotFoundError, ValidationError } from './errors';
import { newId } from './ids';
import { attemptsMade, type Recovery } from './model';
import type { Ports, RecoverMessage } from './ports';

type Deps = Pick<Ports, 'clock' | 'endpoints' | 'deliveries' | 'queue' | 'settings'>;

/**
 * A manual re-send of one delivery: a failed one gets one more attempt; a retrying one has its
 * pending retry pulled forward. The delivery turns pending first, conditionally, so of
 * concurrent requests one wins and the others are refused (409 `retry_in_progress`): the
 * receiver gets one request, and the history shows it. If the message cannot be sent after
 * that, the delivery waits pending with its attempt due now, and the sweep re-drives it.
 */
export const requestManualRetry = async (deps: Deps, tenantId: string, endpointId: string, deliveryId: string) => {
  const ref = { tenantId, endpointId, deliveryId };
  const [delivery, endpoint] = await Promise.all([deps.deliveries.getDelivery(ref), deps.endpoints.getEndpoint(tenantId, endpointId)]);
  if (!delivery || !endpoint) throw new NotFoundError(`Delivery "${deliveryId}"`);
  if (delivery.status === 'succeeded') throw new ConflictError('delivery_succeeded', 'This delivery already succeeded; there is nothing to retry');
  if (endpoint.status !== 'active') throw new ConflictError('webhook_disabled', 'This webhook is disabled; enable it to retry its deliveries');
  const inProgress = () => new ConflictError('retry_in_progress', 'An attempt of this delivery is already on its way; wait for it to be recorded');
  if (delivery.status === 'pending') throw inProgress();
  const attempt = attemptsMade(delivery) + 1;
  const now = deps.clock.now().toISOString();
  if (!(await deps.deliveries.beginManualRetry(ref, attemptsMade(delivery), ['failed', 'retrying'], now, now))) throw inProgress();
  await deps.queue.send({ kind: 'attempt', ...ref, attempt, trigger: 'manual' });
  return { deliveryId, attempt };
};

/** How many failed deliveries a recovery page re-sends; the next page follows when these are spaced out. */
const pageSize = (ratePerSecond: number) => Math.max(1, ratePerSecond * 5);

/**
 * Bulk recovery: records the recovery and hands it to the worker, which finds the endpoint's
 * failed deliveries created in [since, until] a page at a time and re-sends them at
 * `recoveryRatePerSecond`, so neither the API call nor the receiver is overwhelmed. The call
 * reads nothing of the history (constant time, whatever the window holds); the recovery's
 * `count` (found so far) and `sent` grow as the worker goes, until it is `done`.
 */
export const startRecovery = async (
  deps: Deps,
  tenantId: string,
  endpointId: string,
  window: { since: string; until?: string },
): Promise<Recovery> => {
  if (!(await deps.endpoints.getEndpoint(tenantId, endpointId))) throw new NotFoundError(`Webhook "${endpointId}"`);
  const until = window.until ?? deps.clock.now().toISOString();
  if (Date.parse(window.since) > Date.parse(until)) throw new ValidationError('since must not be after until');
  const recovery: Recovery = {
    id: newId('rcv'),
    tenantId,
    endpointId,
    since: window.since,
    until,
    count: 0,
    sent: 0,
    status: 'running',
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.deliveries.createRecovery(recovery);
  await deps.queue.send({ kind: 'recover', recoveryId: recovery.id, tenantId, endpointId, since: window.since, until });
  return recovery;
};

export const getRecovery = async (deps: Deps, tenantId: string, endpointId: string, recoveryId: string): Promise<Recovery> => {
  const recovery = await deps.deliveries.getRecovery(tenantId, recoveryId);
  if (!recovery || recovery.endpointId !== endpointId) throw new NotFoundError(`Recovery "${recoveryId}"`);
  return recovery;
};

/** One page of a recovery: re-sends each failed delivery, spaced out, then queues the next page. */
export const continueRecovery = async (deps: Deps, message: RecoverMessage): Promise<number> => {
  const rate = deps.settings.recoveryRatePerSecond;
  let sent = 0;
  let found = 0;
  let cursor = message.cursor;
  // Filtered pages can come back short or empty; read on until a page's worth is found or the window ends.
  do {
    const page = await deps.deliveries.listFailed(
      message.tenantId,
      message.endpointId,
      { since: message.since, until: message.until },
      cursor,
      pageSize(rate) - sent,
    );
    // Each delivery turns pending (due when its re-send is) before the re-send is queued: a
    // concurrent recovery or manual retry of the same delivery finds it taken and leaves it.
    const now = deps.clock.now().getTime();
    const delays = page.deliveries.map((_, i) => Math.floor((sent + i) / rate));
    const taken = await Promise.all(
      page.deliveries.map((d, i) =>
        deps.deliveries.beginManualRetry(
          { tenantId: d.tenantId, endpointId: d.endpointId, deliveryId: d.id },
          attemptsMade(d),
          ['failed'],
          new Date(now + delays[i]! * 1000).toISOString(),
          new Date(now).toISOString(),
        ),
      ),
    );
    const mine = page.deliveries.flatMap((d, i) => (taken[i] ? [{ d, delay: delays[i]! }] : []));
    await Promise.all(
      mine.map(({ d, delay }) =>
        deps.queue.send({ kind: 'attempt', tenantId: d.tenantId, endpointId: d.endpointId, deliveryId: d.id, attempt: attemptsMade(d) + 1, trigger: 'manual' }, delay),
      ),
    );
    sent += mine.length;
    found += page.deliveries.length;
    cursor = page.cursor;
  } while (cursor && sent < pageSize(rate));
  if (cursor) await deps.queue.send({ ...message, cursor }, Math.ceil(sent / rate));
  await deps.deliveries.addRecoveryProgress(message.tenantId, message.recoveryId, { found, sent, done: !cursor });
  return sent;
};
