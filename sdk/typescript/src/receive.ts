import { createHmac, createPublicKey, type KeyObject, timingSafeEqual, verify } from 'node:crypto';

// ---------------------------------------------------------------- receiving webhooks

export class WebhookSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface ConstructEventOptions {
  /** How far `webhook-timestamp` may be from now, in seconds. @default 300 */
  toleranceSeconds?: number;
  /** The current time in Unix seconds (tests). */
  now?: number;
}

const header = (headers: WebhookHeaders, name: string): string | undefined => {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
};

const sameBytes = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

const hmac = (key: Buffer | string, message: Buffer | string): Buffer => createHmac('sha256', key).update(message).digest();

/** Standard Webhooks key: the base64 after `whsec_`, or the secret's own bytes when it is not base64. */
const standardKey = (secret: string): Buffer => {
  const body = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(body) && body.length % 4 === 0) {
    const key = Buffer.from(body, 'base64');
    if (key.length > 0) return key;
  }
  return Buffer.from(secret, 'utf8');
};

/** An Ed25519 public key as hookpost shows it: `whpk_` + base64 of the 32-byte raw key. */
const ed25519Key = (publicKey: string): KeyObject => {
  const raw = Buffer.from(publicKey.slice('whpk_'.length), 'base64');
  if (raw.length !== 32) throw new WebhookSignatureError('A public key is whpk_ and the base64 of 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
};

export const Webhook = {
  /**
   * Verifies a delivery and returns its parsed envelope. `payload` must be the raw body, as
   * received. `secret` may list several secrets (during a rotation). Checks, in this order of
   * preference, whichever the headers carry: `webhook-signature` (Standard Webhooks, also sent
   * as `svix-*`: its `v1,` entries with a secret, its `v1a,` Ed25519 entries with an ed25519
   * webhook's public key, `whpk_…`, passed as the secret), `X-Webhook-Signature` (`sha256=<hex>`), `X-Auggie-Signature` (hex). When
   * `webhook-timestamp` is present it must be within the tolerance (it is required, and
   * signed, for the first scheme). Throws WebhookSignatureError otherwise.
   */
  constructEvent<T = Record<string, unknown>>(
    payload: string | Buffer | Uint8Array,
    headers: WebhookHeaders,
    secret: string | readonly string[],
    options: ConstructEventOptions = {},
  ): T {
    const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
    const secrets = (typeof secret === 'string' ? [secret] : [...secret]).filter((s) => s.length > 0);
    if (secrets.length === 0) throw new WebhookSignatureError('No secret to verify with');
    const tolerance = options.toleranceSeconds ?? 300;
    const now = options.now ?? Math.floor(Date.now() / 1000);

    const id = header(headers, 'webhook-id') ?? header(headers, 'svix-id');
    const timestamp = header(headers, 'webhook-timestamp') ?? header(headers, 'svix-timestamp');
    const standard = header(headers, 'webhook-signature') ?? header(headers, 'svix-signature');
    if (timestamp !== undefined) {
      const ts = Number(timestamp);
      if (!/^\d+$/.test(timestamp) || Math.abs(now - ts) > tolerance) {
        throw new WebhookSignatureError(`webhook-timestamp is more than ${tolerance} s from now (an old or replayed delivery)`);
      }
    }

    let verified = false;
    if (standard !== undefined) {
      if (!id || timestamp === undefined) throw new WebhookSignatureError('webhook-signature needs webhook-id and webhook-timestamp');
      const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), body]);
      const entries = standard.split(' ');
      const given = entries.filter((entry) => entry.startsWith('v1,')).map((entry) => Buffer.from(entry.slice(3), 'base64'));
      const givenV1a = entries.filter((entry) => entry.startsWith('v1a,')).map((entry) => Buffer.from(entry.slice(4), 'base64'));
      verified = secrets.some((s) => {
        if (s.startsWith('whpk_')) {
          const key = ed25519Key(s);
          return givenV1a.some((g) => g.length === 64 && verify(null, signed, key, g));
        }
        const expected = hmac(standardKey(s), signed);
        return given.some((g) => sameBytes(g, expected));
      });
    } else {
      const seed003 = header(headers, 'x-webhook-signature');
      const seed000 = header(headers, 'x-auggie-signature');
      const hex = seed003 !== undefined ? (seed003.startsWith('sha256=') ? seed003.slice(7) : undefined) : seed000;
      if (hex === undefined || !/^[0-9a-f]{64}$/i.test(hex)) throw new WebhookSignatureError('No signature header this SDK knows');
      const given = Buffer.from(hex, 'hex');
      verified = secrets.some((s) => sameBytes(given, hmac(s, body)));
    }
    if (!verified) throw new WebhookSignatureError('The signature does not match');
    try {
      return JSON.parse(body.toString('utf8')) as T;
    } catch {
      throw new WebhookSignatureError('The payload is not JSON');
    }
  },
};
