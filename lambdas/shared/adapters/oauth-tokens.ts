import * as oauth from 'oauth4webapi';
import { RESPONSE_EXCERPT_BYTES, truncateUtf8 } from '../domain/model';
import type { HttpResult, HttpSender, PostOptions, TokenOutcome, TokenRequest, TokenSource } from '../domain/ports';

/** How long a token endpoint may take: a token is the first step of an attempt, not the attempt. */
export const TOKEN_TIMEOUT_MS = 10_000;
/** A token without `expires_in` is kept this long (RFC 6749 leaves its lifetime to the server's docs). */
export const DEFAULT_TOKEN_SECONDS = 300;
/** A token is fetched again this long before it expires (at most half its life), so none is sent as it expires. */
export const REFRESH_EARLY_MS = 60_000;
/** A token endpoint's answer is kept up to this size (a JWT with many claims runs to a few KB). */
const TOKEN_BODY_BYTES = 16 * 1024;
/** Tokens one container keeps; the oldest goes first beyond it. */
const MAX_CACHED = 1000;

/** The token endpoint did not answer: no HTTP status to hand to oauth4webapi. */
class NoAnswer extends Error {
  constructor(readonly result: HttpResult) {
    super(result.detail ?? result.error ?? 'no answer');
  }
}

/** Statuses a fetch Response cannot carry a body with. */
const NULL_BODY = new Set([204, 205, 304]);

/**
 * OAuth 2.0 client-credentials tokens (RFC 6749 §4.4) for receivers that want one. The grant
 * request and the answer's checks are oauth4webapi's (client authentication as RFC 6749 §2.3.1,
 * the token response's shape, error responses); its requests go through the webhook sender
 * (`customFetch`), so the token endpoint meets the same egress rules, DNS pinning, no redirects
 * and timeout as any receiver. Tokens are cached per container until shortly before they expire,
 * and a burst of attempts that finds none waits on one fetch (no stampede).
 */
export class OAuthTokenCache implements TokenSource {
  private readonly cached = new Map<string, { token: string; refreshAtMs: number }>();
  private readonly inFlight = new Map<string, Promise<TokenOutcome>>();

  constructor(
    private readonly http: HttpSender,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  async token(request: TokenRequest, options: Pick<PostOptions, 'timeoutMs' | 'notAfterMs'> & { rejected?: string } = {}): Promise<TokenOutcome> {
    const hit = this.cached.get(request.cacheKey);
    if (hit && hit.token === options.rejected) this.cached.delete(request.cacheKey);
    else if (hit && hit.refreshAtMs > this.clock()) return { ok: true, token: hit.token, cached: true };
    let fetching = this.inFlight.get(request.cacheKey);
    if (!fetching) {
      fetching = this.fetch(request, options).finally(() => this.inFlight.delete(request.cacheKey));
      this.inFlight.set(request.cacheKey, fetching);
    }
    return fetching;
  }

  private async fetch(request: TokenRequest, options: Pick<PostOptions, 'timeoutMs' | 'notAfterMs'>): Promise<TokenOutcome> {
    const as: oauth.AuthorizationServer = { issuer: new URL(request.tokenUrl).origin, token_endpoint: request.tokenUrl };
    const client: oauth.Client = { client_id: request.clientId };
    const clientAuth = request.clientAuth === 'client_secret_post' ? oauth.ClientSecretPost(request.clientSecret) : oauth.ClientSecretBasic(request.clientSecret);
    const parameters = new URLSearchParams();
    if (request.scope) parameters.set('scope', request.scope);
    if (request.audience) parameters.set('audience', request.audience);
    let answer: HttpResult | undefined;
    const started = this.clock();
    const post: typeof fetch = async (url, init) => {
      const headers = Object.fromEntries(new Headers(init?.headers).entries());
      answer = await this.http.post(String(url), headers, String(init?.body ?? ''), {
        timeoutMs: Math.min(options.timeoutMs ?? TOKEN_TIMEOUT_MS, TOKEN_TIMEOUT_MS),
        ...(options.notAfterMs === undefined ? {} : { notAfterMs: options.notAfterMs }),
        maxBodyBytes: TOKEN_BODY_BYTES,
      });
      const status = answer.statusCode;
      if (status === null || status < 200 || status > 599) throw new NoAnswer(answer);
      return new Response(NULL_BODY.has(status) ? null : (answer.bodyExcerpt ?? ''), { status, headers: answer.contentType ? { 'content-type': answer.contentType } : {} });
    };
    const failed = (detail: string): TokenOutcome => ({
      ok: false,
      detail: `token endpoint ${request.tokenUrl}: ${detail}`,
      response: {
        statusCode: answer?.statusCode ?? null,
        responseTimeMs: answer?.responseTimeMs ?? Math.round(this.clock() - started),
        responseBody: answer?.bodyExcerpt ? truncateUtf8(answer.bodyExcerpt, RESPONSE_EXCERPT_BYTES) : null,
      },
    });
    try {
      const response = await oauth.clientCredentialsGrantRequest(as, client, clientAuth, parameters, {
        [oauth.customFetch]: post,
        // http only where the egress rules let it through (locally); on AWS they refuse it first.
        ...(as.token_endpoint!.startsWith('http:') ? { [oauth.allowInsecureRequests]: true } : {}),
      });
      const token = await oauth.processClientCredentialsResponse(as, client, response);
      const lifetimeMs = (token.expires_in ?? DEFAULT_TOKEN_SECONDS) * 1000;
      const refreshAtMs = this.clock() + lifetimeMs - Math.min(REFRESH_EARLY_MS, lifetimeMs / 2);
      if (lifetimeMs > 0) this.keep(request.cacheKey, token.access_token, refreshAtMs);
      return { ok: true, token: token.access_token, cached: false };
    } catch (err) {
      if (err instanceof NoAnswer) return failed(`${err.result.error ?? 'no answer'}: ${err.result.detail ?? 'no response'}`);
      if (err instanceof oauth.ResponseBodyError) return failed(`answered ${err.status}: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`);
      const status = answer?.statusCode;
      return failed(`${status ? `answered ${status}, ` : ''}not a token: ${(err as Error).message}`);
    }
  }

  private keep(key: string, token: string, refreshAtMs: number): void {
    this.cached.delete(key);
    this.cached.set(key, { token, refreshAtMs });
    if (this.cached.size > MAX_CACHED) this.cached.delete(this.cached.keys().next().value!);
  }
}
