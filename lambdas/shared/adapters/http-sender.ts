import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { HttpResult, HttpSender } from '../domain/ports';
import { type EgressRules, type Resolver, resolveChecked } from '../domain/target-policy';

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
    ['ABORT_ERR', 'ETIMEDOUT'].includes(code)
  ) {
    return 'timeout';
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (TLS_CODES.test(code) || code === 'EPROTO' || TLS_CODES.test(e?.cause?.message ?? '')) return 'tls';
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
    void resolveChecked(rules, resolver, host).then((checked) => {
      if ('refusal' in checked) {
        return callback(Object.assign(new Error(checked.refusal), { code: checked.unresolved ? 'ENOTFOUND' : BLOCKED }), '');
      }
      const { addresses } = checked;
      if (options.all) return callback(null, addresses.map((address) => ({ address, family: isIP(address) })));
      callback(null, addresses[0]!, isIP(addresses[0]!));
    });
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

/** The first 1 KB of what arrived, cut on a character boundary. */
const excerptOf = (chunks: Buffer[]): string => {
  const bytes = Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES);
  // Drop a trailing partial UTF-8 sequence rather than emit a replacement character.
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/\uFFFD$/, '');
};

export interface HttpSenderOptions {
  timeoutMs?: number;
  /** Egress rules checked on the URL and inside the connection's lookup; absent: any target. */
  egress?: { rules: EgressRules; resolver: Resolver };
}

/**
 * POSTs with Node's own http/https clients (no bundle weight: an HTTP client library would add
 * some 700 KB to every function, see the bench) under a hard deadline covering connect,
 * headers and the body excerpt; never follows redirects. Connections are kept alive per origin
 * across invocations of a container; each new one goes through the guarded lookup.
 */
export class NodeHttpSender implements HttpSender {
  private readonly timeoutMs: number;
  private readonly agents = { http: new http.Agent({ keepAlive: true, keepAliveMsecs: 4_000 }), https: new https.Agent({ keepAlive: true, keepAliveMsecs: 4_000 }) };
  private readonly lookup: ReturnType<typeof guardedLookup> | undefined;

  constructor(private readonly options: HttpSenderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const egress = options.egress;
    this.lookup = egress?.rules.enforced ? guardedLookup(egress.rules, egress.resolver) : undefined;
  }

  async post(url: string, headers: Record<string, string>, body: string): Promise<HttpResult> {
    const target = new URL(url);
    const refusal = this.options.egress?.rules.urlRefusal(target) ?? null;
    if (refusal) return { statusCode: null, responseTimeMs: 0, error: 'blocked', detail: refusal, bodyExcerpt: null, retryAfterSeconds: null };
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const secure = target.protocol === 'https:';
    return new Promise<HttpResult>((resolve) => {
      let settled = false;
      const finish = (result: HttpResult) => {
        if (!settled) {
          settled = true;
          resolve(result);
        }
      };
      const fail = (err: unknown) => {
        const error = classifyFailure(err);
        finish({ statusCode: null, responseTimeMs: elapsed(), error, ...(error === 'blocked' ? { detail: (err as Error).message } : {}), bodyExcerpt: null, retryAfterSeconds: null });
      };
      const request = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body, 'utf8')) },
          agent: secure ? this.agents.https : this.agents.http,
          signal: AbortSignal.timeout(this.timeoutMs),
          ...(this.lookup ? { lookup: this.lookup as never } : {}),
        },
        (response) => {
          const statusCode = response.statusCode ?? 0;
          const waits = statusCode === 429 || statusCode === 503;
          const answered = (bodyExcerpt: string | null) =>
            finish({
              statusCode,
              responseTimeMs: elapsed(),
              error: null,
              bodyExcerpt,
              retryAfterSeconds: waits ? parseRetryAfter(response.headers['retry-after'], Date.now()) : null,
            });
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            size += chunk.byteLength;
            if (size >= RESPONSE_EXCERPT_BYTES) {
              answered(excerptOf(chunks));
              response.destroy(); // the rest is not read
            }
          });
          response.on('end', () => answered(excerptOf(chunks)));
          // The status already arrived; a body that breaks off does not change it.
          response.on('error', () => answered(null));
          response.on('close', () => answered(excerptOf(chunks)));
        },
      );
      request.on('error', fail);
      request.end(body);
    });
  }

  /** Lets go of pooled connections (tests, the local runtime's shutdown). */
  async close(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
