import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { freshAgents } from './fresh-agent';
import { ATTEMPT_TIMEOUT_MS, RESPONSE_EXCERPT_BYTES, truncateUtf8 } from '../domain/model';
import type { HttpResult, HttpSender, PostOptions } from '../domain/ports';
import { bareHost, type EgressRules, type Resolver, resolveChecked } from '../domain/target-policy';

export const REQUEST_TIMEOUT_MS = ATTEMPT_TIMEOUT_MS;

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

const seconds = (ms: number) => Math.round(ms / 100) / 10;
/** A socket that closed without an error of its own: described as a reset. */
const connectionClosed = () => Object.assign(new Error('the connection closed'), { code: 'ECONNRESET' });
const CUT_SHORT = " (cut short: the worker's invocation was ending)";

/** Where a request was when it failed, for a timeout's words. */
type Phase = 'connecting' | 'the TLS handshake' | 'waiting for the response headers' | 'reading the response body';

type Errno = { name?: string; code?: string; message?: string; address?: string; port?: number; cause?: { code?: string; message?: string } };

/**
 * What failed, in words a tenant can act on: who refused or reset the connection, why TLS
 * failed, what DNS answered, which phase ran out of time, what was wrong with the response.
 */
export const describeFailure = (err: unknown, error: Failure, context: { phase: Phase; host: string; timeoutMs: number; cutShort?: boolean }): string => {
  const e = err as Errno;
  const code = e?.code ?? e?.cause?.code ?? '';
  const message = (e?.message ?? e?.cause?.message ?? '').replace(/\s+/g, ' ').trim();
  switch (error) {
    case 'blocked':
      return message;
    case 'timeout':
      return `no response within ${seconds(context.timeoutMs)} s: ${context.phase}${context.cutShort ? CUT_SHORT : ''}`;
    case 'dns':
      return code === 'EAI_AGAIN' ? `the DNS lookup of ${context.host} failed for now (EAI_AGAIN)` : `${context.host} does not resolve`;
    case 'tls':
      return `TLS handshake failed: ${message || code}`;
    case 'connection':
      if (code === 'ECONNREFUSED') return `connection refused by ${e.address ?? context.host}:${e.port ?? ''}`.replace(/:$/, '');
      if (code === 'ECONNRESET' || message === 'socket hang up') {
        return `connection ${code === 'ECONNRESET' ? 'reset' : 'closed'} by the receiver ${context.phase === 'waiting for the response headers' ? 'before it answered' : `while ${context.phase}`}`;
      }
      if (code.startsWith('HPE_')) return `invalid HTTP response: ${message || code}`;
      if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${context.host} is unreachable (${code})`;
      return `connection failed: ${[code, message].filter(Boolean).join(' ') || 'unknown error'}`;
  }
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

/**
 * The first 1 KB of what arrived, cut on a character boundary, and 1 KB at most once decoded:
 * bytes that are not UTF-8 decode to U+FFFD (three bytes each), so a kilobyte of them would
 * otherwise store three.
 */
const excerptOf = (chunks: Buffer[], limit = RESPONSE_EXCERPT_BYTES): string => {
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  // Drop a trailing partial UTF-8 sequence rather than emit a replacement character.
  return truncateUtf8(new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/\uFFFD$/, ''), limit);
};

/** The most of a body any request keeps (a token endpoint's answer). */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * A client certificate for https.request: Node pools connections per certificate, key and CA
 * (they are part of the agent's connection name), so one webhook's never serves another's. A CA
 * bundle is added to the public roots: the server's certificate is still verified.
 */
const tlsOptions = (tls: PostOptions['tls']) => (tls ? { cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: [...rootCertificates, tls.ca] } : {}) } : {});

export interface HttpSenderOptions {
  timeoutMs?: number;
  /** Egress rules checked on the URL and inside the connection's lookup; absent: any target. */
  egress?: { rules: EgressRules; resolver: Resolver };
  /** Milliseconds, for how long a pooled connection has been idle (tests freeze it). @default performance.now */
  clock?: () => number;
}

/**
 * POSTs with Node's own http/https clients (no bundle weight: an HTTP client library would add
 * some 700 KB to every function, see the bench) under a hard deadline covering connect,
 * headers and the body excerpt; never follows redirects. Connections are kept alive per origin
 * across invocations of a container, but not reused after 4 s idle (`fresh-agent`); each new
 * one goes through the guarded lookup.
 */
export class NodeHttpSender implements HttpSender {
  private readonly timeoutMs: number;
  private readonly agents: ReturnType<typeof freshAgents>;
  private readonly lookup: ReturnType<typeof guardedLookup> | undefined;

  constructor(private readonly options: HttpSenderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
    this.agents = freshAgents(options.clock ? { clock: options.clock } : {});
    const egress = options.egress;
    this.lookup = egress?.rules.enforced ? guardedLookup(egress.rules, egress.resolver) : undefined;
  }

  async post(url: string, headers: Record<string, string>, body: string, options: PostOptions = {}): Promise<HttpResult> {
    const limitMs = options.timeoutMs ?? this.timeoutMs;
    const leftMs = options.notAfterMs === undefined ? Infinity : options.notAfterMs - Date.now();
    const cutShort = leftMs < limitMs;
    const timeoutMs = Math.max(0, Math.min(limitMs, leftMs));
    const target = new URL(url);
    const refusal = this.options.egress?.rules.urlRefusal(target) ?? null;
    if (refusal) return { statusCode: null, responseTimeMs: 0, error: 'blocked', detail: refusal, bodyExcerpt: null, retryAfterSeconds: null };
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const secure = target.protocol === 'https:';
    const keep = Math.min(options.maxBodyBytes ?? RESPONSE_EXCERPT_BYTES, MAX_BODY_BYTES);
    if (options.tls && !secure) return { statusCode: null, responseTimeMs: 0, error: 'tls', detail: 'a client certificate needs an https URL', bodyExcerpt: null, retryAfterSeconds: null };
    return new Promise<HttpResult>((resolve) => {
      let settled = false;
      // The one deadline of the attempt (lookup, connect, TLS, headers, body), owned here rather
      // than left to the request's events: some answers (a protocol switch nobody listens for)
      // end the socket without an error on the request, and an abort signal then aborts nothing.
      const deadline = setTimeout(() => {
        fail(Object.assign(new Error(`no response within ${timeoutMs} ms`), { name: 'TimeoutError' }));
        request.destroy();
      }, timeoutMs);
      const finish = (result: HttpResult) => {
        if (!settled) {
          settled = true;
          clearTimeout(deadline);
          resolve(result);
        }
      };
      let phase: Phase = 'connecting';
      // Once the status line and headers arrived, what follows cannot unsay them.
      let answered: ((bodyExcerpt: string | null, detail?: string) => void) | undefined;
      const fail = (err: unknown) => {
        const error = classifyFailure(err);
        const detail = describeFailure(err, error, { phase, host: bareHost(target), timeoutMs, cutShort });
        if (answered) return answered(null, `the response body ${error === 'timeout' ? `did not finish within ${seconds(timeoutMs)} s${cutShort ? CUT_SHORT : ''}` : `broke off (${detail})`}`);
        finish({ statusCode: null, responseTimeMs: elapsed(), error, detail, bodyExcerpt: null, retryAfterSeconds: null });
      };
      const request = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body, 'utf8')) },
          agent: secure ? this.agents.https : this.agents.http,
          ...(secure ? tlsOptions(options.tls) : {}),
          ...(this.lookup ? { lookup: this.lookup as never } : {}),
        },
        (response) => {
          phase = 'reading the response body';
          const statusCode = response.statusCode ?? 0;
          const waits = statusCode === 429 || statusCode === 503;
          const chunks: Buffer[] = [];
          const contentType = response.headers['content-type'];
          const done = (bodyExcerpt: string | null, detail?: string) =>
            finish({
              statusCode,
              responseTimeMs: elapsed(),
              error: null,
              ...(contentType ? { contentType } : {}),
              bodyExcerpt: bodyExcerpt ?? (chunks.length > 0 ? excerptOf(chunks, keep) : null),
              ...(detail ? { detail } : {}),
              retryAfterSeconds: waits ? parseRetryAfter(response.headers['retry-after'], Date.now()) : null,
            });
          answered = done;
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            size += chunk.byteLength;
            if (size >= keep) {
              done(excerptOf(chunks, keep));
              response.destroy(); // the rest is not read
            }
          });
          response.on('end', () => done(excerptOf(chunks, keep)));
          // The status already arrived; a body that breaks off does not change it.
          response.on('error', (err) => fail(err));
          response.on('close', () => (response.complete ? done(excerptOf(chunks, keep)) : fail(connectionClosed())));
        },
      );
      request.on('socket', (socket) => {
        const sent = () => (phase = 'waiting for the response headers');
        if (!socket.connecting) {
          sent(); // a kept-alive connection
          return;
        }
        socket.once('connect', () => (secure ? (phase = 'the TLS handshake') : sent()));
        if (secure) socket.once('secureConnect', sent);
      });
      request.on('error', fail);
      // A 101 to a POST: the receiver switched protocols instead of answering. Node hands the
      // socket to an `upgrade` listener, and without one destroys it and says nothing.
      request.on('upgrade', (response, socket) => {
        socket.destroy();
        finish({
          statusCode: response.statusCode ?? 101,
          responseTimeMs: elapsed(),
          error: null,
          detail: `the receiver switched protocols (${response.statusCode} ${response.headers.upgrade ?? 'upgrade'}) instead of answering`,
          bodyExcerpt: null,
          retryAfterSeconds: null,
        });
      });
      // Whatever else ends the request without a response or an error still settles it.
      request.on('close', () => fail(connectionClosed()));
      request.end(body);
    });
  }

  /** Lets go of pooled connections (tests, the local runtime's shutdown). */
  async close(): Promise<void> {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
