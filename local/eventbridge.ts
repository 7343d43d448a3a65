import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'aws-lambda';
import type { IngestEvent } from '../lambdas/eventbridge-ingest/app';
import { localContext } from './lambda-context';

export const LOCAL_EVENT_BUS = 'hookpost';

type IngestLambda = (event: IngestEvent, context: Context) => Promise<unknown>;

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: string;
}

const readJson = (req: IncomingMessage): Promise<{ Entries?: PutEventsEntry[] }> =>
  new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(body || '{}'));
      } catch (e) {
        reject(e);
      }
    });
    req.on('error', reject);
  });

/**
 * Stands in for EventBridge's PutEvents (JSON 1.1, as `@aws-sdk/client-eventbridge` sends it)
 * on the local API port: entries for the `hookpost` bus go to the very same ingest handler the
 * stack's rule targets. An entry the handler refuses is reported as failed, as a target
 * failure would land in the rule's DLQ on AWS.
 */
export const eventBridgeRoute = (ingest: IngestLambda, options: { authorizeInvoke?: () => Promise<void> } = {}) => async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
  if (req.method !== 'POST' || req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') return false;
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };
  let input: { Entries?: PutEventsEntry[] };
  try {
    input = await readJson(req);
  } catch {
    send(400, { __type: 'ValidationException', message: 'Body is not JSON' });
    return true;
  }
  const entries = await Promise.all(
    (input.Entries ?? []).map(async (entry) => {
      const bus = entry.EventBusName ?? 'default';
      if (bus !== LOCAL_EVENT_BUS && !bus.endsWith(`:event-bus/${LOCAL_EVENT_BUS}`)) {
        return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus} does not exist (the local bus is "${LOCAL_EVENT_BUS}")` };
      }
      const id = randomUUID();
      try {
        // The rule invokes its target only if the function's resource policy lets events.amazonaws.com (on AWS a refusal sends the event to the rule's DLQ).
        await options.authorizeInvoke?.();
        await ingest(
          {
            version: '0',
            id,
            'detail-type': entry.DetailType ?? '',
            source: entry.Source ?? '',
            account: '000000000000',
            time: entry.Time ?? new Date().toISOString(),
            region: 'us-east-1',
            resources: entry.Resources ?? [],
            detail: JSON.parse(entry.Detail ?? '{}'),
          },
          localContext('hookpost-eventbridge-ingest', 29_000),
        );
        return { EventId: id };
      } catch (err) {
        return { ErrorCode: 'TargetInvocationFailed', ErrorMessage: (err as Error).message.slice(0, 500) };
      }
    }),
  );
  send(200, { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries });
  return true;
};
