import type { JsonValue } from './python-json';
import type { OperationalEventType } from './operational-event-types';

export { OPERATIONAL_EVENT_TYPES, OPERATIONS_SOURCE, type OperationalEventType } from './operational-event-types';

export interface OperationalEvent {
  type: OperationalEventType;
  /** When it happened (ISO-8601 UTC): the EventBridge event's `time`. */
  time: string;
  /** The event's `detail`: always `tenant_id` and `webhook_id`, then what the type says. */
  detail: { tenant_id: string; webhook_id: string } & Record<string, JsonValue>;
}

/** The stack's event bus, as far as operational events go. */
export interface OperationsBus {
  emit(event: OperationalEvent): Promise<void>;
}

/** Why a delivery ended failed. */
/** Why a delivery failed for good; `too_large`: over what its AWS destination's service takes, never retried. */
export type FailedReason = 'retries_exhausted' | 'too_large' | 'endpoint_deleted' | 'endpoint_disabled' | 'event_expired' | 'event_erased';

export interface FaultLog {
  fault(name: 'OperationalEventNotSent', message: string, extra: Record<string, unknown>): void;
}

/**
 * Puts an operational event on the bus. A notice must never undo or repeat a delivery already
 * recorded, so a refusal is not thrown: it is logged at ERROR and counted in the
 * `OperationalEventNotSent` metric, which an alarm watches (the SDK has retried it by then).
 */
export const emitOperational = async (deps: { operations: OperationsBus }, log: FaultLog, event: OperationalEvent): Promise<void> => {
  try {
    await deps.operations.emit(event);
  } catch (err) {
    log.fault('OperationalEventNotSent', 'could not put an operational event on the bus', { type: event.type, ...event.detail, error: String(err) });
  }
};
