import { ValidationError } from './errors';
import { type CertificateInfo, checkClientCertificate, checkCaBundle } from './client-certificate';
import type { SecretBox } from './secret-box';

// How a webhook proves itself to a receiver that wants more than a signature (issue 27): Basic
// credentials, an OAuth 2.0 client-credentials token, or a client certificate, and custom
// headers whose values are credentials. Every credential is sealed like a signing secret and
// never read back: a read says it is set, and since when.

/** A credential sealed under the master key, bound to its endpoint and field, and when it was set. */
export interface SealedCredential {
  sealed: string;
  setAt: string;
}

export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];
export const AUTH_TYPES = ['basic', 'oauth2_client_credentials', 'mtls'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export type ReceiverAuth =
  | { type: 'basic'; username: string; password: SealedCredential }
  | {
      type: 'oauth2_client_credentials';
      tokenUrl: string;
      clientId: string;
      clientSecret: SealedCredential;
      scope?: string;
      audience?: string;
      /** RFC 6749 §2.3.1: as HTTP Basic (the default), or in the form body. */
      clientAuth: ClientAuthMethod;
    }
  | {
      type: 'mtls';
      /** The client certificate chain, leaf first (PEM): public, kept as given. */
      certificate: string;
      privateKey: SealedCredential;
      /** Extra roots the receiver's server certificate may chain to (a private CA), beside the public ones. */
      caBundle?: string;
      info: CertificateInfo;
    };

/** What a create or update asks for; a credential left out of an update keeps the stored one (same type). */
export type AuthInput =
  | { type: 'basic'; username: string; password?: string | undefined }
  | {
      type: 'oauth2_client_credentials';
      token_url: string;
      client_id: string;
      client_secret?: string | undefined;
      scope?: string | undefined;
      audience?: string | undefined;
      client_auth?: ClientAuthMethod | undefined;
    }
  | { type: 'mtls'; certificate: string; private_key?: string | undefined; ca_bundle?: string | undefined };

/**
 * Header names whose values are credentials by default (any case): sealed, never read back.
 * `proxy-authorization` is refused as an endpoint's header anyway (hop-by-hop).
 */
export const DEFAULT_SENSITIVE_HEADERS = ['authorization', 'cookie', 'x-api-key', 'proxy-authorization'] as const;

/** What sealing binds one credential of an endpoint to. */
export const credentialContext = (tenantId: string, endpointId: string, field: string): string => `${tenantId}/${endpointId}/${field}`;

const sealed = (box: SecretBox, tenantId: string, endpointId: string, field: string, value: string, at: string): SealedCredential => ({
  sealed: box.seal(value, credentialContext(tenantId, endpointId, field)),
  setAt: at,
});

export const openCredential = (box: SecretBox, tenantId: string, endpointId: string, field: string, c: SealedCredential): string =>
  box.open(c.sealed, credentialContext(tenantId, endpointId, field));

/** Which of an endpoint's credentials a field names, for sealing contexts. */
export const AUTH_FIELDS = { basic: 'auth.password', oauth2_client_credentials: 'auth.client_secret', mtls: 'auth.private_key' } as const satisfies Record<AuthType, string>;
/** The sealing field of a credential header (any case: one header, one field). */
export const headerField = (name: string) => `header.${name.toLowerCase()}`;

interface Where {
  tenantId: string;
  endpointId: string;
  now: Date;
}

/**
 * The auth an endpoint stores for `input`: credentials sealed, a certificate checked (it parses,
 * its key matches, it is valid now, it is no CA). An update that leaves a credential out keeps
 * the stored one when the type is the same; a create (no `current`) must give it.
 */
export const sealAuth = (box: SecretBox, where: Where, input: AuthInput, current?: ReceiverAuth): ReceiverAuth => {
  const at = where.now.toISOString();
  const kept = current?.type === input.type ? current : undefined;
  const field = AUTH_FIELDS[input.type];
  const secretOf = (given: string | undefined, stored: SealedCredential | undefined, name: string): SealedCredential => {
    if (given !== undefined) return sealed(box, where.tenantId, where.endpointId, field, given, at);
    if (stored) return stored;
    throw new ValidationError(`auth.${name}: required${current ? ` (the webhook has no ${input.type} credentials to keep)` : ''}`);
  };
  switch (input.type) {
    case 'basic': {
      if (input.username.includes(':')) throw new ValidationError('auth.username: must not contain ":" (RFC 7617)');
      return { type: 'basic', username: input.username, password: secretOf(input.password, kept?.type === 'basic' ? kept.password : undefined, 'password') };
    }
    case 'oauth2_client_credentials':
      return {
        type: 'oauth2_client_credentials',
        tokenUrl: input.token_url,
        clientId: input.client_id,
        clientSecret: secretOf(input.client_secret, kept?.type === 'oauth2_client_credentials' ? kept.clientSecret : undefined, 'client_secret'),
        ...(input.scope ? { scope: input.scope } : {}),
        ...(input.audience ? { audience: input.audience } : {}),
        clientAuth: input.client_auth ?? 'client_secret_basic',
      };
    case 'mtls': {
      const storedKey = kept?.type === 'mtls' ? kept.privateKey : undefined;
      const privateKey = secretOf(input.private_key, storedKey, 'private_key');
      const keyPem = input.private_key ?? openCredential(box, where.tenantId, where.endpointId, field, storedKey!);
      const info = checkClientCertificate(input.certificate, keyPem, where.now);
      if (input.ca_bundle !== undefined) checkCaBundle(input.ca_bundle);
      return { type: 'mtls', certificate: input.certificate, privateKey, ...(input.ca_bundle ? { caBundle: input.ca_bundle } : {}), info };
    }
  }
};

const lower = (names: Iterable<string>) => new Set([...names].map((n) => n.toLowerCase()));

/** Whether a header's value is a credential: a default name, or one the tenant marked. */
export const isSensitiveHeader = (name: string, marked: Iterable<string> = []): boolean =>
  (DEFAULT_SENSITIVE_HEADERS as readonly string[]).includes(name.toLowerCase()) || lower(marked).has(name.toLowerCase());

export interface HeaderSets {
  /** Sent as given, and shown. */
  headers: Record<string, string>;
  /** Sent once opened; a read shows only the name and when it was set. */
  sensitiveHeaders: Record<string, SealedCredential>;
}

/**
 * Splits headers as asked into shown and sealed ones. On an update (`current` given), the sealed
 * ones a read cannot show are kept unless the map names them (a value replaces, null removes);
 * the shown ones are replaced whole, as before; an empty map removes every header.
 */
export const splitHeaders = (
  box: SecretBox,
  where: Where,
  asked: Record<string, string | null>,
  marked: readonly string[] = [],
  current?: Pick<HeaderSets, 'sensitiveHeaders'>,
): HeaderSets => {
  const names = lower(Object.keys(asked));
  for (const name of marked) {
    if (!names.has(name.toLowerCase())) throw new ValidationError(`sensitive_headers: "${name}" is not among the headers sent`);
  }
  const at = where.now.toISOString();
  const out: HeaderSets = { headers: {}, sensitiveHeaders: {} };
  if (Object.keys(asked).length === 0) return out;
  for (const [name, stored] of Object.entries(current?.sensitiveHeaders ?? {})) {
    if (!names.has(name.toLowerCase())) out.sensitiveHeaders[name] = stored;
  }
  const storedNames = lower(Object.keys(current?.sensitiveHeaders ?? {}));
  for (const [name, value] of Object.entries(asked)) {
    if (value === null) continue;
    if (isSensitiveHeader(name, marked) || storedNames.has(name.toLowerCase())) {
      out.sensitiveHeaders[name] = sealed(box, where.tenantId, where.endpointId, headerField(name), value, at);
    } else {
      out.headers[name] = value;
    }
  }
  return out;
};

export const openSensitiveHeaders = (box: SecretBox, tenantId: string, endpointId: string, headers: Record<string, SealedCredential> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([name, c]) => [name, openCredential(box, tenantId, endpointId, headerField(name), c)]));

/** Auth that sets `Authorization` cannot sit beside a header of that name. */
export const refuseAuthorizationClash = (auth: ReceiverAuth | undefined, headerNames: Iterable<string>): void => {
  if (!auth || auth.type === 'mtls') return;
  if (lower(headerNames).has('authorization')) {
    throw new ValidationError(`headers: "Authorization" is set by the webhook's ${auth.type} auth; remove the header, or the auth`);
  }
};
