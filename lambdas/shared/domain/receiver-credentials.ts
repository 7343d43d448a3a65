import { sha256Hex } from './ids';
import type { Endpoint } from './model';
import type { ClientTls, PostOptions, Ports, TokenOutcome, TokenRequest } from './ports';
import { AUTH_FIELDS, openCredential, openSensitiveHeaders, type SealedCredential } from './receiver-auth';
import type { SecretBox } from './secret-box';

type Deps = Pick<Ports, 'secretBox' | 'tokens'>;

/** What one request to a receiver carries to prove its sender, beyond the signature. */
export interface RequestCredentials {
  /** The endpoint's sensitive headers, opened, and the auth's `Authorization`. */
  headers: Record<string, string>;
  tls?: ClientTls;
  /** The OAuth token sent, and how to ask for a new one when the receiver refuses it. */
  oauth?: { request: TokenRequest; token: string; cached: boolean };
}

export type CredentialsOutcome = { ok: true; credentials: RequestCredentials } | Extract<TokenOutcome, { ok: false }>;

export const bearer = (token: string) => `Bearer ${token}`;

/** The grant an OAuth webhook asks for; its cache key changes with anything that would change the token. */
export const tokenRequestOf = (deps: { box: SecretBox }, endpoint: Endpoint): TokenRequest | undefined => {
  const auth = endpoint.auth;
  if (auth?.type !== 'oauth2_client_credentials') return undefined;
  return {
    cacheKey: sha256Hex([endpoint.tenantId, endpoint.id, auth.tokenUrl, auth.clientId, auth.clientSecret.sealed, auth.scope ?? '', auth.audience ?? '', auth.clientAuth].join('\n')),
    tokenUrl: auth.tokenUrl,
    clientId: auth.clientId,
    clientSecret: openCredential(deps.box, endpoint.tenantId, endpoint.id, AUTH_FIELDS.oauth2_client_credentials, auth.clientSecret),
    ...(auth.scope ? { scope: auth.scope } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
    clientAuth: auth.clientAuth,
  };
};

/**
 * Opens what an endpoint's requests carry: its sensitive headers, Basic credentials, a client
 * certificate, or a bearer token (from the container's cache, or fetched). A token that cannot be
 * had is the attempt's failure: nothing is sent without it.
 */
export const receiverCredentials = async (deps: Deps, endpoint: Endpoint, options: Pick<PostOptions, 'timeoutMs' | 'notAfterMs'>): Promise<CredentialsOutcome> => {
  const auth = endpoint.auth;
  if (!auth && !endpoint.sensitiveHeaders) return { ok: true, credentials: { headers: {} } };
  const box = await deps.secretBox.get();
  const headers = openSensitiveHeaders(box, endpoint.tenantId, endpoint.id, endpoint.sensitiveHeaders);
  const open = (field: keyof typeof AUTH_FIELDS, c: SealedCredential) => openCredential(box, endpoint.tenantId, endpoint.id, AUTH_FIELDS[field], c);
  switch (auth?.type) {
    case undefined:
      return { ok: true, credentials: { headers } };
    case 'basic':
      // RFC 7617: user-id ":" password, UTF-8, base64.
      return { ok: true, credentials: { headers: { ...headers, Authorization: `Basic ${Buffer.from(`${auth.username}:${open('basic', auth.password)}`, 'utf8').toString('base64')}` } } };
    case 'mtls':
      return { ok: true, credentials: { headers, tls: { cert: auth.certificate, key: open('mtls', auth.privateKey), ...(auth.caBundle ? { ca: auth.caBundle } : {}) } } };
    case 'oauth2_client_credentials': {
      const request = tokenRequestOf({ box }, endpoint)!;
      const got = await deps.tokens.token(request, options);
      if (!got.ok) return got;
      return { ok: true, credentials: { headers: { ...headers, Authorization: bearer(got.token) }, oauth: { request, token: got.token, cached: got.cached } } };
    }
  }
};
