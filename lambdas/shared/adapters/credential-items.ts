import type { CertificateInfo } from '../domain/client-certificate';
import type { Endpoint } from '../domain/model';
import type { ReceiverAuth, SealedCredential } from '../domain/receiver-auth';
import type { Item } from './dynamo-write';

// How an endpoint's receiver auth and sensitive headers are written as attributes of its item
// (issue 27): credentials stay sealed, as the domain gives them.

const fromSealed = (c: SealedCredential): Item => ({ sealed: c.sealed, set_at: c.setAt });
const toSealed = (i: Item): SealedCredential => ({ sealed: i.sealed as string, setAt: i.set_at as string });

const fromInfo = (c: CertificateInfo): Item => ({ subject: c.subject, issuer: c.issuer, not_before: c.notBefore, not_after: c.notAfter, fingerprint256: c.fingerprint256 });
const toInfo = (i: Item): CertificateInfo => ({
  subject: i.subject as string,
  issuer: i.issuer as string,
  notBefore: i.not_before as string,
  notAfter: i.not_after as string,
  fingerprint256: i.fingerprint256 as string,
});

export const fromAuth = (a: ReceiverAuth): Item => {
  switch (a.type) {
    case 'basic':
      return { type: a.type, username: a.username, password: fromSealed(a.password) };
    case 'oauth2_client_credentials':
      return {
        type: a.type,
        token_url: a.tokenUrl,
        client_id: a.clientId,
        client_secret: fromSealed(a.clientSecret),
        ...(a.scope ? { scope: a.scope } : {}),
        ...(a.audience ? { audience: a.audience } : {}),
        client_auth: a.clientAuth,
      };
    case 'mtls':
      return { type: a.type, certificate: a.certificate, private_key: fromSealed(a.privateKey), ...(a.caBundle ? { ca_bundle: a.caBundle } : {}), info: fromInfo(a.info) };
  }
};

export const toAuth = (i: Item): ReceiverAuth => {
  switch (i.type) {
    case 'basic':
      return { type: 'basic', username: i.username as string, password: toSealed(i.password as Item) };
    case 'oauth2_client_credentials':
      return {
        type: 'oauth2_client_credentials',
        tokenUrl: i.token_url as string,
        clientId: i.client_id as string,
        clientSecret: toSealed(i.client_secret as Item),
        ...(typeof i.scope === 'string' ? { scope: i.scope } : {}),
        ...(typeof i.audience === 'string' ? { audience: i.audience } : {}),
        clientAuth: i.client_auth === 'client_secret_post' ? 'client_secret_post' : 'client_secret_basic',
      };
    case 'mtls':
      return {
        type: 'mtls',
        certificate: i.certificate as string,
        privateKey: toSealed(i.private_key as Item),
        ...(typeof i.ca_bundle === 'string' ? { caBundle: i.ca_bundle } : {}),
        info: toInfo(i.info as Item),
      };
    default:
      throw new Error(`an endpoint item holds an unknown auth type: ${String(i.type)}`);
  }
};

export const fromSensitiveHeaders = (h: Record<string, SealedCredential>): Item => Object.fromEntries(Object.entries(h).map(([name, c]) => [name, fromSealed(c)]));
const toSensitiveHeaders = (i: Item): Record<string, SealedCredential> => Object.fromEntries(Object.entries(i).map(([name, c]) => [name, toSealed(c as Item)]));

/** The credential attributes of an endpoint item. */
export const credentialsOfItem = (i: Item): Pick<Endpoint, 'auth' | 'sensitiveHeaders' | 'certificateNoticeFor'> => ({
  ...(i.auth ? { auth: toAuth(i.auth as Item) } : {}),
  ...(i.sensitive_headers && Object.keys(i.sensitive_headers as object).length > 0 ? { sensitiveHeaders: toSensitiveHeaders(i.sensitive_headers as Item) } : {}),
  ...(typeof i.certificate_notice_for === 'string' ? { certificateNoticeFor: i.certificate_notice_for } : {}),
});

/** An endpoint's credentials as attributes of its item. */
export const itemOfCredentials = (e: Endpoint): Item => ({
  ...(e.auth ? { auth: fromAuth(e.auth) } : {}),
  ...(e.sensitiveHeaders && Object.keys(e.sensitiveHeaders).length > 0 ? { sensitive_headers: fromSensitiveHeaders(e.sensitiveHeaders) } : {}),
  ...(e.certificateNoticeFor ? { certificate_notice_for: e.certificateNoticeFor } : {}),
});
