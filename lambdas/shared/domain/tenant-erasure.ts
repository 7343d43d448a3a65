import type { Actor, RequestSource } from './audit';
import { NotFoundError } from './errors';
import type { EraseMessage, Ports } from './ports';

/**
 * Erasing a whole tenant (issue 28): everything of it in both tables (keys, sessions, portal
 * links, webhooks and their secrets, deliveries, attempts, stored events, recoveries, the audit
 * trail, rate windows) and its pending retries' schedules, in the background, a bounded step
 * at a time, resumable after a crash, with progress to read. What it reads is what it deletes.
 *
 * The order makes "nothing delivered afterwards" hold early: the tenant is marked first (it is
 * no longer found: publishes are refused within the ten seconds a container remembers it), then
 * its keys and webhooks go (nobody can sign in, no fan-out finds a webhook, a retry due finds
 * none and is cancelled), then its sessions, links and subscription pointers. Then it waits
 * until every function that could have read the tenant before it was marked has ended (the
 * settle: the longest Lambda timeout, with room), and goes over its keys, webhooks, sessions,
 * links and pointers again (a request in flight at the mark may have written one since), then
 * its history, stored events, trail and windows: nothing in flight writes after the step that
 * erased where it writes. The tenant's item goes last; the erasure's own record stays as its
 * receipt (what was erased and who asked, no data of the tenant's) for the retention.
 */
export const ERASURE_PHASES = ['keys', 'index', 'settled-keys', 'settled-index', 'history', 'stored', 'audit', 'rate', 'finish'] as const;
export type ErasurePhase = (typeof ERASURE_PHASES)[number];

/** What an erasure counts as it goes (items found and deleted; schedules found and deleted). */
export const ERASURE_COUNTS = [
  'api_keys',
  'portal_sessions',
  'portal_links',
  'webhooks',
  'deliveries',
  'attempts',
  'events',
  'recoveries',
  'audit_records',
  'retry_schedules',
  'other',
] as const;
export type ErasureCount = (typeof ERASURE_COUNTS)[number];
export type ErasureCounts = Record<ErasureCount, number>;

export interface TenantErasure {
  tenantId: string;
  status: 'erasing' | 'done';
  requestedAt: string;
  requestedBy: Actor;
  source: RequestSource;
  /** When its last step ran: a repeated request re-starts a chain that stopped moving. */
  updatedAt: string;
  finishedAt?: string;
  counts: ErasureCounts;
}

/** One step of a phase: what it deleted, the schedules to delete, and whether the phase is done. */
export interface ErasureStep {
  counts: Partial<ErasureCounts>;
  /** Retrying deliveries it deleted: their next attempt's schedule, if they have one. */
  waiting: Array<{ deliveryId: string; attempt: number }>;
  /** The phase has nothing left. Otherwise the next step goes on from `cursor` (or from the start of what remains). */
  done: boolean;
  cursor?: string;
}

export const zeroCounts = (): ErasureCounts => Object.fromEntries(ERASURE_COUNTS.map((c) => [c, 0])) as ErasureCounts;

/** A chain whose last step is older than this is presumed lost (its message in a DLQ): a repeated request starts it again. */
const STALLED_MS = 15 * 60_000;

type Deps = Pick<Ports, 'clock' | 'tenants' | 'erasures' | 'queue' | 'retries' | 'settings'>;

/**
 * Starts erasing a tenant: marks it (from then on it is not found), records the erasure, and
 * hands it to the worker. Asked again, it answers the erasure as it stands (and re-starts one
 * whose steps stopped); asked of a tenant that never existed, 404. A tenant id created again
 * after its erasure finished is erased anew (its receipt replaced).
 */
export const requestTenantErasure = async (deps: Deps, tenantId: string, who: { actor: Actor; source: RequestSource }): Promise<TenantErasure> => {
  const now = deps.clock.now().toISOString();
  const since = await deps.tenants.beginErasure(tenantId, now);
  const existing = await deps.erasures.getErasure(tenantId);
  if (since === undefined) {
    // No tenant item: erased already (its receipt answers), or never there.
    if (existing) return existing;
    throw new NotFoundError(`Tenant "${tenantId}"`, 'tenant_not_found');
  }
  if (existing?.status === 'erasing') {
    // Its steps stopped (a message in the dead-letter queue): it starts over from what remains.
    if (deps.clock.now().getTime() - Date.parse(existing.updatedAt) > STALLED_MS) await deps.queue.send({ kind: 'erase', tenantId, phase: ERASURE_PHASES[0] });
    return existing;
  }
  const erasure: TenantErasure = { tenantId, status: 'erasing', requestedAt: since, requestedBy: who.actor, source: who.source, updatedAt: now, counts: zeroCounts() };
  // Two requests at once: one record wins, and only its request starts the worker.
  const created = await deps.erasures.startErasure(erasure);
  if (created) await deps.queue.send({ kind: 'erase', tenantId, phase: ERASURE_PHASES[0] });
  return created ? erasure : ((await deps.erasures.getErasure(tenantId)) ?? erasure);
};

export const getTenantErasure = async (deps: Pick<Deps, 'erasures'>, tenantId: string): Promise<TenantErasure> => {
  const erasure = await deps.erasures.getErasure(tenantId);
  if (!erasure) throw new NotFoundError(`Erasure of tenant "${tenantId}"`, 'erasure_not_found');
  return erasure;
};

const add = (into: Partial<ErasureCounts>, more: Partial<ErasureCounts>) => {
  for (const [name, n] of Object.entries(more) as Array<[ErasureCount, number]>) into[name] = (into[name] ?? 0) + n;
};

/**
 * One step of an erasure: deletes up to `erasureStepItems` items, phase after phase, records
 * what it deleted, and queues the next step, spaced so that the erasure deletes about
 * `erasureRatePerSecond` items a second (it never crowds the tables' live traffic). Every
 * delete is idempotent and every read starts from what remains, so a step run twice (a crash
 * after its deletes) deletes nothing twice and the erasure goes on where it was.
 */
export const continueErasure = async (deps: Deps, message: EraseMessage): Promise<void> => {
  const erasure = await deps.erasures.getErasure(message.tenantId);
  if (!erasure || erasure.status === 'done') return; // a duplicate of a step that finished it
  const { erasureStepItems: budget, erasureRatePerSecond: rate, erasureSettleSeconds: settle } = deps.settings;
  const counts: Partial<ErasureCounts> = {};
  let phase = ERASURE_PHASES.indexOf(message.phase);
  let cursor = message.cursor;
  let used = 0;
  let delay = 0;
  // Bounded by items, and by calls (a step that finds nothing, e.g. an empty index shard, still costs a read).
  for (let calls = 0; used < budget && calls < 50; calls++) {
    const name = ERASURE_PHASES[phase]!;
    const step = await deps.erasures.erase(message.tenantId, name, cursor, budget - used);
    const cancelled = await Promise.all(step.waiting.map((w) => deps.retries.cancel(w)));
    add(counts, { ...step.counts, retry_schedules: cancelled.filter(Boolean).length });
    used += Object.values(step.counts).reduce((sum, n) => sum + n, 0);
    cursor = step.cursor;
    if (!step.done) continue;
    if (name === 'finish') {
      await deps.erasures.addErasureProgress(message.tenantId, counts, deps.clock.now().toISOString(), true);
      return;
    }
    phase++;
    cursor = undefined;
    // Before the second pass: every function that read the tenant before it was marked has ended.
    if (ERASURE_PHASES[phase] === 'settled-keys') {
      delay = settle;
      break;
    }
  }
  await deps.erasures.addErasureProgress(message.tenantId, counts, deps.clock.now().toISOString(), false);
  await deps.queue.send(
    { kind: 'erase', tenantId: message.tenantId, phase: ERASURE_PHASES[phase]!, ...(cursor ? { cursor } : {}) },
    Math.min(900, Math.max(delay, Math.ceil(used / rate))),
  );
};
