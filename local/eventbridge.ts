import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalEventBus, PutEventsEntry } from './event-bus';

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
 * on the local API port, for the platform's publishers: the entries go on the local bus
 * (`./event-bus`), whose ingest rule hands them to the very same ingest handler as on AWS.
 */
export const eventBridgeRoute = (bus: LocalEventBus) => async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
  if (req.method !== 'POST' || req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') return false;
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };
  try {
    send(200, await bus.put((await readJson(req)).Entries ?? []));
  } catch (err) {
    send(400, { __type: (err as Error).name === 'ValidationException' ? 'ValidationException' : 'SerializationException', message: (err as Error).message });
  }
  return true;
};
