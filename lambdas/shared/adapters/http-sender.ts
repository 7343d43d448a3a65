import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import type { HttpResult, HttpSender } from '../domain/ports';
import type { EgressRules, Resolver } from '../domain/target-policy';

export const REQUEST_TIMEOUT_MS = 30_000;
export const RESPONSE_EXCERPT_BYTES = 1024;

const TLS_CODES = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i;
const BLOCKED = 'EHOOKPOST_EGRESS_REFUSED';

type Failure = Exclude<HttpResult['error'], null>;

/** Maps a request failure to the attempt's error class. */
export const classifyFailure = (err: unknown): Failure => {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; name?: string; message?: string } };
  const code = e?.code ?? e?.cause?.code ?? '';
  if (code === BLOCKED) return 'blocked';
  if (
    e?.name === 'TimeoutError' ||
    e?.name === 'AbortError' ||
    ['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'].includes(code)
  ) {
    return 'timeout';
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (TLS_CODES.test(code) || TLS_CODES.test(e?.cause?.message ?? '')) return 'tls';
  return 'connection';
};

/**
 * The connection's own DNS lookup: resolves the host, refuses the connection when any address
 * breaks the egress rules, and hands the socket exactly the addresses it checked, so nothing
 * can change between the check and the connect (no DNS-rebinding window).
 */
const guardedLookup =
  (rules: EgressRules, resolver: Resolver) =>
  (
    hostname: string,
    options: { all?: boolean },
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    const host = hostname.replace(/\.$/, '');
    resolver.resolve(host).then(
      (addresses) => {
        if (addresses.length === 0) return callback(Object.assign(new Error(`${host} does not resolve`), { code: 'ENOTFOUND' }), '');
        for (const address of addresses) {
          const why = rules.addressRefusal(address, host);
          if (why) return callback(Object.assign(new Error(why), { code: BLOCKED }), '');
        }
        if (options.all) return callback(null, addresses.map((address) => ({ address, family: isIP(address) })));
        callback(null, addresses[0]!, isIP(addresses[0]!));
      },
      (err: NodeJS.ErrnoException) => callback(Object.assign(err, { code: err.code ?? 'ENOTFOUND' }), ''),
    );
  };

/** Seconds a 429 or 503 asks the sender to wait (`Retry-After`: seconds or an HTTP date). */
export const parseRetryAfter = (value: string | string[] | undefined, now: number): number | null => {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return null;
  const text = raw.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
};

/** Reads at most `limit` bytes of a body, then lets the rest go. */
const readExcerpt = async (body: AsyncIterable<Uint8Array> & { destroy(): unknown }, limit: number): Promise<string> => {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size >= limit) break;
    }
  } finally {
    body.destroy();
  }
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  // Drop a trailing partial UTF-8 sequence rather than emit a replacement character.
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/\uFFFD$/, '');
};

export interface HttpSenderOptions {
  timeoutMs?: number;
  /** Egress rules checked on the URL and inside the connection's lookup; absent: any target. */
  egress?: { rules: EgressRules; resolver: Resolver };
}

/**
 * POSTs with undici under a hard deadline covering connect, headers and the body excerpt; never
 * follows redirects. Connections are kept alive per origin across invocations of a container.
 */
export class UndiciHttpSender implements HttpSender {
  private readonly timeoutMs: number;
  private readonly agent: Agent;

  constructor(private readonly options: HttpSenderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const egress = options.egress;
    this.agent = new Agent({
      connect: {
        timeout: this.timeoutMs,
        ...(egress?.rules.enforced ? { lookup: guardedLookup(egress.rules, egress.resolver) } : {}),
      },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 4_000,
    });
  }

  async post(url: string, headers: Record<string, string>, body: string): Promise<HttpResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const refusal = this.options.egress?.rules.urlRefusal(new URL(url)) ?? null;
    if (refusal) return { statusCode: null, responseTimeMs: 0, error: 'blocked', detail: refusal, bodyExcerpt: null, retryAfterSeconds: null };
    try {
      const response = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      let bodyExcerpt: string | null = null;
      try {
        bodyExcerpt = await readExcerpt(response.body, RESPONSE_EXCERPT_BYTES);
      } catch {
        bodyExcerpt = null; // the status already arrived; a body that breaks off does not change it
      }
      const waits = response.statusCode === 429 || response.statusCode === 503;
      return {
        statusCode: response.statusCode,
        responseTimeMs: elapsed(),
        error: null,
        bodyExcerpt,
        retryAfterSeconds: waits ? parseRetryAfter(response.headers['retry-after'], Date.now()) : null,
      };
    } catch (err) {
      const error = classifyFailure(err);
      return {
        statusCode: null,
        responseTimeMs: elapsed(),
        error,
        ...(error === 'blocked' ? { detail: (err as Error).message } : {}),
        bodyExcerpt: null,
        retryAfterSeconds: null,
      };
    }
  }

  /** Lets go of pooled connections (tests, the local runtime's shutdown). */
  close(): Promise<void> {
    return this.agent.close();
  }
}
