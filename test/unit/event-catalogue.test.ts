import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCatalogue, createEventDataValidator } from '../../lambdas/shared/adapters/event-data-validator';
import { readCatalogueDir } from '../../lambdas/shared/catalogue-source';
import { DEFAULT_EVENT_TYPES } from '../../lambdas/shared/domain/catalogue';
import { checkEventData, SchemaViolationError } from '../../lambdas/shared/domain/event-data';
import type { CatalogueEntry } from '../../lambdas/shared/domain/event-catalogue';
import { parseExact } from '../../lambdas/shared/domain/exact-json';

/**
 * The event catalogue's schemas (issue 28): the seed types' folder, what reading a folder
 * refuses, and what a publish's data meets in each validation mode (ajv, draft 2020-12).
 */
const ROOT = join(import.meta.dirname, '..', '..');

const entry = (over: Partial<CatalogueEntry> = {}): CatalogueEntry => ({
  type: 'order.paid',
  description: 'An order was paid.',
  version: 2,
  validation: 'enforce',
  schema: { type: 'object', properties: { order_id: { type: 'string' }, total: { type: 'integer', minimum: 0 }, paid_at: { type: 'string', format: 'date-time' } }, required: ['order_id', 'total'], additionalProperties: false },
  example: { order_id: 'ord_1', total: 4200, paid_at: '2026-12-01T09:30:00Z' },
  ...over,
});

const folder = (files: Record<string, unknown>) => {
  const dir = mkdtempSync(join(tmpdir(), 'hookpost-catalogue-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
};

describe('the seed types\' catalogue (catalogue/)', () => {
  const seeds = readCatalogueDir(join(ROOT, 'catalogue'));

  it('holds the twelve types of the two promised pages, each described, with a schema and an example it accepts', () => {
    expect(seeds.map((e) => e.type).sort()).toEqual([...DEFAULT_EVENT_TYPES].sort());
    for (const e of seeds) {
      expect(e.description.length, e.type).toBeGreaterThan(10);
      expect(e.schema?.$schema, e.type).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(e.validation, e.type).toBe('warn');
    }
    expect(() => checkCatalogue(seeds)).not.toThrow();
  });

  it("accepts the data of the seeds' own example envelopes, as the pages print them", () => {
    const validator = createEventDataValidator(seeds);
    // The pages' example envelopes, copied from ../shared/seeds (which CI's clone does not hold).
    const { envelopes } = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'seed-envelopes.json'), 'utf8')) as { envelopes: Array<{ type?: string; event?: string; data: unknown }> };
    expect(envelopes.map((e) => e.type ?? e.event)).toEqual(['research.completed', 'analysis.complete']);
    for (const e of envelopes) expect(validator.check((e.type ?? e.event)!, e.data).violations).toEqual([]);
  });
});

describe('reading a catalogue folder', () => {
  it('reads one <type>.json per type, and refuses a misnamed file, bad JSON, a bad entry, a schema that does not compile, an example its schema refuses', () => {
    expect(readCatalogueDir(folder({ 'order.paid.json': entry(), 'README.md': 'ignored' })).map((e) => e.type)).toEqual(['order.paid']);
    expect(() => readCatalogueDir(folder({ 'order.json': entry() }))).toThrow(/describes order.paid; name the file order.paid.json/);
    expect(() => readCatalogueDir(folder({ 'order.paid.json': '{"type":' }))).toThrow(/not JSON/);
    expect(() => readCatalogueDir(folder({ 'order.paid.json': { ...entry(), validation: 'maybe' } }))).toThrow(/validation/);
    expect(() => readCatalogueDir(folder({ 'order.paid.json': { ...entry(), extra: 1 } }))).toThrow(/order.paid.json/);
    expect(() => readCatalogueDir(folder({}))).toThrow(/holds no event type/);
    // Strict: a misspelt keyword is refused, not ignored.
    expect(() => checkCatalogue([entry({ schema: { type: 'object', requird: ['x'] } })])).toThrow(/order.paid: its schema does not compile: .*requird/);
    expect(() => checkCatalogue([entry({ example: { order_id: 'ord_1', total: -1 } })])).toThrow(/order.paid: its example does not match its schema: \/total: must be >= 0/);
  });
});

describe('checking published data', () => {
  const validator = createEventDataValidator([
    entry(),
    entry({ type: 'order.refunded', validation: 'warn', version: 1 }),
    entry({ type: 'order.viewed', validation: 'off' }),
    { type: 'order.noted', description: '', version: 1, validation: 'enforce' },
  ]);

  it('enforce: every violation, with its JSON pointer into the request, and the request refused whole', () => {
    const events = [
      { type: 'order.paid', data: { order_id: 'ord_1', total: 10 } },
      { type: 'order.paid', data: { total: 'ten', paid_at: 'yesterday', note: 'x' } },
    ];
    let refused: SchemaViolationError | undefined;
    try {
      checkEventData(validator, events, (i) => `/events/${i}/data`);
    } catch (err) {
      refused = err as SchemaViolationError;
    }
    expect(refused).toBeInstanceOf(SchemaViolationError);
    expect(refused!.code).toBe('schema_violation');
    expect(refused!.violations).toEqual(
      expect.arrayContaining([
        { pointer: '/events/1/data/order_id', message: "must have required property 'order_id'" },
        { pointer: '/events/1/data/total', message: 'must be integer' },
        { pointer: '/events/1/data/paid_at', message: 'must match format "date-time"' },
        { pointer: '/events/1/data', message: 'must NOT have additional properties (note)' },
      ]),
    );
    expect(refused!.message).toMatch(/^data does not match the schema of order.paid \(version 2\): /);
  });

  it('warn: accepted, each violation handed back to be logged and counted; off and no schema: not checked', () => {
    expect(checkEventData(validator, [{ type: 'order.refunded', data: { total: 1 } }], () => '/data')).toEqual([
      { index: 0, type: 'order.refunded', version: 1, violations: [{ pointer: '/data/order_id', message: "must have required property 'order_id'" }] },
    ]);
    expect(checkEventData(validator, [{ type: 'order.viewed', data: { total: 'x' } }, { type: 'order.noted', data: { anything: true } }], () => '/data')).toEqual([]);
  });

  it('numbers kept exact by the body parser are numbers to the schema', () => {
    const data = parseExact('{"order_id":"ord_1","total":12345678901234567890}');
    expect(validator.check('order.paid', data).violations).toEqual([]);
    expect(validator.check('order.paid', parseExact('{"order_id":"ord_1","total":1.5}')).violations).toEqual([{ pointer: '/total', message: 'must be integer' }]);
  });
});
