import { validateHeaderName, validateHeaderValue } from 'node:http';
import { PatternError, validatePattern } from '../domain/event-filter';
import { DEFAULT_PORTAL_TTL_SECONDS, MAX_PORTAL_TTL_SECONDS } from '../domain/portal';
import { withPlainNumbers } from '../domain/exact-json';
import * as z from 'zod/mini';
import { SYSTEM_EVENT_TYPES } from '../domain/catalogue';
import { MAX_ROTATION_GRACE_SECONDS } from '../domain/endpoints';
import { reservedHeaderReason } from '../domain/reserved-headers';
import { receiverAuth, sensitiveHeaderNames } from './auth-schemas';
import { AUDIT_ACTIONS } from '../domain/audit';
import { MAX_RETENTION_DAYS } from '../domain/tenants';
import { PORTAL_CAPABILITIES } from '../domain/portal-scope';
import { COLOR_SCHEMES, FONT_FAMILY } from '../portal-settings';

/**
 * The request schemas of every route, built from the deployment's event catalogue, each on
 * first use (`buildSchemas`). Types are derived from them with z.infer, never written twice. Written with
 * zod/mini, which tree-shakes: the classic API adds about 430 KB to every bundle (see the bench).
 */
export const LIMITS = {
  bodyBytes: 1024 * 1024,
  eventDataBytes: 256 * 1024,
  urlLength: 2048,
  batchSize: 100,
  idempotencyKeyLength: 255,
  /** Arrays and objects nested in a request body. */
  jsonDepth: 32,
  /** Names and values of all request headers together (API Gateway allows 10 KB with the request line). */
  headerBytes: 10_240,
  /** The deepest history offset: a page reads every delivery before it, so deeper ones walk with `starting_after`. */
  historyOffset: 1000,
} as const;

export const TENANT_ID = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be 1-64 characters: letters, digits, and . _ : - (not first)'));

const isHttpUrl = (value: string): boolean => {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
};

export const WEBHOOK_URL = z
  .string()
  .check(z.maxLength(LIMITS.urlLength, `must be at most ${LIMITS.urlLength} characters`), z.refine(isHttpUrl, 'must be an absolute http or https URL'));

export const SIGNATURE_SCHEMES = ['hmac-sha256', 'ed25519'] as const;

export const SECRET = z
  .string()
  .check(
    z.minLength(16, 'must be 16 to 256 characters'),
    z.maxLength(256, 'must be 16 to 256 characters'),
    z.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
  );

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const eventTypeOf = (types: readonly string[]) => {
  const known = new Set(types);
  const validList = types.join(', ');
  const schema = z.string().check(
    z.superRefine((value, ctx) => {
      if (!known.has(value)) {
        ctx.issues.push({
          code: 'custom',
          input: value,
          message: `unknown event type "${value}"; valid types: ${validList}`,
          params: { code: 'unknown_event_type' },
        });
      }
    }),
  );
  // The OpenAPI document lists the catalogue (the check above carries the friendlier error).
  z.globalRegistry.add(schema, { enum: [...types] });
  return schema;
};

const wholeNumber = (min: number, max: number) =>
  z.coerce.number().check(z.int('must be a whole number'), z.minimum(min, `must be at least ${min}`), z.maximum(max, `must be at most ${max}`));

/** A page's size and where it starts, as every list of deliveries takes them. */
const pageLimit = () => z._default(wholeNumber(1, 100), 20);
const deliveryCursor = () => z.optional(z.string().check(z.regex(/^dlv_[0-9a-z]{26}$/, 'must be a delivery id (dlv_...)')));

export const MAX_CUSTOM_HEADERS = 20;

/** Custom request headers: names are HTTP tokens (checked by node:http itself), values one line of at most 2 KB. */
const customHeaders = (update = false) => {
  const schema = z.record(z.string(), update ? z.nullable(z.string()) : z.string()).check(
    z.superRefine((headers, ctx) => {
      const names = Object.keys(headers);
      if (names.length > MAX_CUSTOM_HEADERS) ctx.issues.push({ code: 'custom', input: headers, path: [], message: `at most ${MAX_CUSTOM_HEADERS} headers` });
      for (const name of names) {
        const refuse = (message: string) => ctx.issues.push({ code: 'custom', input: name, path: [name], message });
        try {
          validateHeaderName(name);
        } catch {
          refuse('is not a valid header name (an HTTP token: letters, digits and !#$%&\'*+-.^_`|~)');
          continue;
        }
        const reserved = reservedHeaderReason(name);
        if (reserved) {
          refuse(reserved);
          continue;
        }
        const value = headers[name];
        if (value === null || value === undefined) continue; // an update removing it
        try {
          validateHeaderValue(name, value);
          if (value.length > 2048) throw new Error();
        } catch {
          refuse('must be one line of printable characters, at most 2048');
        }
      }
    }),
  );
  z.globalRegistry.add(schema, {
    description: `Request headers sent with every delivery, name to value (at most ${MAX_CUSTOM_HEADERS}); hop-by-hop headers, host, content-type, content-length, every signature or webhook-* header, and cloud providers' and proxies' own request headers (x-amz-*, x-amzn-*, x-goog-*, x-ms-*, x-azure-*, cf-*, x-forwarded-*, x-envoy-*, forwarded, x-real-ip, via) are refused. Values of Authorization, Cookie, X-Api-Key and those named in sensitive_headers are credentials: sealed, never returned. On PATCH the map replaces the shown headers; a credential header is kept unless named (a value replaces it, null removes it); {} removes every header.`,
  });
  return schema;
};

/** A whole number in a JSON body (a query string's are coerced; a body's must be numbers). */
const bodyWholeNumber = (min: number, max: number) =>
  z.number().check(z.int('must be a whole number'), z.minimum(min, `must be at least ${min}`), z.maximum(max, `must be at most ${max}`));
/** An endpoint's own retry schedule: 1 to 10 delays of 1 to 172,800 seconds (two days). */
const endpointSchedule = () => z.array(bodyWholeNumber(1, 172_800)).check(z.minLength(1, 'must hold 1 to 10 delays'), z.maxLength(10, 'must hold 1 to 10 delays'));
/** An endpoint's own request timeout, in seconds. */
const endpointTimeout = () => bodyWholeNumber(1, 30);
/** Attempts a second: above 500, one endpoint's counter would near DynamoDB's 1,000 writes a second per key. */
export const MAX_RATE_LIMIT_PER_SECOND = 500;
const rateLimit = () =>
  bodyWholeNumber(1, MAX_RATE_LIMIT_PER_SECOND).register(z.globalRegistry, {
    description: `At most this many attempts to the endpoint begin in any one second (1-${MAX_RATE_LIMIT_PER_SECOND}), across all workers; deliveries above it wait their turn, and waiting is not a failed attempt.`,
  });

/**
 * An endpoint's content filter: an EventBridge event pattern over the event's `data`
 * (`domain/event-filter.ts`); a fault is named by its path in the pattern.
 */
const contentFilter = () => {
  // The body's parser keeps numbers exact; a pattern compares them as numbers.
  const schema = z.pipe(z.record(z.string(), z.unknown()), z.transform((p) => withPlainNumbers(p) as Record<string, unknown>)).check(
    z.superRefine((pattern, ctx) => {
      try {
        validatePattern(pattern, 'filter');
      } catch (e) {
        if (!(e instanceof PatternError)) throw e;
        ctx.issues.push({ code: 'custom', input: pattern, path: e.path.split('.').slice(1), message: e.reason });
      }
    }),
  );
  z.globalRegistry.add(schema, {
    description:
      'An EventBridge event pattern matched against the event\'s data: exact values, prefix, suffix, equals-ignore-case, anything-but, numeric, exists, $or. An event of a subscribed type that does not match is not delivered (nor recorded). null on PATCH removes it.',
  });
  return schema;
};

/** An AWS destination (issue 26): the ARNs' own grammar is checked by the domain (`domain/destinations.ts`), which names what is wrong. */
const destinationInput = () =>
  z
    .strictObject({
      type: z.enum(['eventbridge', 'sqs', 'sns'], { error: 'must be one of eventbridge, sqs, sns' }),
      target: z.string().check(z.minLength(1, 'must be the bus or topic ARN, or the queue URL or ARN'), z.maxLength(LIMITS.urlLength, `must be at most ${LIMITS.urlLength} characters`)),
      role_arn: z.string().check(z.minLength(1, 'must be the ARN of your role that hookpost assumes'), z.maxLength(2048, 'must be at most 2048 characters')),
    })
    .register(z.globalRegistry, {
      description:
        "Deliver into your own AWS account instead of to a URL: an EventBridge bus ARN, an SQS queue URL or ARN (standard or FIFO), or an SNS topic ARN (standard or FIFO), written through role_arn, a role of yours that trusts hookpost's principal with your external id (GET /api/v1/admin/destinations/trust). Roles and targets in the platform's own account are refused.",
    });

/** A value built the first time it is asked for. */
const once = <T>(build: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= build());
};

/**
 * Every route's request schema, each built the first time it is used: a function builds only
 * the schemas of its own routes, not the whole API's at cold start (zod builds eagerly).
 */
const lazily = <F extends Record<string, () => unknown>>(factories: F): { readonly [K in keyof F]: ReturnType<F[K]> } => {
  const built = {} as { [K in keyof F]: ReturnType<F[K]> };
  for (const [name, factory] of Object.entries(factories)) {
    Object.defineProperty(built, name, { get: once(factory), enumerable: true });
  }
  return built;
};

export const buildSchemas = (catalogue: readonly string[]) => {
  // The platform publishes catalogue types; endpoints may also subscribe to hookpost's own.
  const eventType = once(() => eventTypeOf(catalogue));
  const subscribable = [...catalogue, ...SYSTEM_EVENT_TYPES];
  const eventList = once(() =>
    z.array(eventTypeOf(subscribable)).check(
      z.maxLength(subscribable.length, `lists more event types than the catalogue has (${subscribable.length})`),
      z.refine((list: string[]) => new Set(list).size === list.length, 'lists an event type twice'),
    ),
  );
  const nonEmptyEventList = once(() => eventList().check(z.minLength(1, 'must list at least one event type')));
  const publish = once(() =>
    z.strictObject({
      tenant_id: TENANT_ID,
      type: eventType(),
      data: z.custom<Record<string, unknown>>(isPlainObject, 'must be a JSON object'),
    }),
  );
  const gracePeriod = once(() =>
    z.optional(
      z.number().check(
        z.int('must be a whole number of seconds'),
        z.minimum(0, 'must be at least 0'),
        z.maximum(MAX_ROTATION_GRACE_SECONDS, `must be at most ${MAX_ROTATION_GRACE_SECONDS} (7 days)`),
      ),
    ),
  );
  // Delivery ids encode their event's time from 1970 on (ULID time): a time before that, or
  // past what a Date writes with four digits, names no delivery.
  const isoTime = once(() =>
    z.pipe(
      z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time' }),
      z.pipe(
        z.transform((v: string) => new Date(v).toISOString()),
        z.string().check(
          z.refine((v) => v >= '1970-01-01T00:00:00.000Z' && /^\d{4}-/.test(v), 'must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z'),
        ),
      ),
    ),
  );

  return lazily({
    accountRegister: () =>
      z.strictObject({
        url: WEBHOOK_URL,
        event_types: z.optional(z.nullable(eventList())),
      }),
    adminCreate: () =>
      z
        .strictObject({
          url: z.optional(WEBHOOK_URL).register(z.globalRegistry, { description: 'Where deliveries are POSTed. Give either url or destination.' }),
          destination: z.optional(destinationInput()),
          events: nonEmptyEventList(),
          secret: z.optional(SECRET),
          headers: z.optional(customHeaders()),
          sensitive_headers: z.optional(sensitiveHeaderNames()),
          auth: z.optional(receiverAuth(WEBHOOK_URL, false)),
          retry_schedule: z.optional(endpointSchedule()),
          timeout_seconds: z.optional(endpointTimeout()),
          filter: z.optional(contentFilter()),
          rate_limit_per_second: z.optional(rateLimit()),
          ordered: z.optional(z.boolean({ error: 'must be true or false' })).register(z.globalRegistry, {
            description:
              'true: deliveries are attempted one at a time in publish order, a retrying delivery holding the ones behind it until it succeeds or fails for good. Chosen at creation.',
          }),
          signature_scheme: z.optional(z.enum(SIGNATURE_SCHEMES, { error: `must be one of ${SIGNATURE_SCHEMES.join(', ')}` })).register(z.globalRegistry, {
            description: 'hmac-sha256 (the default): signed with the shared secret. ed25519: signed with a key pair made by hookpost; the answer carries public_key, never a secret.',
          }),
        })
        .check(
          z.refine((v) => !(v.signature_scheme === 'ed25519' && v.secret !== undefined), {
            path: ['secret'],
            message: 'an ed25519 webhook\'s key pair is made by hookpost: send no secret',
          }),
          z.refine((v) => (v.url === undefined) !== (v.destination === undefined), {
            path: ['url'],
            message: 'give either url (deliveries POSTed to it) or destination (your AWS bus, queue or topic), not both',
          }),
          z.refine((v) => v.destination === undefined || v.headers === undefined, { path: ['headers'], message: 'an AWS destination takes no request headers' }),
          z.refine((v) => v.destination === undefined || v.auth === undefined, { path: ['auth'], message: 'an AWS destination is reached through your role; it takes no receiver auth' }),
        ),
    adminUpdate: () =>
      z
        .strictObject({
          url: z.optional(WEBHOOK_URL),
          destination: z.optional(destinationInput()),
          events: z.optional(nonEmptyEventList()),
          status: z.optional(z.enum(['active', 'disabled'])),
          headers: z.optional(customHeaders(true)),
          sensitive_headers: z.optional(sensitiveHeaderNames()),
          auth: z.optional(z.nullable(receiverAuth(WEBHOOK_URL, true))),
          retry_schedule: z.optional(z.nullable(endpointSchedule())),
          timeout_seconds: z.optional(z.nullable(endpointTimeout())),
          filter: z.optional(z.nullable(contentFilter())),
          rate_limit_per_second: z.optional(z.nullable(rateLimit())),
          signature_scheme: z.optional(z.never({ error: 'is chosen when the webhook is created: create a new webhook to change it' })),
          ordered: z.optional(z.never({ error: 'is chosen when the webhook is created: create a new webhook to change it' })),
        })
        .check(z.refine((v) => Object.values(v).some((x) => x !== undefined), 'send at least one of url, destination, events, status, headers, sensitive_headers, auth, retry_schedule, timeout_seconds, filter, rate_limit_per_second')),
    destinationTrust: () =>
      z
        .strictObject({
          type: z.optional(z.enum(['eventbridge', 'sqs', 'sns'], { error: 'must be one of eventbridge, sqs, sns' })),
          target: z.optional(z.string().check(z.minLength(1), z.maxLength(LIMITS.urlLength))),
        })
        .check(z.refine((q) => (q.type === undefined) === (q.target === undefined), { path: ['target'], message: 'give type and target together (for the CloudFormation template of that target), or neither' })),
    rotateAccount: () => z.pipe(z.optional(z.strictObject({ grace_period_seconds: gracePeriod() })), z.transform((v) => v ?? {})),
    rotateAdmin: () =>
      z.pipe(
        z.optional(z.strictObject({ grace_period_seconds: gracePeriod(), secret: z.optional(SECRET) })),
        z.transform((v) => v ?? {}),
      ),
    publish,
    publishBatch: () =>
      z.strictObject({
        events: z
          .array(z.extend(publish(), { idempotency_key: z.optional(z.string().check(z.minLength(1), z.maxLength(LIMITS.idempotencyKeyLength))) }))
          .check(z.minLength(1, 'must hold at least one event'), z.maxLength(LIMITS.batchSize, `holds at most ${LIMITS.batchSize} events`)),
      }),
    pagination: () =>
      z
        .strictObject({
          offset: z._default(
            z.coerce.number().check(
              z.int('must be a whole number'),
              z.minimum(0, 'must be at least 0'),
              z.superRefine((value, ctx) => {
                if (value > LIMITS.historyOffset) {
                  ctx.issues.push({
                    code: 'custom',
                    input: value,
                    message: `must be at most ${LIMITS.historyOffset}; walk deeper with starting_after (the last delivery id of a page, or the page's next_starting_after)`,
                    params: { code: 'offset_too_large' },
                  });
                }
              }),
            ).register(z.globalRegistry, { maximum: LIMITS.historyOffset, description: `At most ${LIMITS.historyOffset}: walk deeper with starting_after.` }),
            0,
          ),
          limit: pageLimit(),
          status: z.optional(z.enum(['pending', 'retrying', 'succeeded', 'failed'])),
          starting_after: deliveryCursor(),
        })
        .check(z.refine((q) => q.starting_after === undefined || q.offset === 0, { message: 'offset and starting_after: give one or the other', path: ['starting_after'] })),
    auditPage: () =>
      z.strictObject({
        limit: pageLimit(),
        starting_after: z.optional(z.string().check(z.regex(/^aud_[0-9a-z]{26}$/, 'must be an audit record id (aud_...)'))),
        webhook_id: z.optional(z.string().check(z.regex(/^wh_[0-9A-Za-z]{26}$/, 'must be a webhook id (wh_...)'))),
        action: z.optional(z.enum(AUDIT_ACTIONS, { error: `must be one of ${AUDIT_ACTIONS.join(', ')}` })),
      }),
    failedPage: () =>
      z.strictObject({ limit: pageLimit(), starting_after: deliveryCursor() }),
    recover: () => z.strictObject({ since: isoTime(), until: z.optional(isoTime()) }),
    updateTenant: () =>
      z.strictObject({
        retention_days: z.nullable(bodyWholeNumber(1, MAX_RETENTION_DAYS)).register(z.globalRegistry, {
          description: "Days this tenant's events, deliveries and audit records are kept, for what is written from now on (within a minute); null: the stack's retentionDays.",
        }),
      }),
    createTenant: () => z.strictObject({ id: TENANT_ID, name: z.optional(z.string().check(z.minLength(1), z.maxLength(200))) }),
    portalSessionCreate: () =>
      z.pipe(
        z.optional(
          z.strictObject({
            read_only: z.optional(z.boolean({ error: 'must be true or false' })),
            ttl_seconds: z.optional(bodyWholeNumber(1, MAX_PORTAL_TTL_SECONDS)).register(z.globalRegistry, {
              description: `How long the link may be opened, and the session it starts lasts (default ${DEFAULT_PORTAL_TTL_SECONDS}).`,
            }),
            capabilities: z
              .optional(
                z.array(z.enum(PORTAL_CAPABILITIES, { error: `must each be one of ${PORTAL_CAPABILITIES.join(', ')}` })).check(z.refine((l: string[]) => new Set(l).size === l.length, 'lists a capability twice')),
              )
              .register(z.globalRegistry, {
                description: `What the session may do beyond reading (default: all of ${PORTAL_CAPABILITIES.join(', ')}; [] is read_only). Enforced by the API.`,
              }),
            webhook_ids: z
              .optional(
                z.array(z.string().check(z.regex(/^wh_[0-9A-Za-z]{26}$/, 'must each be a webhook id (wh_...)'))).check(z.minLength(1, 'must list at least one webhook'), z.maxLength(50, 'lists at most 50 webhooks')),
              )
              .register(z.globalRegistry, { description: 'Only these webhooks of the tenant: the session sees and acts on them alone, and creates none.' }),
            event_types: z.optional(nonEmptyEventList()).register(z.globalRegistry, { description: 'The event types the session may subscribe webhooks to (never to every type).' }),
            theme: z
              .optional(
                z.strictObject({
                  accent_color: z.optional(z.string().check(z.regex(/^#[0-9a-fA-F]{6}$/, 'must be #rrggbb'))),
                  color_scheme: z.optional(z.enum(COLOR_SCHEMES, { error: 'must be light, dark or auto' })),
                  font_family: z.optional(z.string().check(z.regex(FONT_FAMILY, 'must be a CSS font-family list (letters, digits, spaces, commas, quotes, hyphens)'))),
                  radius_px: z.optional(bodyWholeNumber(0, 24)),
                }),
              )
              .register(z.globalRegistry, { description: "How this link's portal looks, over the stack's branding: accent, light, dark or the reader's (auto), fonts the reader has, corner radius." }),
          }),
        ),
        z.transform((v) => v ?? {}),
      ),
    testEvent: () =>
      z.pipe(
        z.optional(
          z.strictObject({
            event_type: z.optional(eventType()).register(z.globalRegistry, { description: "Send this type's example payload from the catalogue instead of hookpost's webhook.test event." }),
          }),
        ),
        z.transform((v) => v ?? {}),
      ),
    portalSessionOpen: () => z.strictObject({ token: z.string().check(z.regex(/^hpl_[A-Za-z0-9_-]{43}$/, 'is not a portal link token')) }),
  });
};

export type Schemas = ReturnType<typeof buildSchemas>;
export type PublishBody = z.infer<Schemas['publish']>;
