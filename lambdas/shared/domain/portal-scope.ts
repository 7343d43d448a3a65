import { DomainError, NotFoundError } from './errors';

/**
 * What a portal link lets its session do (issue 29), beyond reading, which every session may:
 * the platform gives a link some of these, and may limit it to listed webhooks (the session
 * sees and acts on those alone) and to listed event types (what its webhooks may subscribe to).
 * Enforced by the API for every route, not only hidden in the page.
 */
export const PORTAL_CAPABILITIES = ['manage_webhooks', 'rotate_secrets', 'retry', 'erase_payloads'] as const;
export type PortalCapability = (typeof PORTAL_CAPABILITIES)[number];

/** What each capability lets a session do, as a refusal names it. */
const DOES: Record<PortalCapability, string> = {
  manage_webhooks: 'create, change, test or delete webhooks',
  rotate_secrets: 'rotate signing secrets',
  retry: 'retry deliveries or recover failed ones',
  erase_payloads: "erase events' payloads",
};

export interface PortalScope {
  capabilities: readonly PortalCapability[];
  /** Only these webhooks: others are not found, none can be created. */
  webhookIds?: readonly string[];
  /** Webhooks may subscribe to these event types only (never to every type). */
  eventTypes?: readonly string[];
}

/** Everything a full link (the default) lets a session do. */
export const FULL_SCOPE: PortalScope = { capabilities: PORTAL_CAPABILITIES };

/** What a route asks of a portal session: a capability, and whether it names one webhook, or may create one. */
export interface ScopedRoute {
  capability?: PortalCapability;
  /** The webhook the route acts on (its `{id}`), when it names one. */
  webhookId?: string;
  /** The route creates a webhook, or acts on the account webhook (never one of a list). */
  unlisted?: boolean;
}

const refused = (code: string, message: string) => new DomainError(403, code, message);

/**
 * Refuses what a session's scope does not allow: a capability it lacks (403
 * `capability_not_granted`), a webhook outside its list (404, as a webhook that does not
 * exist), a webhook it would create or the account webhook when it is limited to a list (403
 * `scope_limited`).
 */
export const checkScope = (scope: PortalScope | undefined, route: ScopedRoute): void => {
  if (!scope) return;
  if (route.capability && !scope.capabilities.includes(route.capability)) {
    throw refused('capability_not_granted', `This portal session may not ${DOES[route.capability]}: its link does not grant ${route.capability}.`);
  }
  if (!scope.webhookIds) return;
  if (route.unlisted) throw refused('scope_limited', 'This portal session is limited to listed webhooks: it cannot create one, nor use the account webhook.');
  if (route.webhookId !== undefined && !scope.webhookIds.includes(route.webhookId)) throw new NotFoundError(`Webhook "${route.webhookId}"`);
};

/** Refuses subscribing a webhook beyond a session's event types (`null`: every type, beyond any list). */
export const checkEventTypes = (scope: PortalScope | undefined, events: readonly string[] | null | undefined): void => {
  if (!scope?.eventTypes || events === undefined) return;
  const beyond = events === null ? ['every type'] : events.filter((t) => !scope.eventTypes!.includes(t));
  if (beyond.length > 0) throw refused('scope_limited', `This portal session may subscribe webhooks only to ${scope.eventTypes.join(', ')}; not to ${beyond.join(', ')}.`);
};

/** Whether a session's scope lets it see a webhook (lists, failures, an event's deliveries, the audit trail). */
export const seesWebhook = (scope: PortalScope | undefined, webhookId: string | undefined): boolean =>
  !scope?.webhookIds || (webhookId !== undefined && scope.webhookIds.includes(webhookId));
