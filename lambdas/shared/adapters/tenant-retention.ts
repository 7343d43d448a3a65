import type { TenantStore } from '../domain/ports';

/** How long a container keeps a tenant's retention before reading it again. */
export const RETENTION_CACHE_MS = 60_000;

/** Days a tenant's items are kept: its own setting, or the stack's. */
export type RetentionOf = (tenantId: string) => Promise<number>;

/**
 * A tenant's retention (issue 28), read from its item and kept per container for a minute: a
 * write of events, deliveries, attempts, recoveries or audit records takes it for its TTL, so a
 * change applies to what is written from then on (within the minute), never to what is stored.
 */
export const tenantRetention = (tenants: Pick<TenantStore, 'getTenant'>, stackDays: number, clock: () => number = Date.now): RetentionOf => {
  const cache = new Map<string, { days: Promise<number>; until: number }>();
  return (tenantId) => {
    const hit = cache.get(tenantId);
    if (hit && hit.until > clock()) return hit.days;
    const days = tenants.getTenant(tenantId).then((t) => t?.retentionDays ?? stackDays, () => stackDays);
    cache.set(tenantId, { days, until: clock() + RETENTION_CACHE_MS });
    if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
    return days;
  };
};

/** A fixed retention (a store built without the tenants' settings: tests, tools). */
export const fixedRetention = (days: number): RetentionOf => () => Promise.resolve(days);
