import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { CatalogueEntry, DataCheck, EventDataValidator, SchemaViolation } from '../domain/event-catalogue';
import { withPlainNumbers } from '../domain/exact-json';

/** At most this many violations are reported for one event (a wrong type at the root would list every property). */
const MAX_VIOLATIONS = 20;

/**
 * JSON Schema draft 2020-12 with ajv (its formats from ajv-formats: date-time, uri, email, …).
 * `allErrors` so that a publish is told of every violation at once; strict mode so that a schema
 * with a misspelt keyword is refused when the catalogue is read, not silently ignored.
 */
const newAjv = () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, validateFormats: true });
  addFormats(ajv);
  return ajv;
};

const violationOf = (e: ErrorObject): SchemaViolation => {
  // A missing property is named in its own pointer, as a reader looks for it.
  const missing = e.keyword === 'required' ? `/${String((e.params as { missingProperty: string }).missingProperty).replace(/~/g, '~0').replace(/\//g, '~1')}` : '';
  const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})` : '';
  return { pointer: `${e.instancePath}${missing}`, message: `${e.message ?? 'is invalid'}${extra}` };
};

const compile = (ajv: Ajv2020, entry: CatalogueEntry): ValidateFunction => {
  try {
    return ajv.compile(entry.schema!);
  } catch (err) {
    throw new Error(`event type ${entry.type}: its schema does not compile: ${(err as Error).message}`);
  }
};

/**
 * The catalogue's schemas, each compiled the first time an event of its type is checked, and
 * kept for the container's life. Types without a schema (or with validation `off`) pass.
 */
export const createEventDataValidator = (entries: readonly CatalogueEntry[]): EventDataValidator => {
  const ajv = newAjv();
  const byType = new Map(entries.map((e) => [e.type, e]));
  const compiled = new Map<string, ValidateFunction>();
  return {
    check(type, data): DataCheck {
      const entry = byType.get(type);
      if (!entry || !entry.schema || entry.validation === 'off') return { mode: entry?.validation ?? 'off', version: entry?.version ?? 1, violations: [] };
      let validate = compiled.get(type);
      if (!validate) compiled.set(type, (validate = compile(ajv, entry)));
      // The body's parser keeps numbers exact; a schema compares them as numbers.
      const ok = validate(withPlainNumbers(data));
      return { mode: entry.validation, version: entry.version, violations: ok ? [] : (validate.errors ?? []).slice(0, MAX_VIOLATIONS).map(violationOf) };
    },
  };
};

/**
 * Checks a whole catalogue before it is deployed or served (the stack's synth, `npm start`):
 * every schema compiles, and every example matches its own schema.
 */
export const checkCatalogue = (entries: readonly CatalogueEntry[]): void => {
  const ajv = newAjv();
  for (const entry of entries) {
    if (!entry.schema) continue;
    const validate = compile(ajv, entry);
    if (entry.example !== undefined && !validate(entry.example)) {
      const v = (validate.errors ?? []).map(violationOf).map((x) => `${x.pointer || '/'}: ${x.message}`);
      throw new Error(`event type ${entry.type}: its example does not match its schema: ${v.join('; ')}`);
    }
  }
};
