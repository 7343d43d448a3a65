import { randomBytes } from 'node:crypto';
import { ConflictError, DomainError, NotFoundError, ValidationError } from './errors';
import { newId } from './ids';
import type { ApiKeyRecord } from './model';
import type { Clock, Ports, TenantStore } from './ports';
import type { PortalScope } from './portal-scope';
import { hashApiKey } from './tenants';

/**
 * Portal sessions: the platform hands its customer a short-lived, tenant-scoped link to the
 * dashboard instead of an API key. The link carries a single-use token in its fragment (never
 * sent to a server, so never in an access log); the page trades it once for a session token it
 * keeps in memory only. A session is a short-lived API key of the tenant, read-only if asked,
 * stored (as keys are) by its SHA-256 alone.
 */
type Deps = { tenants: TenantStore; clock: Clock };

export const PORTAL_LINK_PREFIX = 'hpl_';
export const PORTAL_SESSION_PREFIX = 'hps_';
export const DEFAULT_PORTAL_TTL_SECONDS = 3600;
export const MAX_PORTAL_TTL_SECONDS = 86_400;

/** How a link's portal looks (issue 29): beyond the stack's accent, name and logo. */
export interface PortalTheme {
  /** `#rrggbb`, over the stack's. */
  accentColor?: string;
  colorScheme?: 'light' | 'dark' | 'auto';
  /** A CSS font-family list of fonts the reader has (the page loads no font). */
  fontFamily?: string;
  /** Corner radius of controls, in CSS pixels. */
  radiusPx?: number;
}

export interface PortalLink {
  /** The link's token, shown once, inside `url`. */
  token: string;
  expiresAt: string;
}

/**
 * Makes a link for `tenantId`: opened once before `expiresAt`, it starts a session that ends
 * then too, and may do what `scope` grants (issue 29). The webhooks it lists must be the tenant's.
 */
export const createPortalLink = async (deps: Deps & Pick<Ports, 'endpoints'>, tenantId: string, input: { scope: PortalScope; ttlSeconds: number; theme?: PortalTheme }): Promise<PortalLink> => {
  if (!(await deps.tenants.getTenant(tenantId))) throw new NotFoundError(`Tenant "${tenantId}"`, 'tenant_not_found');
  for (const id of input.scope.webhookIds ?? []) {
    if (!(await deps.endpoints.getEndpoint(tenantId, id))) throw new ValidationError(`webhook_ids: the tenant has no webhook "${id}"`, 'unknown_webhook');
  }
  const token = `${PORTAL_LINK_PREFIX}${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(deps.clock.now().getTime() + input.ttlSeconds * 1000).toISOString();
  await deps.tenants.putPortalLink({ tokenHash: hashApiKey(token), tenantId, scope: input.scope, expiresAt, ...(input.theme ? { theme: input.theme } : {}) });
  return { token, expiresAt };
};

export interface PortalSession {
  /** The session's id (its key record's): what the audit trail names it by. */
  id: string;
  token: string;
  tenantId: string;
  readOnly: boolean;
  scope: PortalScope;
  theme?: PortalTheme;
  expiresAt: string;
}

/** Trades a link's token for a session, once: a second opening, or one after the link expired, is refused. */
export const openPortalLink = async (deps: Deps, token: string): Promise<PortalSession> => {
  const now = deps.clock.now();
  const redeemed = await deps.tenants.redeemPortalLink(hashApiKey(token), now.toISOString());
  if (redeemed === 'used') throw new ConflictError('portal_link_used', 'This portal link has been opened already: each link opens once. Ask for a new one.');
  if (redeemed === 'expired') throw new DomainError(410, 'portal_link_expired', 'This portal link has expired. Ask for a new one.');
  if (!redeemed) throw new NotFoundError('Portal link', 'portal_link_not_found');
  const session = `${PORTAL_SESSION_PREFIX}${randomBytes(32).toString('base64url')}`;
  const record: ApiKeyRecord = {
    keyId: newId('ses'),
    tenantId: redeemed.tenantId,
    keyHash: hashApiKey(session),
    createdAt: now.toISOString(),
    expiresAt: redeemed.expiresAt,
    ...(redeemed.scope.capabilities.length === 0 ? { readOnly: true } : {}),
    scope: redeemed.scope,
  };
  await deps.tenants.putSession(record);
  return { token: session, id: record.keyId, tenantId: redeemed.tenantId, readOnly: record.readOnly === true, scope: redeemed.scope, ...(redeemed.theme ? { theme: redeemed.theme } : {}), expiresAt: redeemed.expiresAt };
};
