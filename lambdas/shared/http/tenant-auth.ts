import { TooManyRequestsError } from '../domain/errors';
import type { Ports } from '../domain/ports';
import { authenticate } from '../domain/tenants';
import type { Authenticator } from './api-handler';

/** Resolves the API key to its tenant, then counts the request against the tenant's rate limit. */
export const tenantAuthenticator =
  (ports: Pick<Ports, 'tenants' | 'clock' | 'throttle'>): Authenticator =>
  async (bearer, orgId, method) => {
    const tenantId = await authenticate(ports, bearer, orgId, method);
    const wait = await ports.throttle.take(`tenant:${tenantId}`);
    if (wait > 0) throw new TooManyRequestsError(wait);
    return tenantId;
  };
