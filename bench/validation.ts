import { join } from 'node:path';
import { createEventDataValidator } from '../lambdas/shared/adapters/event-data-validator';
import { readCatalogueDir } from '../lambdas/shared/catalogue-source';
import { checkEventData } from '../lambdas/shared/domain/event-data';
import { parseExact } from '../lambdas/shared/domain/exact-json';
import { type BenchOptions, median, price, round } from './support';

/**
 * What checking published data against the catalogue's schemas costs (issue 28), on the seed
 * `price.alert` schema: the first check of a type in a container (ajv compiles its schema), then
 * each check, for data that matches and data that breaks three rules, as the platform function
 * runs them (the body parsed exactly, as `POST /v1/events` parses it). The cost is that CPU at
 * the function's memory; the publish-to-receipt figures of the pipeline section are measured
 * with the seed catalogue's checks on (validation `warn`).
 */
export const schemaValidation = (opts: BenchOptions) => {
  const catalogue = readCatalogueDir(join(import.meta.dirname, '..', 'catalogue'));
  const valid = parseExact(JSON.stringify({ product_id: 'sku-42', price: 18.99, threshold: 20, currency: 'EUR', product_url: 'https://shop.example.com/p/sku-42' }));
  const invalid = parseExact(JSON.stringify({ price: -1, currency: 'euro', product_url: 'not a url' }));
  const validator = createEventDataValidator(catalogue);
  const started = performance.now();
  validator.check('price.alert', valid);
  const compileMs = performance.now() - started;
  const runs = opts.smoke ? 2_000 : 20_000;
  const perCheckUs = (data: unknown) => {
    const samples: number[] = [];
    for (let round_ = 0; round_ < 5; round_++) {
      const t0 = performance.now();
      for (let i = 0; i < runs; i++) checkEventData(validator, [{ type: 'price.alert', data }], () => '/data');
      samples.push(((performance.now() - t0) * 1000) / runs);
    }
    return median(samples);
  };
  const validUs = perCheckUs(valid);
  const invalidUs = perCheckUs(invalid);
  const gb = (price('lambda_memory_mb') / 1024);
  const usdPerMillion = (us: number) => us * 1e-6 * gb * price('lambda_arm64_usd_per_gb_second') * 1e6;
  return {
    schema: 'price.alert (catalogue/, 5 properties, formats uri)',
    first_check_ms: round(compileMs, 2),
    check_us_valid: round(validUs, 2),
    check_us_invalid: round(invalidUs, 2),
    usd_per_million_publishes_valid: round(usdPerMillion(validUs), 5),
    usd_per_million_publishes_invalid: round(usdPerMillion(invalidUs), 5),
  };
};

export const renderValidation = (v: ReturnType<typeof schemaValidation>) => `## Schema validation at publish

Checking an event's data against its type's schema (ajv, JSON Schema 2020-12), on ${v.schema}:
the first check of a type in a container compiles its schema (${v.first_check_ms} ms, once);
then each check takes ${v.check_us_valid} µs for data that matches and ${v.check_us_invalid} µs for data that
breaks three rules (every violation listed). At the platform function's memory that CPU costs
$${v.usd_per_million_publishes_valid} a million publishes ($${v.usd_per_million_publishes_invalid} when they break it): a rounding
error beside the request itself. The pipeline's publish figures above run with the seed
catalogue's checks on.
`;
