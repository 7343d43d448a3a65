import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { ValidationError } from './errors';

/** What a read shows of a client certificate (never its key). */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the leaf, colon-separated hex, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint256: string;
}

/** A chain of PEM blocks: 16 KB holds a leaf and a few intermediates. */
export const MAX_CERTIFICATE_PEM = 16 * 1024;
export const MAX_PRIVATE_KEY_PEM = 8 * 1024;
export const MAX_CA_BUNDLE_PEM = 64 * 1024;

/** Days before a client certificate expires when the platform is told (`webhook.certificate_expiring`). */
export const CERTIFICATE_NOTICE_DAYS = 14;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM text, each parsed by Node's own X.509 (OpenSSL); a block that does
 * not parse is refused. Splitting the text into blocks (RFC 7468's delimiters) is the one part
 * written here: `X509Certificate` reads only the first certificate of a chain.
 */
const certificatesOf = (pem: string, field: string): X509Certificate[] => {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new ValidationError(`${field}: must hold PEM certificates (-----BEGIN CERTIFICATE-----)`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new ValidationError(`${field}: certificate ${i + 1} does not parse as X.509`);
    }
  });
};

const keyOf = (pem: string): KeyObject => {
  if (/ENCRYPTED/.test(pem)) throw new ValidationError('auth.private_key: must not be encrypted (hookpost seals it under its master key instead)');
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ValidationError('auth.private_key: does not parse as a PEM private key (PKCS#8, PKCS#1 or SEC1)');
  }
};

/**
 * Checks a client certificate chain and its key before they are stored: the chain parses, the
 * key is the leaf's, the leaf is valid now and is no CA (a receiver would refuse it, and a CA's
 * key has no business here), and each certificate is issued by the next one given.
 */
export const checkClientCertificate = (chainPem: string, keyPem: string, now: Date): CertificateInfo => {
  if (chainPem.length > MAX_CERTIFICATE_PEM) throw new ValidationError(`auth.certificate: must be at most ${MAX_CERTIFICATE_PEM} characters`);
  if (keyPem.length > MAX_PRIVATE_KEY_PEM) throw new ValidationError(`auth.private_key: must be at most ${MAX_PRIVATE_KEY_PEM} characters`);
  const chain = certificatesOf(chainPem, 'auth.certificate');
  const leaf = chain[0]!;
  const key = keyOf(keyPem);
  if (!leaf.checkPrivateKey(key)) throw new ValidationError('auth.private_key: does not match the certificate (the first one of the chain)');
  if (leaf.ca) throw new ValidationError('auth.certificate: is a CA certificate (basic constraints CA:TRUE); give the client certificate the CA issued');
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (notAfter.getTime() <= now.getTime()) throw new ValidationError(`auth.certificate: expired on ${notAfter.toISOString()}`);
  if (notBefore.getTime() > now.getTime()) throw new ValidationError(`auth.certificate: is not valid before ${notBefore.toISOString()}`);
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!)) throw new ValidationError(`auth.certificate: certificate ${i + 1} is not issued by certificate ${i + 2}; give the chain leaf first`);
  }
  return { subject: leaf.subject.replace(/\n/g, ', '), issuer: leaf.issuer.replace(/\n/g, ', '), notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString(), fingerprint256: leaf.fingerprint256 };
};

/** A CA bundle: certificates only, each a CA. */
export const checkCaBundle = (pem: string): number => {
  if (pem.length > MAX_CA_BUNDLE_PEM) throw new ValidationError(`auth.ca_bundle: must be at most ${MAX_CA_BUNDLE_PEM} characters`);
  const certs = certificatesOf(pem, 'auth.ca_bundle');
  const notCa = certs.findIndex((c) => !c.ca);
  if (notCa >= 0) throw new ValidationError(`auth.ca_bundle: certificate ${notCa + 1} is not a CA certificate`);
  return certs.length;
};

/** How many certificates a bundle holds (for reads). */
export const bundleSize = (pem: string): number => (pem.match(PEM_BLOCK) ?? []).length;
