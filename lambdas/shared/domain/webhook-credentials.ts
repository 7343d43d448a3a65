import { ValidationError } from './errors';
import type { Endpoint } from './model';
import type { SecretBox } from './secret-box';
import type { TargetPolicy } from './target-policy';
import { type AuthInput, headerField, isSensitiveHeader, type HeaderSets, type ReceiverAuth, refuseAuthorizationClash, sealAuth, type SealedCredential, splitHeaders, credentialContext } from './receiver-auth';

// What a create or an update of a webhook asks of its credentials (issue 27), checked against
// what the webhook is (a URL's or an AWS destination's) and sealed for the endpoint's id.

/** What a request gives: headers (null on update removes one), which of them are credentials, and the auth. */
export interface CredentialsInput {
  headers?: Record<string, string | null>;
  /** Names of `headers` whose values are credentials, beyond the defaults (Authorization, Cookie, X-Api-Key, Proxy-Authorization). */
  sensitiveHeaders?: string[];
  /** null on update: no auth beyond the signature. */
  auth?: AuthInput | null;
}

/** What the endpoint stores of them (each field absent: unchanged). */
export interface StoredCredentials {
  headers?: Record<string, string>;
  sensitiveHeaders?: Record<string, SealedCredential>;
  auth?: ReceiverAuth | null;
}

interface Target {
  tenantId: string;
  endpointId: string;
  /** The webhook's URL after the change; undefined for an AWS destination. */
  url: string | undefined;
  now: Date;
}

/**
 * Endpoints written before sensitive headers existed hold an `Authorization` (or any default
 * credential header) among their plain headers: an update seals it on the way, and a read never
 * shows its value (`legacySensitive` in the views).
 */
const storedSensitive = (box: SecretBox, where: Target, current: Endpoint): Record<string, SealedCredential> => {
  const legacy = Object.entries(current.headers ?? {}).filter(([name]) => isSensitiveHeader(name));
  return {
    ...current.sensitiveHeaders,
    ...Object.fromEntries(legacy.map(([name, value]) => [name, { sealed: box.seal(value, credentialContext(where.tenantId, where.endpointId, headerField(name))), setAt: current.updatedAt }])),
  };
};

/**
 * Seals what a create or update asks for and checks the webhook it makes: auth only on a URL
 * webhook, a client certificate only over https, an OAuth token URL that meets the egress rules
 * like any receiver, and no `Authorization` header beside an auth that sets it.
 */
export const storedCredentials = async (
  deps: { box: SecretBox; targets: TargetPolicy },
  where: Target,
  input: CredentialsInput,
  current?: Endpoint,
): Promise<StoredCredentials> => {
  const out: StoredCredentials = {};
  if (where.url === undefined) {
    if (input.auth) throw new ValidationError('auth: an AWS destination is reached through your role; it takes no receiver auth');
    if (input.headers && Object.keys(input.headers).length > 0) throw new ValidationError('headers: an AWS destination takes no request headers');
  }
  if (input.sensitiveHeaders !== undefined && input.headers === undefined) {
    throw new ValidationError('sensitive_headers: give the headers it marks in the same request');
  }
  if (input.headers !== undefined) {
    if (!current && Object.values(input.headers).some((v) => v === null)) throw new ValidationError('headers: a new webhook has no header to remove (null)');
    const split: HeaderSets = splitHeaders(deps.box, where, input.headers, input.sensitiveHeaders, current ? { sensitiveHeaders: storedSensitive(deps.box, where, current) } : undefined);
    out.headers = split.headers;
    out.sensitiveHeaders = split.sensitiveHeaders;
  } else if (current && Object.keys(current.headers ?? {}).some((name) => isSensitiveHeader(name))) {
    // Untouched, but still stored in the clear from before: sealed now.
    out.headers = Object.fromEntries(Object.entries(current.headers!).filter(([name]) => !isSensitiveHeader(name)));
    out.sensitiveHeaders = storedSensitive(deps.box, where, current);
  }
  if (input.auth === null) out.auth = null;
  else if (input.auth) {
    if (input.auth.type === 'oauth2_client_credentials') await deps.targets.check(input.auth.token_url);
    out.auth = sealAuth(deps.box, where, input.auth, current?.auth);
  }
  const auth = out.auth === undefined ? current?.auth : (out.auth ?? undefined);
  if (auth?.type === 'mtls' && where.url !== undefined && !where.url.startsWith('https:')) {
    throw new ValidationError('auth: a client certificate is presented in TLS: the url must be https');
  }
  const headers = out.headers ?? current?.headers ?? {};
  const sensitive = out.sensitiveHeaders ?? current?.sensitiveHeaders ?? {};
  refuseAuthorizationClash(auth, [...Object.keys(headers), ...Object.keys(sensitive)]);
  return out;
};
