import { authenticate } from '../domain/tenants';
import type { Ports } from '../domain/ports';
import type { Authenticator } from './api-handler';

export const tenantAuthenticator =
  (ports: Pick<Ports, 'tenants' | 'clock'>): Authenticator =>
  (bearer, orgId) =>
    authenticate(ports, bearer, orgId);
