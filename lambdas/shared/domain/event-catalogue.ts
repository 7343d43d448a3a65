import * as z from 'zod/mini';
import type { JsonValue } from './python-json';

/**
 * The event catalogue with its schemas (issue 28): each event type's description, a JSON Schema
 * (draft 2020-12) with a version, an example payload, and what a publish that does not match
 * meets: `enforce` (refused, 400 with each violation), `warn` (accepted, counted and logged), or
 * `off`. The platform keeps one file per type in a folder the stack reads (`catalogueDir`);
 * `catalogue/` holds the seed types'. Compiling the schemas is the validator adapter's
 * (`adapters/event-data-validator.ts`, ajv); this module is their shape and the rules.
 */
export const VALIDATION_MODES = ['enforce', 'warn', 'off'] as const;
export type ValidationMode = (typeof VALIDATION_MODES)[number];

export interface CatalogueEntry {
  type: string;
  description: string;
  /** Raised by the platform when the schema changes; shown with it and in violations. */
  version: number;
  validation: ValidationMode;
  /** A JSON Schema (draft 2020-12) of the event's `data`; absent: any JSON object. */
  schema?: Record<string, JsonValue>;
  /** An event's `data` as the type sends it (it must match the schema). */
  example?: Record<string, JsonValue>;
}

/** Where a published event's data breaks its schema: a JSON pointer into the request, and what is wrong. */
export interface SchemaViolation {
  pointer: string;
  message: string;
}

/** What the validator port answers for one event's data. */
export interface DataCheck {
  mode: ValidationMode;
  version: number;
  violations: SchemaViolation[];
}

/** Checks events' data against their type's schema (compiled once per container, on first use). */
export interface EventDataValidator {
  check(type: string, data: unknown): DataCheck;
}

/** No schema checked: the catalogue's names only (a deployment that gives `eventTypes`, or a function that never publishes). */
export const noDataValidation: EventDataValidator = { check: () => ({ mode: 'off', version: 1, violations: [] }) };

const EVENT_TYPE = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9_-]+)+$/;

const entrySchema = z.strictObject({
  type: z.string().check(z.regex(EVENT_TYPE, 'must be dot-separated lowercase names (e.g. order.paid)'), z.maxLength(100)),
  description: z.string().check(z.maxLength(1000)),
  version: z.int().check(z.minimum(1)),
  validation: z.enum(VALIDATION_MODES),
  schema: z.optional(z.record(z.string(), z.unknown())),
  example: z.optional(z.record(z.string(), z.unknown())),
});

/** One catalogue file's entry, its shape checked; `source` names it in the error. */
export const parseCatalogueEntry = (raw: unknown, source: string): CatalogueEntry => {
  const parsed = entrySchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'entry'}: ${i.message}`).join('; ')}`);
  return parsed.data as CatalogueEntry;
};

/** A catalogue: entries of distinct types, in the order given. */
export const parseCatalogueEntries = (raw: unknown, source: string): CatalogueEntry[] => {
  if (!Array.isArray(raw)) throw new Error(`${source}: must be a list of event types`);
  const entries = raw.map((e, i) => parseCatalogueEntry(e, `${source}[${i}]`));
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.type)) throw new Error(`${source}: lists ${e.type} twice`);
    seen.add(e.type);
  }
  if (entries.length === 0) throw new Error(`${source}: holds no event type`);
  return entries;
};

/** A catalogue of names alone (the `eventTypes` property): no schema, nothing checked. */
export const namesOnly = (types: readonly string[]): CatalogueEntry[] => types.map((type) => ({ type, description: '', version: 1, validation: 'off' }));

/** The events hookpost itself sends, as the catalogue describes them (never published by the platform; not checked). */
export const SYSTEM_CATALOGUE: readonly CatalogueEntry[] = [
  {
    type: 'webhook.disabled',
    description: 'One of your webhooks was disabled: it answered 410 Gone, or every attempt failed for the stack\'s limit. It receives nothing until you enable it again.',
    version: 1,
    validation: 'off',
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { webhook_id: { type: 'string' }, url: { type: 'string' }, reason: { type: 'string' }, disabled_at: { type: 'string', format: 'date-time' } },
      required: ['webhook_id', 'url', 'reason', 'disabled_at'],
    },
    example: { webhook_id: 'wh_01JDZ8H5Q2W3E4R5T6Y7U8I9O0', url: 'https://example.com/hooks', reason: 'The receiver answered 410 Gone', disabled_at: '2026-12-01T09:30:00.000Z' },
  },
];
