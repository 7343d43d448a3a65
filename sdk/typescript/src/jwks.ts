import { type ConstructEventOptions, Webhook, type WebhookHeaders, WebhookSignatureError } from './receive.js';

/** An ed25519 webhook's public keys, as `GET /v1/jwks/{tenant_id}/{id}` answers them (RFC 7517, RFC 8037). */
export interface JwkSet {
  keys: Array<{ kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; use?: string; alg?: string; status?: 'current' | 'previous'; expires_at?: string | null }>;
}

export interface WebhookKeySetOptions {
  /** How long a fetched set is used before it is fetched again, when the answer does not say (Cache-Control max-age). @default 300_000 */
  maxAgeMs?: number;
  /** A signature no cached key verifies fetches the set again, at most this often (a rotation's new key). @default 30_000 */
  refetchAfterMs?: number;
  /** The fetch to use (tests, proxies). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The current time in ms (tests). */
  now?: () => number;
}

const keyOf = (k: JwkSet['keys'][number]): string | undefined =>
  k.kty === 'OKP' && k.crv === 'Ed25519' && typeof k.x === 'string' ? `whpk_${Buffer.from(k.x, 'base64url').toString('base64')}` : undefined;

/**
 * Verifies an ed25519 webhook's deliveries with the keys its JWK set lists, so a receiver copies
 * no key by hand and follows a rotation by itself: the set is cached for its max-age, and a
 * signature none of the cached keys verifies fetches it again (at most every `refetchAfterMs`,
 * so forged requests cannot make it hammer the route) before it is refused.
 */
export class WebhookKeySet {
  private keys: string[] = [];
  private fetchedAt = -Infinity;
  private freshUntil = -Infinity;
  private pending: Promise<void> | undefined;

  constructor(
    readonly url: string,
    private readonly options: WebhookKeySetOptions = {},
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private load(): Promise<void> {
    this.pending ??= (async () => {
      try {
        const res = await (this.options.fetch ?? fetch)(this.url, { headers: { accept: 'application/json' } });
        if (!res.ok) throw new WebhookSignatureError(`The key set at ${this.url} answered ${res.status}`);
        const set = (await res.json()) as JwkSet;
        const keys = (Array.isArray(set?.keys) ? set.keys : []).map(keyOf).filter((k): k is string => k !== undefined);
        if (keys.length === 0) throw new WebhookSignatureError(`The key set at ${this.url} holds no Ed25519 key`);
        const maxAge = /max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '');
        this.keys = keys;
        this.fetchedAt = this.now();
        this.freshUntil = this.fetchedAt + (maxAge ? Number(maxAge[1]) * 1000 : (this.options.maxAgeMs ?? 300_000));
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }

  /** The public keys (`whpk_…`) deliveries verify with now, fetched when the cache is stale. */
  async publicKeys(): Promise<string[]> {
    if (this.now() >= this.freshUntil) await this.load();
    return this.keys;
  }

  /** `Webhook.constructEvent` with the set's keys: the parsed envelope, or WebhookSignatureError. */
  async constructEvent<T = Record<string, unknown>>(payload: string | Buffer | Uint8Array, headers: WebhookHeaders, options: ConstructEventOptions = {}): Promise<T> {
    const keys = await this.publicKeys();
    try {
      return Webhook.constructEvent<T>(payload, headers, keys, options);
    } catch (err) {
      // A key the cache does not know yet (a rotation since it was fetched): fetch once more.
      if (!(err instanceof WebhookSignatureError) || err.message !== 'The signature does not match') throw err;
      if (this.now() - this.fetchedAt < (this.options.refetchAfterMs ?? 30_000)) throw err;
      await this.load();
      return Webhook.constructEvent<T>(payload, headers, this.keys, options);
    }
  }
}
