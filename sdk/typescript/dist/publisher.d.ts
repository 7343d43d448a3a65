import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
/**
 * Publishing events to hookpost from the platform's backend (`@hookpost/sdk/publisher`). On
 * AWS every request is signed with SigV4 (`execute-api`) with credentials from the standard
 * chain (the Lambda role, the environment, a profile); locally it takes the admin key.
 * Failures worth retrying (429, 5xx, a dropped connection) are retried with backoff and jitter,
 * honouring `Retry-After`, and every event keeps its idempotency key across retries (one is
 * made when none is given), so a retried request never publishes an event twice.
 */
export interface PublisherOptions {
    /** The API's base URL: the stack output `ApiUrl`, or `http://127.0.0.1:3000` locally. */
    baseUrl: string;
    /** Locally: the admin key (sent as a bearer token). Omit on AWS: requests are signed. */
    adminKey?: string;
    /** The stack's region, for SigV4. @default AWS_REGION, then us-east-1 */
    region?: string;
    /** Credentials for SigV4. @default the standard credential chain */
    credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
    /** Retries of a failed request. @default 5 */
    maxRetries?: number;
    /** The first backoff, doubled each retry (full jitter), and its cap, in ms. @default 200, 20_000 */
    backoffMs?: {
        first: number;
        max: number;
    };
    /** For tests. */
    fetch?: typeof fetch;
    sleep?: (ms: number) => Promise<void>;
}
export interface PublishEvent {
    tenantId: string;
    type: string;
    data: unknown;
    idempotencyKey?: string;
}
export interface Published {
    id: string;
    /** The idempotency key it was published with (given, or made for it). */
    idempotencyKey: string;
}
export declare class PublishError extends Error {
    readonly status: number;
    readonly code: string;
    constructor(status: number, code: string, message: string);
}
/** What `POST /v1/events/batch` takes at most: events, and bytes (with room for the envelope). */
export declare const BATCH_EVENTS = 100;
export declare const BATCH_BYTES = 1000000;
/** What publishing through EventBridge needs of a client: PutEvents, answering each entry's outcome in order. */
export interface EventBridgeLike {
    putEvents(entries: Array<{
        EventBusName: string;
        Source: string;
        DetailType: string;
        Detail: string;
    }>): Promise<Array<{
        EventId?: string;
        ErrorCode?: string;
    }>>;
}
export declare class HookpostPublisher {
    private readonly options;
    private readonly baseUrl;
    private signer;
    private readonly fetch;
    private readonly sleep;
    constructor(options: PublisherOptions);
    /** Publishes one event; answers its id. */
    publish(tenantId: string, type: string, data: unknown, idempotencyKey?: string): Promise<Published>;
    /**
     * Publishes any number of events, split into API batches (at most 100 events and about 1 MB
     * each), one batch after another; answers their ids in order. A batch is all or nothing, so
     * a failure leaves the batches before it published (their ids are in the error's `published`).
     */
    publishBatch(events: PublishEvent[]): Promise<Published[]>;
    /**
     * A single-use, short-lived link to the dashboard signed in as `tenantId`, to hand to that
     * tenant instead of an API key: `url` holds its token, so treat it as a secret. It may do
     * what `capabilities` grant beyond reading (default: all; `readOnly`: none), on `webhookIds`
     * alone if given, subscribing webhooks to `eventTypes` alone if given: the API enforces it.
     */
    portalLink(tenantId: string, options?: {
        readOnly?: boolean;
        ttlSeconds?: number;
        capabilities?: PortalCapability[];
        webhookIds?: string[];
        eventTypes?: string[];
    }): Promise<{
        url: string;
        readOnly: boolean;
        capabilities: PortalCapability[];
        webhookIds: string[] | null;
        eventTypes: string[] | null;
        expiresAt: string;
    }>;
    /**
     * Erases a tenant and everything of it (keys, portal links, webhooks, deliveries, stored
     * events, pending retries, its audit trail), in the background: from the answer on it is not
     * found and nothing more is delivered for it. Asked again, the erasure as it stands.
     */
    eraseTenant(tenantId: string): Promise<TenantErasure>;
    /** A tenant's erasure: its progress (`status: 'erasing'`), then its receipt (`'done'`, kept for the retention). */
    tenantErasure(tenantId: string): Promise<TenantErasure>;
    /**
     * Publishes through the hookpost EventBridge bus (stack output `EventBusName`) instead of the
     * API: detail-type = the event type, detail = `{tenant_id, data}`, ten entries a PutEvents;
     * entries EventBridge refuses are sent again (with backoff), and any still refused after the
     * retries are reported. Needs `events:PutEvents` on the bus (`Hookpost.grantPublish`).
     */
    publishToEventBus(events: Array<Omit<PublishEvent, 'idempotencyKey'>>, busName: string, client?: EventBridgeLike): Promise<void>;
    /** One request, retried while it may succeed: the same body, so the same idempotency keys. */
    private send;
    private headers;
}
/** What a portal link may let its session do beyond reading. */
export type PortalCapability = 'manage_webhooks' | 'rotate_secrets' | 'retry' | 'erase_payloads';
/** What a tenant's erasure has erased so far, by kind (`other`: pointers, audit copies, pace and rate windows, markers, the tenant itself). */
export interface TenantErasure {
    tenantId: string;
    status: 'erasing' | 'done';
    requestedAt: string;
    /** The platform's IAM principal ARN that asked. */
    requestedBy: string;
    finishedAt: string | null;
    counts: Record<'api_keys' | 'portal_sessions' | 'portal_links' | 'webhooks' | 'deliveries' | 'attempts' | 'events' | 'recoveries' | 'audit_records' | 'retry_schedules' | 'other', number>;
}
/** Consecutive batches of at most BATCH_EVENTS events and BATCH_BYTES of JSON. */
export declare const splitBatches: <T extends {
    data: unknown;
}>(events: T[]) => T[][];
