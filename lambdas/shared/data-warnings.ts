import type { DataWarning } from './domain/event-data';
import { logger, metrics } from './powertools';

/** Events a request's WARN line lists at most (a batch of a hundred malformed events is one line, not a hundred). */
const LISTED = 10;

/**
 * Events accepted in `warn` mode although their data breaks their schema: one WARN line a
 * request (the first events' types, schema versions and violations, and how many in all), and
 * the SchemaViolations metric counting every event.
 */
export const noteWarnings = (warnings: DataWarning[], tenants: string[]): void => {
  if (warnings.length === 0) return;
  logger.warn('event data does not match its schema (validation: warn)', {
    events: warnings.length,
    listed: warnings.slice(0, LISTED).map((w) => ({ index: w.index, tenant_id: tenants[w.index], event_type: w.type, schema_version: w.version, violations: w.violations })),
  });
  metrics.addMetric('SchemaViolations', 'Count', warnings.length);
};
