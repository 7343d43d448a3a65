import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { stringifyExact } from '../domain/exact-json';
import { OPERATIONS_SOURCE, type OperationalEvent, type OperationsBus } from '../domain/operational-events';

/**
 * Operational events on the stack's event bus: source `hookpost.operations`, detail-type the
 * event's type, detail its fields. PutEvents answers 200 even when it refuses an entry, so a
 * refused entry (`FailedEntryCount`) is an error here; the SDK has retried throttling by then.
 */
export class EventBridgeOperationsBus implements OperationsBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async emit(event: OperationalEvent): Promise<void> {
    const out = await this.client.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: this.busName, Source: OPERATIONS_SOURCE, DetailType: event.type, Detail: stringifyExact(event.detail), Time: new Date(event.time) }],
      }),
    );
    if ((out.FailedEntryCount ?? 0) > 0) {
      const entry = out.Entries?.[0];
      throw new Error(`EventBridge refused the ${event.type} event: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim());
    }
  }
}
