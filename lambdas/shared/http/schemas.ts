import { z } from 'zod';
import { SYSTEM_EVENT_TYPES } from '../domain/catalogue';

/**
 * The request schemas of every route, built once per container from the deployment's event
 * catalogue. Types are derived from them with z.infer, never written twice.
 */
export const LIMITS = {
  bodyBytes: 1024 * 1024,
  eventDataBytes: 256 * 1024,
  urlLength: 2048,
  batchSize: 100,
  idempotencyKeyLength: 255,
} as const;

export const TENANT_ID = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be 1-64 characters: letters, digits, and . _ : - (not first)');

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
  .max(LIMITS.urlLength, `must be at most ${LIMITS.urlLength} characters`)
  .refine(isHttpUrl, 'must be an absolute http or https URL');

export const SECRET = z
  .string()
  .min(16, 'must be 16 to 256 characters')
  .max(256, 'must be 16 to 256 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const eventTypeOf = (types: readonly string[]) => {
  const known = new Set(types);
  const validList = types.join(', ');
  return z.string().superRefine((value, ctx) => {
    if (!known.has(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown event type "${value}"; valid types: ${validList}`,
        params: { code: 'unknown_event_type' },
      });
    }
  });
};

export const buildSchemas = (catalogue: readonly string[]) => {
  // The platform publishes catalogue types; endpoints may also subscribe to hookpost's own.
  const eventType = eventTypeOf(catalogue);
  const subscribable = [...catalogue, ...SYSTEM_EVENT_TYPES];
  const eventList = z
    .array(eventTypeOf(subscribable))
    .max(subscribable.length, `lists more event types than the catalogue has (${subscribable.length})`)
    .refine((list) => new Set(list).size === list.length, 'lists an event type twice');

  const accountRegister = z.strictObject({
    url: WEBHOOK_URL,
    event_types: eventList.nullable().optional(),
  });

  const adminCreate = z.strictObject({
    url: WEBHOOK_URL,
    events: eventList.min(1, 'must list at least one event type'),
    secret: SECRET.optional(),
  });

  const adminUpdate = z
    .strictObject({
      url: WEBHOOK_URL.optional(),
      events: eventList.min(1, 'must list at least one event type').optional(),
      status: z.enum(['active', 'disabled']).optional(),
    })
    .refine((v) => v.url !== undefined || v.events !== undefined || v.status !== undefined, 'send at least one of url, events, status');

  const publish = z.strictObject({
    tenant_id: TENANT_ID,
    type: eventType,
    data: z.custom<Record<string, unknown>>(isPlainObject, 'must be a JSON object'),
  });

  const publishBatch = z.strictObject({
    events: z
      .array(publish.extend({ idempotency_key: z.string().min(1).max(LIMITS.idempotencyKeyLength).optional() }))
      .min(1, 'must hold at least one event')
      .max(LIMITS.batchSize, `holds at most ${LIMITS.batchSize} events`),
  });

  const pagination = z.strictObject({
    offset: z.coerce.number().int('must be a whole number').min(0).max(100_000).default(0),
    limit: z.coerce.number().int('must be a whole number').min(1).max(100).default(20),
  });

  const recover = z.strictObject({
    since: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time' }).transform((v) => new Date(v).toISOString()),
    until: z.iso
      .datetime({ offset: true, message: 'must be an ISO-8601 date-time' })
      .transform((v) => new Date(v).toISOString())
      .optional(),
  });

  const createTenant = z.strictObject({ id: TENANT_ID, name: z.string().min(1).max(200).optional() });

  return { accountRegister, adminCreate, adminUpdate, publish, publishBatch, pagination, recover, createTenant };
};

export type Schemas = ReturnType<typeof buildSchemas>;
export type PublishBody = z.infer<Schemas['publish']>;
