import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { localContext } from './lambda-context';

export type SqsLambda = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

const toRecord = (m: Message, queueArn: string): SQSRecord => ({
  messageId: m.MessageId!,
  receiptHandle: m.ReceiptHandle!,
  body: m.Body ?? '',
  attributes: {
    ...(m.Attributes?.MessageGroupId ? { MessageGroupId: m.Attributes.MessageGroupId, SequenceNumber: m.Attributes.SequenceNumber, MessageDeduplicationId: m.Attributes.MessageDeduplicationId } : {}),
    ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
    SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
    SenderId: m.Attributes?.SenderId ?? 'local',
    ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  },
  messageAttributes: {},
  md5OfBody: m.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: 'us-east-1',
});

/**
 * Stands in for Lambda's SQS event source mapping: pollers long-poll the queue and invoke the
 * handler with batches of up to 10, and delete what the handler did not report as failed. A
 * handler that throws leaves the whole batch to come back after the visibility timeout, as on
 * AWS. As on AWS, concurrency grows while invocations are slow and messages wait: a poller
 * waits for the invocation it started only up to `detachAfterMs`, then polls on while it runs
 * (up to `maxConcurrency` in flight), so a batch held by a slow receiver delays no other
 * delivery by more than that, and fast invocations keep batches as full as before.
 */
export const startSqsPoller = (options: {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsLambda;
  functionName: string;
  /** Concurrent pollers, as Lambda starts five for an SQS event source. @default 5 */
  concurrency?: number;
  /** Invocations in flight at once (Lambda's maximum concurrency of an event source). @default 25 */
  maxConcurrency?: number;
  /** Messages an invocation, as the event source's BatchSize. @default 10 */
  batchSize?: number;
  /** How long a poller waits for its invocation before it polls on beside it. @default 1000 */
  detachAfterMs?: number;
  /**
   * The function's timeout: an invocation still running then has failed, as on Lambda (`Task
   * timed out`), and its whole batch comes back after the visibility timeout, whatever it did.
   * @default 60000 (the worker's, as the template sets it)
   */
  timeoutMs?: number;
  onError?: (err: unknown) => void;
}) => {
  let running = true;
  const maxConcurrency = options.maxConcurrency ?? 25;
  const inFlight = new Set<Promise<void>>();
  // One long poll at a time: fauxqs wakes every waiting ReceiveMessage when a message arrives,
  // where SQS answers one and keeps the others waiting, so five pollers each waiting made five
  // receives a message (four empty), each a signed SDK call on the runtime's busy thread. The
  // pollers still run their invocations side by side; only their receives take turns.
  let turn: Promise<unknown> = Promise.resolve();
  const receiveInTurn = <T>(receive: () => Promise<T>): Promise<T> => {
    const mine = turn.then(receive, receive);
    turn = mine.catch(() => undefined);
    return mine;
  };

  const invoke = async (messages: Message[]) => {
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, options.queueArn)) };
    let failed: Set<string>;
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      // Lambda ends the environment at the timeout; in process the handler runs on, but
      // nothing it answers afterwards counts.
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${options.functionName}: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`)), timeoutMs);
      });
      const result = await Promise.race([options.handler(event, localContext(options.functionName, timeoutMs)), timedOut]);
      failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (err) {
      options.onError?.(err);
      return; // the whole batch returns after the visibility timeout
    } finally {
      clearTimeout(timer);
    }
    const done = messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length === 0) return;
    try {
      await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    } catch (err) {
      if (running) options.onError?.(err); // not deleted: they come back, and are idempotent
    }
  };

  const loop = async () => {
    while (running) {
      try {
        // At the concurrency bound, wait for an invocation to finish before taking more.
        while (inFlight.size >= maxConcurrency && running) await Promise.race(inFlight);
        if (!running) break;
        // A poller that waited its turn while the source stopped receives nothing (stopping
        // does not wait for every poller's long poll in turn).
        const out = await receiveInTurn(async () =>
          !running ? { Messages: [] } : options.sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: options.queueUrl,
              MaxNumberOfMessages: options.batchSize ?? 10,
              WaitTimeSeconds: 1,
              MessageSystemAttributeNames: ['All'],
            }),
          ),
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) continue;
        const invocation = invoke(messages).finally(() => inFlight.delete(invocation));
        inFlight.add(invocation);
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([invocation, new Promise((r) => (timer = setTimeout(r, options.detachAfterMs ?? 1000)))]);
        clearTimeout(timer);
      } catch (err) {
        if (!running) break;
        options.onError?.(err);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  const loops = Array.from({ length: options.concurrency ?? 5 }, loop);
  return {
    async stop() {
      running = false;
      await Promise.allSettled(loops);
      // Invocations still running (a receiver that hangs) are not waited for past a moment:
      // what they did not delete comes back, as after a crash.
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 5_000).unref())]);
    },
  };
};
