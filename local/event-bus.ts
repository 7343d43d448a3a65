import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { matchesPattern } from '../lambdas/shared/domain/event-filter';
import type { IngestEvent } from '../lambdas/eventbridge-ingest/app';
import { localContext } from './lambda-context';

export const LOCAL_EVENT_BUS = 'hookpost';

/** EventBridge's quota on one PutEvents entry (and on a request's entries together). */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;
/** Entries a PutEvents request may carry. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/** A PutEvents request entry as the SDK sends it (JSON 1.1). */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  /** Seconds since the epoch (the SDK's serialization of a Date), or an ISO string. */
  Time?: number | string;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

type IngestLambda = (event: IngestEvent, context: Context) => Promise<unknown>;

/** What EventBridge checks of an entry before any rule sees it (its documented validation). */
const invalidEntry = (entry: PutEventsEntry): string | undefined => {
  if (!entry.Source || !entry.DetailType || entry.Detail === undefined) return 'Source, DetailType and Detail are required';
  if (entry.Source.startsWith('aws.')) return 'Source cannot start with "aws."';
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return 'Detail is malformed';
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return 'Detail must be a JSON object';
  const size = Buffer.byteLength(entry.Source) + Buffer.byteLength(entry.DetailType) + Buffer.byteLength(entry.Detail) + (entry.Resources ?? []).reduce((n, r) => n + Buffer.byteLength(r), 0);
  if (size > PUT_EVENTS_MAX_BYTES) return `The entry is ${size} bytes; EventBridge takes at most ${PUT_EVENTS_MAX_BYTES}`;
  return undefined;
};

const isoTime = (time: PutEventsEntry['Time']): string =>
  time === undefined ? new Date().toISOString() : new Date(typeof time === 'number' ? time * 1000 : time).toISOString();

/**
 * The stack's event bus, locally: an entry becomes an EventBridge event, and goes to the ingest
 * function when it matches the ingest rule's pattern as the template has it (evaluated with the
 * same matcher as endpoint filters); every other event (hookpost's operational events) is kept
 * in `events`, where on AWS the platform's own rules would take it. An entry the ingest function
 * fails on is reported failed, as a target failure would land in the rule's DLQ on AWS.
 */
export const createLocalEventBus = (options: {
  /** The ingest rule's event pattern, from the template. */
  rulePattern: Record<string, unknown>;

  ingest: () => IngestLambda;
  /** Asks IAM whether EventBridge may invoke the ingest function (its resource policy). */
  authorizeInvoke?: () => Promise<void>;
  /** Sees each event the ingest rule does not take. */
  onUnrouted?: (event: IngestEvent) => void;
}) => {
  const events: IngestEvent[] = [];
  const putOne = async (entry: PutEventsEntry): Promise<PutEventsResultEntry> => {
    const bus = entry.EventBusName ?? 'default';
    if (bus !== LOCAL_EVENT_BUS && !bus.endsWith(`:event-bus/${LOCAL_EVENT_BUS}`)) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus} does not exist (the local bus is "${LOCAL_EVENT_BUS}")` };
    }
    const invalid = invalidEntry(entry);
    if (invalid) return { ErrorCode: 'InvalidArgument', ErrorMessage: invalid };
    const event: IngestEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType!,
      source: entry.Source!,
      account: '000000000000',
      time: isoTime(entry.Time),
      region: 'us-east-1',
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail!),
    };
    if (!matchesPattern(options.rulePattern, event)) {
      events.push(event);
      options.onUnrouted?.(event);
      return { EventId: event.id };
    }
    try {
      // The rule invokes its target only if the function's resource policy lets events.amazonaws.com.
      await options.authorizeInvoke?.();
      await options.ingest()(event, localContext('hookpost-eventbridge-ingest', 29_000));
      return { EventId: event.id };
    } catch (err) {
      return { ErrorCode: 'TargetInvocationFailed', ErrorMessage: (err as Error).message.slice(0, 500) };
    }
  };
  return {
    /** Events no local rule took, oldest first: hookpost's operational events. */
    events,
    /** PutEvents: validated as EventBridge validates it; one result per entry, in order. */
    async put(entries: PutEventsEntry[]): Promise<{ FailedEntryCount: number; Entries: PutEventsResultEntry[] }> {
      if (entries.length < 1 || entries.length > PUT_EVENTS_MAX_ENTRIES) {
        throw Object.assign(new Error(`1 to ${PUT_EVENTS_MAX_ENTRIES} entries a request, not ${entries.length}`), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
      }
      const results = await Promise.all(entries.map(putOne));
      return { FailedEntryCount: results.filter((e) => 'ErrorCode' in e).length, Entries: results };
    },
  };
};

export type LocalEventBus = ReturnType<typeof createLocalEventBus>;
