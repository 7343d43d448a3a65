import { createHmac } from 'node:crypto';
import { decode as decodeBase64 } from '@stablelib/base64';
import { stringifyExact } from './exact-json';
import { pythonJsonDumps, type JsonValue } from './python-json';

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
 * force, newest first (more than one only while a rotated secret is in its grace period).
 */
export const signDelivery = (
  surface: Surface,
  event: EventForDelivery,
  secrets: readonly string[],
  attemptUnixSeconds: number,
): SignedRequest => {
  const [current] = secrets;
  if (current === undefined) throw new Error('signDelivery needs at least one secret');
  let body: string;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'hookpost/0.1',
  };
  if (surface === 'account') {
    body = pythonJsonDumps({ id: event.id, type: event.type, created_at: wholeSeconds(event.createdAt), data: event.data });
    headers['x-auggie-signature'] = hmacSha256(current, body).toString('hex');
  } else {
    body = stringifyExact({ id: event.id, event: event.type, timestamp: wholeSeconds(event.createdAt), data: event.data });
    headers['x-webhook-signature'] = `sha256=${hmacSha256(current, body).toString('hex')}`;
    headers['x-webhook-event'] = event.type;
    headers['x-webhook-timestamp'] = String(toUnixSeconds(event.createdAt));
  }
  headers['webhook-id'] = event.id;
  headers['webhook-timestamp'] = String(attemptUnixSeconds);
  headers['webhook-signature'] = secrets
    .map((s) => standardWebhooksSignature(s, event.id, attemptUnixSeconds, body))
    .join(' ');
  return { body, headers };
};
