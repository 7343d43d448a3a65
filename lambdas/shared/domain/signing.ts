import { createHmac, createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign } from 'node:crypto';
import { decode as decodeBase64 } from '@stablelib/base64';
import { stringifyExact } from './exact-json';
import { pythonJsonDumps, type JsonValue } from './python-json';
import { VERSION } from '../version';

/**
 * The three signature schemes a delivery carries. Pure functions: no I/O, no clock.
 *
 * - seed 000 (`X-Auggie-Signature`): hex HMAC-SHA256, key = the secret's UTF-8 bytes, over
 *   the body, which is the Python-canonical JSON of the envelope.
 * - seed 003 (`X-Webhook-Signature`): `sha256=` + hex HMAC-SHA256 of the raw body, key = the
 *   secret's UTF-8 bytes.
 * - Standard Webhooks (`webhook-signature`): `v1,` + base64 HMAC-SHA256 of
 *   `${webhook-id}.${webhook-timestamp}.${body}`; key = base64 decoding of the secret after
 *   any `whsec_` prefix, or the secret's UTF-8 bytes when that is not valid base64.
 * - Standard Webhooks' asymmetric scheme, for an endpoint that asks for it: `v1a,` + base64 of
 *   the 64-byte Ed25519 signature of the same `${webhook-id}.${webhook-timestamp}.${body}`. The
 *   secret key (`whsk_` + base64 of the 32-byte seed) never leaves hookpost; receivers verify
 *   with the public key (`whpk_` + base64 of the 32-byte raw key).
 */
export const hmacSha256 = (key: Uint8Array | string, message: string): Buffer =>
  createHmac('sha256', key).update(message, 'utf8').digest();

/** Decodes exactly as the `standardwebhooks` npm package does (it uses @stablelib/base64). */
export const standardWebhooksKey = (secret: string): Buffer => {
  const body = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  try {
    const key = decodeBase64(body);
    if (key.length > 0) return Buffer.from(key);
  } catch {
    // not base64: fall through to the secret's own bytes
  }
  return Buffer.from(secret, 'utf8');
};

export const standardWebhooksSignature = (secret: string, msgId: string, timestamp: number, body: string): string =>
  `v1,${hmacSha256(standardWebhooksKey(secret), `${msgId}.${timestamp}.${body}`).toString('base64')}`;

export type Surface = 'account' | 'admin';

/** How an endpoint's deliveries are signed: HMAC with a shared secret (the default), or Ed25519. */
export type SignatureScheme = 'hmac-sha256' | 'ed25519';

/**
 * An Ed25519 private key from its 32-byte seed. Node's crypto imports raw Ed25519 keys only
 * as DER: the seed goes after the fixed PKCS#8 header of RFC 8410 (version 0, algorithm
 * id-Ed25519 1.3.101.112, an OCTET STRING of 32 bytes).
 */
const PKCS8_ED25519_HEADER = Buffer.from('302e020100300506032b657004220420', 'hex');
const privateKeys = new Map<string, KeyObject>();
const ed25519PrivateKey = (secretKey: string): KeyObject => {
  let key = privateKeys.get(secretKey);
  if (!key) {
    const seed = Buffer.from(secretKey.replace(/^whsk_/, ''), 'base64');
    if (seed.length !== 32) throw new Error('An Ed25519 secret key is whsk_ and the base64 of a 32-byte seed');
    key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_HEADER, seed]), format: 'der', type: 'pkcs8' });
    if (privateKeys.size >= 1000) privateKeys.clear(); // a container's endpoints; bounded
    privateKeys.set(secretKey, key);
  }
  return key;
};

/** A new Ed25519 secret key: `whsk_` + base64 of a random 32-byte seed. */
export const generateEd25519SecretKey = (): string => `whsk_${randomBytes(32).toString('base64')}`;

/** The public key receivers verify with: `whpk_` + base64 of the 32-byte raw key. */
export const ed25519PublicKey = (secretKey: string): string => {
  const jwk = createPublicKey(ed25519PrivateKey(secretKey)).export({ format: 'jwk' });
  return `whpk_${Buffer.from(jwk.x!, 'base64url').toString('base64')}`;
};

export const ed25519Signature = (secretKey: string, msgId: string, timestamp: number, body: string): string =>
  `v1a,${sign(null, Buffer.from(`${msgId}.${timestamp}.${body}`, 'utf8'), ed25519PrivateKey(secretKey)).toString('base64')}`;

export interface EventForDelivery {
  id: string;
  type: string;
  createdAt: string; // ISO-8601 UTC; envelopes show it to the second
  data: JsonValue;
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

const toUnixSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/** `2026-02-16T12:00:00Z`, the promised pages' spelling. */
export const wholeSeconds = (iso: string): string => `${new Date(toUnixSeconds(iso) * 1000).toISOString().slice(0, 19)}Z`;

/**
 * Builds the exact body and headers of one attempt. `secrets` lists the signing secrets in
 * force, newest first (more than one only while a rotated secret is in its grace period). An
 * Ed25519 endpoint's secrets are its secret keys: its deliveries carry `v1a` signatures only
 * (no HMAC header, since it shares no secret with its receiver).
 */
export const signDelivery = (
  surface: Surface,
  event: EventForDelivery,
  secrets: readonly string[],
  attemptUnixSeconds: number,
  scheme: SignatureScheme = 'hmac-sha256',
): SignedRequest => {
  const [current] = secrets;
  if (current === undefined) throw new Error('signDelivery needs at least one secret');
  let body: string;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': `hookpost/${VERSION}`,
  };
  if (surface === 'account') {
    body = pythonJsonDumps({ id: event.id, type: event.type, created_at: wholeSeconds(event.createdAt), data: event.data });
    headers['x-auggie-signature'] = hmacSha256(current, body).toString('hex');
  } else {
    body = stringifyExact({ id: event.id, event: event.type, timestamp: wholeSeconds(event.createdAt), data: event.data });
    if (scheme === 'hmac-sha256') headers['x-webhook-signature'] = `sha256=${hmacSha256(current, body).toString('hex')}`;
    headers['x-webhook-event'] = event.type;
    headers['x-webhook-timestamp'] = String(toUnixSeconds(event.createdAt));
  }
  headers['webhook-id'] = event.id;
  headers['webhook-timestamp'] = String(attemptUnixSeconds);
  const signature = scheme === 'ed25519' ? ed25519Signature : standardWebhooksSignature;
  headers['webhook-signature'] = secrets.map((s) => signature(s, event.id, attemptUnixSeconds, body)).join(' ');
  return { body, headers };
};
