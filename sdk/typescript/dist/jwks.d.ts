import { type ConstructEventOptions, type WebhookHeaders } from './receive.js';
/** An ed25519 webhook's public keys, as `GET /v1/jwks/{tenant_id}/{id}` answers them (RFC 7517, RFC 8037). */
export interface JwkSet {
    keys: Array<{
        kty: 'OKP';
        crv: 'Ed25519';
        x: string;
        kid: string;
        use?: string;
        alg?: string;
        status?: 'current' | 'previous';
        expires_at?: string | null;
    }>;
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
/**
 * Verifies an ed25519 webhook's deliveries with the keys its JWK set lists, so a receiver copies
 * no key by hand and follows a rotation by itself: the set is cached for its max-age, and a
 * signature none of the cached keys verifies fetches it again (at most every `refetchAfterMs`,
 * so forged requests cannot make it hammer the route) before it is refused.
 */
export declare class WebhookKeySet {
    readonly url: string;
    private readonly options;
    private keys;
    private fetchedAt;
    private freshUntil;
    private pending;
    constructor(url: string, options?: WebhookKeySetOptions);
    private now;
    private load;
    /** The public keys (`whpk_…`) deliveries verify with now, fetched when the cache is stale. */
    publicKeys(): Promise<string[]>;
    /** `Webhook.constructEvent` with the set's keys: the parsed envelope, or WebhookSignatureError. */
    constructEvent<T = Record<string, unknown>>(payload: string | Buffer | Uint8Array, headers: WebhookHeaders, options?: ConstructEventOptions): Promise<T>;
}
