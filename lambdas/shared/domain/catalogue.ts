/**
 * The event catalogue: the event types a tenant may subscribe to and the platform may publish.
 * The default is the union of the two promised documentation pages (seed 000 and seed 003).
 * A deployment overrides it with the stack's `eventTypes` property (locally `HOOKPOST_EVENT_TYPES`).
 */
export const DEFAULT_EVENT_TYPES = [
  // seed 000, the account webhook surface
  'research.completed',
  'research.failed',
  'bulk.completed',
  'bulk.failed',
  'list.analyzed',
  'list.failed',
  'watchlist.change_detected',
  // seed 003, the admin webhooks surface
  'analysis.complete',
  'subscription.created',
  'subscription.updated',
  'subscription.cancelled',
  'price.alert',
] as const;

/**
 * Events hookpost itself sends to a tenant's endpoints. Tenants may subscribe to them (and an
 * endpoint subscribed to every event receives them); the platform cannot publish them.
 */
export const SYSTEM_EVENT_TYPES = ['webhook.disabled'] as const;

const EVENT_TYPE_PATTERN = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9_-]+)+$/;

/** Parses a comma-separated catalogue; throws on a malformed or duplicated type. */
export const parseCatalogue = (raw: string | undefined): string[] => {
  if (raw === undefined || raw.trim() === '') return [...DEFAULT_EVENT_TYPES];
  const types = raw.split(',').map((t) => t.trim()).filter((t) => t !== '');
  for (const t of types) {
    if (!EVENT_TYPE_PATTERN.test(t) || t.length > 100) throw new Error(`Invalid event type in catalogue: "${t}"`);
  }
  if (new Set(types).size !== types.length) throw new Error('The event catalogue lists a type twice');
  return types;
};
