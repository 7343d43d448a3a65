import type { DataWarning } from './domain/event-data';
import { logger, metrics } from './powertools';

/** Events accepted in `warn` mode although their data breaks their schema: a WARN line each, and the SchemaViolations metric. */
export const noteWarnings = (warnings: DataWarning[], tenants: string[]): void => {
  for (const w of warnings) {
    logger.warn('event data does not match its schema (validation: warn)', { tenant_id: tenants[w.index], event_type: w.type, schema_version: w.version, violations: w.violations });
  }
  if (warnings.length > 0) metrics.addMetric('SchemaViolations', 'Count', warnings.length);
};
