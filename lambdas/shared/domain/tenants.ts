import { randomBytes } from 'node:crypto';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, UnauthorizedError } from './errors';
import { newId, sha256Hex } from './ids';
import type { ApiKeyRecord, Tenant } from './model';
import type { Clock, TenantStore } from './ports';

type Deps = { tenants: TenantStore; clock: Clock };

/** The key a tenant's API requests are counted under (its rate windows). */
export const tenantRateKey = (tenantId: string): string => `tenant:${tenantId}`;

/** The longest retention a tenant may set (`PATCH /v1/tenants/{tenant_id}`). */
export const MAX_RETENTION_DAYS = 3650;

/**
 * API keys are 32 random bytes, shown once; only their SHA-256 is stored. A plain hash is
 * the right tool for a high-entropy key (a slow password hash protects guessable secrets).
 */
export const API_KEY_PREFIX = 'hpk_';

export const hashApiKey = (key: string): string => sha256Hex(key);

export const createTenant = async (deps: Deps, input: { id: string; name?: string }): Promise<Tenant> => {
  const tenant: Tenant = { id: input.id, name: input.name ?? input.id, createdAt: deps.clock.now().toISOString() };
  if (!(await deps.tenants.createTenant(tenant))) throw new ConflictError('tenant_exists', `Tenant "${input.id}" already exists`);
  return tenant;
};

/**
 * Sets a tenant's own retention (null: the stack's again). It applies to what is written from
 * then on, within the minute a container keeps it: what is stored keeps the expiry it was written with.
 */
export const setTenantRetention = async (deps: Deps, tenantId: string, days: number | null): Promise<{ before: Tenant; after: Tenant }> => {
  const before = await deps.tenants.getTenant(tenantId);
  if (!before) throw new NotFoundError(`Tenant "${tenantId}"`, 'tenant_not_found');
  const after = await deps.tenants.setTenantRetention(tenantId, days);
  if (!after) throw new NotFoundError(`Tenant "${tenantId}"`, 'tenant_not_found');
  return { before, after };
};

/** Creates the tenant when it does not exist; returns it either way. */
export const ensureTenant = async (deps: Deps, input: { id: string; name?: string }): Promise<Tenant> => {
  const existing = await deps.tenants.getTenant(input.id);
  if (existing) return existing;
  const tenant: Tenant = { id: input.id, name: input.name ?? input.id, createdAt: deps.clock.now().toISOString() };
  if (await deps.tenants.createTenant(tenant)) return tenant;
  return (await deps.tenants.getTenant(input.id)) ?? tenant; // created concurrently
};

/** Issues a key for a tenant. With `key` given (local seeding), that exact key is stored. */
export const issueApiKey = async (
  deps: Deps,
  tenantId: string,
  key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`,
): Promise<{ record: ApiKeyRecord; key: string }> => {
  if (!(await deps.tenants.getTenant(tenantId))) throw new NotFoundError(`Tenant "${tenantId}"`, 'tenant_not_found');
  const keyHash = hashApiKey(key);
  const existing = await deps.tenants.findApiKey(keyHash);
  if (existing) {
    if (existing.tenantId !== tenantId) throw new ConflictError('key_in_use', 'That key belongs to another tenant');
    return { record: existing, key };
  }
  const record: ApiKeyRecord = { keyId: newId('key'), tenantId, keyHash, createdAt: deps.clock.now().toISOString() };
  await deps.tenants.putApiKey(record);
  return { record, key };
};

export const revokeApiKey = async (deps: Deps, tenantId: string, keyId: string): Promise<void> => {
  const keys = await deps.tenants.listApiKeys(tenantId);
  const key = keys.find((k) => k.keyId === keyId);
  if (!key) throw new NotFoundError(`API key "${keyId}"`);
  await deps.tenants.deleteApiKey(key);
};

/**
 * Resolves a bearer key to its tenant. `orgId` is the optional `X-Org-ID` header: when sent it
 * must name the key's tenant. A portal session (`./portal`) stops at its end, and a read-only
 * one may only read (`method` GET).
 */
export const authenticate = async (deps: Deps, bearer: string | undefined, orgId: string | undefined, method = 'GET'): Promise<string> =>
  (await authenticateKey(deps, bearer, orgId, method)).tenantId;

/** The API key (or portal session) record a bearer names, checked as `authenticate` checks it. */
export const authenticateKey = async (deps: Deps, bearer: string | undefined, orgId: string | undefined, method = 'GET'): Promise<ApiKeyRecord> => {
  if (!bearer) throw new UnauthorizedError();
  const record = await deps.tenants.findApiKey(hashApiKey(bearer));
  if (!record) throw new UnauthorizedError('Invalid API key');
  if (record.expiresAt && Date.parse(record.expiresAt) <= deps.clock.now().getTime()) {
    throw new DomainError(401, 'session_expired', 'This portal session has ended. Open a new portal link.');
  }
  if (record.readOnly && method !== 'GET') throw new DomainError(403, 'read_only_session', 'This portal session is read-only: it cannot change anything.');
  if (orgId !== undefined && orgId !== record.tenantId) {
    throw new ForbiddenError('X-Org-ID does not name the organization this API key belongs to');
  }
  return record;
};
