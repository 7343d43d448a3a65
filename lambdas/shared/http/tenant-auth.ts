import { TooManyRequestsError } from '../domain/errors';
import type { Ports } from '../domain/ports';
import { authenticateKey, tenantRateKey } from '../domain/tenants';
import type { Authenticator } from './api-handler';

/** Resolves the API key to its tenant, then counts the request against the tenant's rate limit. */
export const tenantAuthenticator =
  (ports: Pick<Ports, 'tenants' | 'clock' | 'throttle'>): Authenticator =>
  async (bearer, orgId, method) => {
    const record = await authenticateKey(ports, bearer, orgId, method);
    const wait = await ports.throttle.take(tenantRateKey(record.tenantId));
    if (wait > 0) throw new TooManyRequestsError(wait);
    // A portal session's record expires with it; an API key's does not.
    return { tenantId: record.tenantId, actor: { type: record.expiresAt ? 'portal_session' : 'api_key', id: record.keyId }, ...(record.scope ? { scope: record.scope } : {}) };
  };
