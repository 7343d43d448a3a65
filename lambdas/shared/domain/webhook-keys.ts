import { createHash } from 'node:crypto';
import { secretContext } from './endpoints';
import { NotFoundError } from './errors';
import type { Endpoint } from './model';
import type { Clock, EndpointStore, SecretBoxProvider } from './ports';
import { ed25519PublicKey } from './signing';

type Deps = { endpoints: EndpointStore; secretBox: SecretBoxProvider; clock: Clock };

/** One ed25519 public key as a JWK (RFC 8037: OKP, Ed25519), with when hookpost stops signing with it. */
export interface WebhookJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  /** The 32-byte public key, base64url. */
  x: string;
  /** Its SHA-256 thumbprint (RFC 7638), base64url: stable for the key, names nothing else. */
  kid: string;
  use: 'sig';
  alg: 'EdDSA';
  /** `current`: signs every delivery; `previous`: rotated out, still signing beside it until `expires_at`. */
  status: 'current' | 'previous';
  expires_at: string | null;
}

/**
 * RFC 7638's thumbprint of an OKP key: SHA-256 over its required members, in lexical order,
 * without spaces. Written here rather than taken from a JOSE library: for one key type it is one
 * fixed string and one hash, and `jose` would add its whole bundle to the admin function for it.
 */
const thumbprint = (x: string): string => createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest('base64url');

const jwkOf = (publicKey: string, status: WebhookJwk['status'], expiresAt: string | null): WebhookJwk => {
  const x = Buffer.from(publicKey.replace(/^whpk_/, ''), 'base64').toString('base64url');
  return { kty: 'OKP', crv: 'Ed25519', x, kid: thumbprint(x), use: 'sig', alg: 'EdDSA', status, expires_at: expiresAt };
};

/** How long a JWK set may be cached: short beside a rotation's grace (a day by default), so a receiver finds the new key before the old one stops signing. */
export const JWKS_MAX_AGE_SECONDS = 300;

/**
 * The public keys an ed25519 webhook's signatures verify with (issue 27's key discovery, the JWK
 * set that Standard Webhooks' proposal #34 sketches): the current key, and those rotated out that
 * still sign during their grace. Anything but an ed25519 webhook answers the same 404 as no
 * webhook at all, so the route tells nobody whether an id exists or how it signs.
 */
export const webhookKeySet = async (deps: Deps, tenantId: string, endpointId: string): Promise<{ keys: WebhookJwk[] }> => {
  const endpoint: Endpoint | undefined = await deps.endpoints.getEndpoint(tenantId, endpointId);
  if (!endpoint || endpoint.signatureScheme !== 'ed25519' || !endpoint.publicKey) throw new NotFoundError('Key set');
  const now = deps.clock.now().getTime();
  const previous = (endpoint.previousSecrets ?? []).filter((p) => Date.parse(p.expiresAt) > now);
  const box = previous.length > 0 ? await deps.secretBox.get() : undefined;
  return {
    keys: [
      jwkOf(endpoint.publicKey, 'current', null),
      ...previous.map((p) => jwkOf(ed25519PublicKey(box!.open(p.sealedSecret, secretContext(tenantId, endpointId))), 'previous', p.expiresAt)),
    ],
  };
};

/** Where a webhook's key set is served, from the API's base (the route `GET /v1/jwks/{tenant_id}/{id}`). */
export const jwksPath = (tenantId: string, endpointId: string): string => `/v1/jwks/${encodeURIComponent(tenantId)}/${encodeURIComponent(endpointId)}`;
