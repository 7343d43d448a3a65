export declare class WebhookSignatureError extends Error {
    constructor(message: string);
}
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;
export interface ConstructEventOptions {
    /** How far `webhook-timestamp` may be from now, in seconds. @default 300 */
    toleranceSeconds?: number;
    /** The current time in Unix seconds (tests). */
    now?: number;
}
export declare const Webhook: {
    /**
     * Verifies a delivery and returns its parsed envelope. `payload` must be the raw body, as
     * received. `secret` may list several secrets (during a rotation). Checks, in this order of
     * preference, whichever the headers carry: `webhook-signature` (Standard Webhooks, also sent
     * as `svix-*`: its `v1,` entries with a secret, its `v1a,` Ed25519 entries with an ed25519
     * webhook's public key, `whpk_…`, passed as the secret), `X-Webhook-Signature` (`sha256=<hex>`), `X-Auggie-Signature` (hex). When
     * `webhook-timestamp` is present it must be within the tolerance (it is required, and
     * signed, for the first scheme). Throws WebhookSignatureError otherwise.
     */
    constructEvent<T = Record<string, unknown>>(payload: string | Buffer | Uint8Array, headers: WebhookHeaders, secret: string | readonly string[], options?: ConstructEventOptions): T;
};
