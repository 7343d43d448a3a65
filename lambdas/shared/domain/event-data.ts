import { ValidationError } from './errors';
import type { EventDataValidator, SchemaViolation } from './event-catalogue';

/** A publish whose data breaks its type's schema in `enforce` mode: 400 with every violation. */
export class SchemaViolationError extends ValidationError {
  constructor(
    message: string,
    readonly violations: SchemaViolation[],
  ) {
    super(message, 'schema_violation');
  }

  override get details() {
    return { violations: this.violations };
  }
}

/** An event accepted although its data breaks its schema (`warn`): the handler logs and counts it. */
export interface DataWarning {
  index: number;
  type: string;
  version: number;
  violations: SchemaViolation[];
}

/**
 * Checks the data of events about to be published against their types' schemas, all before any
 * is published: one in `enforce` mode that breaks its schema refuses the request whole (a batch
 * too), with each violation's JSON pointer into the request (`pointerOf(i)` is where event i's
 * data sits: `/data`, or `/events/3/data`); `warn` ones come back to be logged and counted.
 */
export const checkEventData = (validator: EventDataValidator, events: ReadonlyArray<{ type: string; data: unknown }>, pointerOf: (i: number) => string): DataWarning[] => {
  const refused: SchemaViolation[] = [];
  const warnings: DataWarning[] = [];
  let first: { type: string; version: number } | undefined;
  events.forEach((event, i) => {
    const check = validator.check(event.type, event.data);
    if (check.violations.length === 0) return;
    const violations = check.violations.map((v) => ({ pointer: `${pointerOf(i)}${v.pointer}`, message: v.message }));
    if (check.mode === 'enforce') {
      first ??= { type: event.type, version: check.version };
      refused.push(...violations);
    } else warnings.push({ index: i, type: event.type, version: check.version, violations });
  });
  if (first) {
    const listed = refused.slice(0, 5).map((v) => `${v.pointer}: ${v.message}`).join('; ');
    const more = refused.length > 5 ? ` (and ${refused.length - 5} more)` : '';
    throw new SchemaViolationError(`data does not match the schema of ${first.type} (version ${first.version}): ${listed}${more}`, refused);
  }
  return warnings;
};
