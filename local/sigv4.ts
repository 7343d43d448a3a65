import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What API Gateway answers a platform call whose IAM authentication fails (HTTP API, `{"message": …}`, 403). */
export const SIGV4_REFUSALS = {
  missing: 'Forbidden',
  unknownKey: 'The security token included in the request is invalid.',
  mismatch: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  expired: 'Signature expired: the request date is more than 15 minutes from the server time.',
} as const;

export type SigV4Outcome = { ok: true; accessKeyId: string } | { ok: false; message: string };

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

/** `20261130T141500Z` → a Date. */
const amzDate = (value: string | undefined): Date | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
};

/**
 * Verifies a SigV4-signed request (service `execute-api`) as API Gateway's IAM authorization
 * does, for the local runtime's platform routes: the request is signed again with the same
 * library the callers sign with (`@smithy/signature-v4`), over exactly the headers the caller
 * signed, at the caller's date, and the signatures compared. No library verifies SigV4 on the
 * receiving side; this is that re-signing and comparison, nothing more.
 */
export const verifySigV4 = async (
  request: { method: string; url: URL; headers: Record<string, string>; body: Buffer },
  credentials: LocalCredentials,
  region: string,
  now = new Date(),
): Promise<SigV4Outcome> => {
  const parsed = AUTH.exec(request.headers.authorization ?? '');
  if (!parsed) return { ok: false, message: SIGV4_REFUSALS.missing };
  const [, accessKeyId, day, signedRegion, service, signedHeaders, signature] = parsed;
  if (accessKeyId !== credentials.accessKeyId) return { ok: false, message: SIGV4_REFUSALS.unknownKey };
  const date = amzDate(request.headers['x-amz-date']);
  if (!date || signedRegion !== region || service !== 'execute-api' || !date.toISOString().replace(/-/g, '').startsWith(day!)) {
    return { ok: false, message: SIGV4_REFUSALS.mismatch };
  }
  if (Math.abs(now.getTime() - date.getTime()) > 15 * 60_000) return { ok: false, message: SIGV4_REFUSALS.expired };
  // A signer that sends the payload's hash signs that header instead of hashing the body: it must be this body's.
  const declared = request.headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== createHash('sha256').update(request.body).digest('hex')) return { ok: false, message: SIGV4_REFUSALS.mismatch };
  const names = signedHeaders!.split(';');
  const headers = Object.fromEntries(names.map((name) => [name, request.headers[name] ?? '']));
  // The payload hash header is signed only if the caller signed it (the AWS SDK for JavaScript
  // does; botocore and the AWS CLI do not): either way the body's hash is in the signature.
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256, applyChecksum: names.includes('x-amz-content-sha256') });
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of request.url.searchParams) query[k] = k in query ? [...[query[k]!].flat(), v] : v;
  const again = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: request.url.hostname,
      path: request.url.pathname,
      query,
      headers,
      ...(request.body.length ? { body: request.body } : {}),
    },
    { signingDate: date, signableHeaders: new Set(names) },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(again.headers.authorization))?.[1] ?? '';
  const same = expected.length === signature!.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature!));
  return same ? { ok: true, accessKeyId: accessKeyId! } : { ok: false, message: SIGV4_REFUSALS.mismatch };
};
