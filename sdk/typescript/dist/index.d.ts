/**
 * hookpost's TypeScript SDK: a client for both webhook surfaces, and the receiver helper
 * `Webhook.constructEvent`, which verifies any of the three signature schemes a delivery
 * carries. No dependencies; Node 20+ (fetch, node:crypto).
 */
export { type ConstructEventOptions, Webhook, type WebhookHeaders, WebhookSignatureError } from './receive.js';
export { WebhookKeySet, type JwkSet, type WebhookKeySetOptions } from './jwks.js';
export declare class HookpostApiError extends Error {
    readonly status: number;
    readonly code: string;
    readonly retryAfterSeconds?: number | undefined;
    constructor(status: number, code: string, message: string, retryAfterSeconds?: number | undefined);
}
export interface AccountWebhook {
    object: 'webhook';
    url: string;
    secret?: string;
    active: boolean;
    event_types: string[] | null;
    previous_secret_expires_at?: string | null;
}
/** Header names the API refuses as a webhook's own, in any case (it answers 400 `validation_error`). */
export declare const RESERVED_HEADER_NAMES: readonly ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-type', 'content-length', 'expect', 'forwarded', 'x-real-ip', 'via'];
/** Prefixes the API refuses: hookpost's own signature headers, and cloud providers' and proxies' request headers. */
export declare const RESERVED_HEADER_PREFIXES: readonly ['webhook-', 'svix-', 'x-webhook-', 'x-auggie-', 'x-amz-', 'x-amzn-', 'x-goog-', 'x-ms-', 'x-azure-', 'cf-', 'x-forwarded-', 'x-envoy-'];
type ReservedHeader = (typeof RESERVED_HEADER_NAMES)[number] | `${(typeof RESERVED_HEADER_PREFIXES)[number]}${string}`;
/** Header changes of an update: a name the API refuses is a type error; null removes a header. */
export type CustomHeaderChanges<H> = {
    [K in keyof H]: K extends string ? (Lowercase<K> extends ReservedHeader ? never : string | null) : never;
};
/**
 * A webhook's own request headers: a name written as a literal that the API would refuse
 * (`X-Amz-Date`, `Host`, `webhook-id`, in any case) is a type error, not a 400 at run time.
 */
export type CustomHeaders<H> = {
    [K in keyof H]: K extends string ? (Lowercase<K> extends ReservedHeader ? never : string) : never;
};
/** Where an AWS destination delivers: an EventBridge bus, an SQS queue or an SNS topic of the tenant's, through its role. */
export interface DestinationInput {
    type: 'eventbridge' | 'sqs' | 'sns';
    /** The bus or topic ARN, or the queue's URL or ARN. */
    target: string;
    /** The tenant's role hookpost assumes (it trusts `DestinationTrust.principal` with the tenant's external id). */
    role_arn: string;
}
/** The trust an AWS destination's role must grant. */
export interface DestinationTrust {
    object: 'destination_trust';
    principal: string;
    external_id: string;
    trust_policy: {
        Version: string;
        Statement: Array<Record<string, unknown>>;
    };
    /** A CloudFormation template making the role, for the target asked about (null: none named). */
    cloudformation: Record<string, unknown> | null;
}
export interface DestinationCheck {
    object: 'destination_check';
    webhook_id: string;
    ok: boolean;
    problem: 'role_without_external_id' | 'role_not_assumable' | 'target_refused' | 'target_not_found' | 'kms_key_refused' | null;
    /** What happened, in plain words. */
    message: string;
    message_id: string | null;
    aws_error: {
        code: string;
        message: string;
    } | null;
}
export interface AdminWebhook {
    id: string;
    /** Where deliveries are POSTed; for an AWS destination, its target's ARN. */
    url: string;
    /** An AWS destination: the target, the role, and the trust the role must grant. */
    destination?: {
        type: DestinationInput['type'];
        target: string;
        queue_url?: string;
        role_arn: string;
        fifo: boolean;
        /** The trust the role must grant (the tenant routes answer it). */
        external_id?: string;
        principal?: string;
        trust_policy?: DestinationTrust['trust_policy'];
        cloudformation?: Record<string, unknown>;
    };
    events: string[] | null;
    status: 'active' | 'disabled';
    disabled_reason?: string;
    /** While its attempts keep failing: when the run's first failure was. */
    failing_since?: string;
    created_at: string;
    updated_at: string;
    surface: 'account' | 'admin';
    previous_secret_expires_at?: string;
    /** Request headers sent with every delivery (absent when none). */
    headers?: Record<string, string>;
    /** Seconds before each retry, for this endpoint (absent: the stack's schedule). */
    retry_schedule?: number[];
    /** Seconds a request may take, for this endpoint (absent: the stack's 30). */
    timeout_seconds?: number;
    /** An EventBridge event pattern over `data`: events that do not match are not delivered. */
    filter?: Record<string, unknown>;
    rate_limit_per_second?: number;
    ordered?: true;
    /** Present when deliveries are signed with a key pair (absent: HMAC with the secret). */
    signature_scheme?: 'ed25519';
    /** An ed25519 webhook's public key (`whpk_…`): pass it to `Webhook.constructEvent` as the secret. */
    public_key?: string;
    /** An ed25519 webhook's JWK set, at this path of the API (public): verify with `new WebhookKeySet(base + jwks_path)`. */
    jwks_path?: string;
    /** Request headers whose values are credentials: sent, never returned (only when each was set). */
    sensitive_headers?: Record<string, CredentialSet>;
    /** How hookpost proves itself to the receiver beyond the signature; credentials are write-only. */
    auth?: WebhookAuth;
    secret?: string;
}
/** One change of the audit trail. */
export interface AuditRecord {
    object: 'audit_record';
    id: string;
    at: string;
    action: string;
    actor: {
        type: 'api_key' | 'portal_session' | 'portal_link' | 'platform';
        id: string;
    };
    source: {
        ip: string | null;
        user_agent: string | null;
    };
    webhook_id: string | null;
    target: Record<string, string> | null;
    /** The fields that changed, as a read showed them before and after (credentials only as set_at). */
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
}
/** One type of the event catalogue. */
export interface EventType {
    object: 'event_type';
    type: string;
    description: string;
    version: number;
    /** What a publish whose data breaks the schema meets: refused (enforce), counted and logged (warn), or nothing (off). */
    validation: 'enforce' | 'warn' | 'off';
    schema: Record<string, unknown> | null;
    example: Record<string, unknown> | null;
    /** Sent by hookpost itself (webhook.disabled). */
    system: boolean;
}
/** A write-only credential: set, since `set_at`. */
export interface CredentialSet {
    set_at: string;
}
export type WebhookAuth = {
    type: 'basic';
    username: string;
    password: CredentialSet;
} | {
    type: 'oauth2_client_credentials';
    token_url: string;
    client_id: string;
    client_secret: CredentialSet;
    scope?: string;
    audience?: string;
    client_auth: 'client_secret_basic' | 'client_secret_post';
} | {
    type: 'mtls';
    certificate: {
        subject: string;
        issuer: string;
        not_before: string;
        not_after: string;
        fingerprint_sha256: string;
    };
    private_key: CredentialSet;
    ca_bundle?: {
        certificates: number;
    };
};
/** Receiver auth as a create sets it; on update a secret left out keeps the stored one (same type). */
export type WebhookAuthInput = {
    type: 'basic';
    username: string;
    password?: string;
} | {
    type: 'oauth2_client_credentials';
    token_url: string;
    client_id: string;
    client_secret?: string;
    scope?: string;
    audience?: string;
    client_auth?: 'client_secret_basic' | 'client_secret_post';
} | {
    type: 'mtls';
    certificate: string;
    private_key?: string;
    ca_bundle?: string;
};
/** A response recorded beside an attempt's own (the token endpoint's, or a 401 before a token refresh). */
export interface SideResponse {
    status_code: number | null;
    response_time_ms: number;
    response_body: string | null;
}
export interface Attempt {
    number: number;
    attempted_at: string;
    status_code: number | null;
    response_time_ms: number;
    error: string | null;
    error_detail: string | null;
    response_body: string | null;
    retry_after_seconds: number | null;
    trigger: 'automatic' | 'manual';
    /** An AWS destination's answer: the message or event id it took. */
    message_id: string | null;
    /** An AWS destination's refusal: the service's (or STS's) code and message. */
    aws_error: {
        code: string;
        message: string;
    } | null;
    /** The OAuth token endpoint's answer when it gave no token (error `auth`). */
    token_endpoint: SideResponse | null;
    /** The receiver's 401 to a cached token, after which a new one was fetched and the request sent again. */
    token_refresh: SideResponse | null;
}
export interface Delivery {
    id: string;
    object: 'delivery';
    webhook_id: string;
    event_id: string;
    event_type: string;
    status: 'pending' | 'retrying' | 'succeeded' | 'failed';
    status_code: number | null;
    response_time_ms: number | null;
    retry_count: number;
    next_attempt_at: string | null;
    created_at: string;
    updated_at: string;
    attempts: Attempt[];
}
/** Every list answers this shape: a page of `data`, and whether (and from where) more follow. */
export interface List<T> {
    object: 'list';
    data: T[];
    has_more: boolean;
    /** Pass as `starting_after` for the next page; null at the end. */
    next_starting_after: string | null;
}
/** A page of one webhook's history. */
export interface Page<T> extends List<T> {
    offset: number;
    limit: number;
    /** Known when this page reaches the end of the history; null when more follow. */
    total: number | null;
}
export interface Recovery {
    object: 'recovery';
    id: string;
    webhook_id: string;
    since: string;
    until: string;
    count: number;
    sent: number;
    status: 'running' | 'done';
    created_at: string;
}
/** A page of failed deliveries across every webhook, newest event first (it may come back short, or empty, while has_more says more follow). */
export interface FailedPage extends List<Delivery> {
    limit: number;
}
/** An event found by id: its data when hookpost kept it (null otherwise), and its delivery to each webhook. */
export interface FoundEvent {
    object: 'event';
    id: string;
    type: string;
    created_at: string;
    data: unknown;
    deliveries: Delivery[];
}
/** A webhook's last 24 hours, from its newest deliveries (at most 100; `complete` says whether that is all). */
export interface WebhookHealth {
    object: 'webhook_health';
    webhook_id: string;
    since: string;
    deliveries: number;
    complete: boolean;
    succeeded: number;
    failed: number;
    waiting: number;
    success_rate: number | null;
    last_attempt: Attempt | null;
}
export interface ClientOptions {
    /** The tenant's API key (`hpk_…`). */
    apiKey: string;
    /** The API's base URL (the stack's ApiUrl output; `http://127.0.0.1:3000` locally). */
    baseUrl: string;
    /** Sent as X-Org-ID; must name the key's organization. */
    orgId?: string;
    fetch?: typeof fetch;
}
/** A tenant's client for both surfaces: the account webhook (seed 000) and admin webhooks (seed 003). */
export declare class HookpostClient {
    private readonly options;
    private readonly base;
    private readonly doFetch;
    constructor(options: ClientOptions);
    private request;
    registerWebhook(input: {
        url: string;
        eventTypes?: string[] | null;
    }): Promise<AccountWebhook>;
    getWebhook(): Promise<AccountWebhook>;
    deleteWebhook(): Promise<void>;
    rotateWebhookSecret(input?: {
        gracePeriodSeconds?: number;
    }): Promise<AccountWebhook>;
    readonly webhooks: {
        /** A URL webhook (`url`), or an AWS destination (`destination`: see `destinationTrust`). */
        create: <H extends Record<string, string> = Record<string, string>>(input: ({
            url: string;
            destination?: never;
        } | {
            destination: DestinationInput;
            url?: never;
        }) & {
            events: string[];
            secret?: string;
            headers?: H & CustomHeaders<H>;
            retry_schedule?: number[];
            timeout_seconds?: number;
            filter?: Record<string, unknown>;
            /** At most this many attempts begin each second (1-500), across all workers. */
            rate_limit_per_second?: number;
            /** Deliveries attempted one at a time in publish order (chosen at creation). */
            ordered?: boolean;
            /** `ed25519`: signed with a key pair hookpost makes; the answer carries `public_key`, never a secret. */
            signature_scheme?: 'hmac-sha256' | 'ed25519';
            /** Which of `headers` carry credentials, beyond Authorization, Cookie and X-Api-Key: sealed, never returned. */
            sensitive_headers?: string[];
            /** Basic credentials, an OAuth 2.0 client-credentials token, or a client certificate. */
            auth?: WebhookAuthInput;
        }) => Promise<AdminWebhook>;
        /** Every webhook of the tenant (one page: `has_more` is false). */
        list: () => Promise<List<AdminWebhook>>;
        get: (id: string) => Promise<AdminWebhook>;
        /**
         * `headers` replaces the shown headers; a credential header is kept unless named (a value
         * replaces it, `null` removes it); `{}` removes every header. `null` puts an option back to the
         * stack's default; `auth: null` removes the receiver auth.
         */
        update: <H extends Record<string, string | null> = Record<string, string | null>>(id: string, changes: {
            url?: string;
            /** An AWS destination's new target or role (a URL webhook cannot become one). */
            destination?: DestinationInput;
            events?: string[];
            status?: 'active' | 'disabled';
            headers?: H & CustomHeaderChanges<H>;
            sensitive_headers?: string[];
            auth?: WebhookAuthInput | null;
            retry_schedule?: number[] | null;
            timeout_seconds?: number | null;
            filter?: Record<string, unknown> | null;
            rate_limit_per_second?: number | null;
        }) => Promise<AdminWebhook>;
        delete: (id: string) => Promise<void>;
        rotateSecret: (id: string, input?: {
            gracePeriodSeconds?: number;
            secret?: string;
        }) => Promise<AdminWebhook>;
        /** A signed test event to this webhook only: `webhook.test`, or with `eventType` that type's example from the catalogue. */
        sendTestEvent: (id: string, options?: {
            eventType?: string;
        }) => Promise<{
            object: 'test_event';
            event_id: string;
            webhook_id: string;
            type: string;
        }>;
        /** A page of a webhook's history, newest first: `offset` up to 1,000, deeper with `starting_after`. */
        deliveries: (id: string, query?: {
            offset?: number;
            limit?: number;
            status?: Delivery['status'];
            starting_after?: string;
        }) => Promise<Page<Delivery>>;
        delivery: (id: string, deliveryId: string) => Promise<Delivery>;
        retry: (id: string, deliveryId: string) => Promise<{
            object: 'retry';
            delivery_id: string;
            attempt: number;
            status: 'pending';
        }>;
        recover: (id: string, window: {
            since: Date | string;
            until?: Date | string;
        }) => Promise<Recovery>;
        recovery: (id: string, recoveryId: string) => Promise<Recovery>;
        health: (id: string) => Promise<WebhookHealth>;
        /** An AWS destination's check: hookpost assumes its role and writes a signed test message; what is wrong, in plain words. */
        checkDestination: (id: string) => Promise<DestinationCheck>;
    };
    /** The trust an AWS destination's role must grant; with a target, the CloudFormation template that makes the role. */
    /** The audit trail, newest first: who changed what, when and from where; by webhook or action, a page at a time. */
    auditLog(query?: {
        limit?: number;
        startingAfter?: string;
        webhookId?: string;
        action?: string;
    }): Promise<Page<AuditRecord> & {
        next_starting_after: string | null;
    }>;
    /** The event catalogue: each type's description, schema (JSON Schema 2020-12), version, validation mode and example. */
    eventTypes(): Promise<List<EventType>>;
    destinationTrust(target?: {
        type: DestinationInput['type'];
        target: string;
    }): Promise<DestinationTrust>;
    /** Failed deliveries of every webhook, newest event first, a page at a time. */
    failedDeliveries(query?: {
        limit?: number;
        starting_after?: string;
    }): Promise<FailedPage>;
    /** An event by id (the `webhook-id` a receiver got): its data when kept, and its delivery to each webhook. */
    getEvent(eventId: string): Promise<FoundEvent>;
}
