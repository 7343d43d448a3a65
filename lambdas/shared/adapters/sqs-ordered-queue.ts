import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { OrderedEntry, OrderedQueue } from '../domain/ports';
import { batchLength, sqsSafeJson } from './sqs-queue';

/** SQS's longest visibility timeout: a hold beyond it is renewed when the message comes back. */
export const MAX_VISIBILITY_SECONDS = 12 * 3600;

/**
 * The FIFO queue of ordered deliveries. Entries are sent in the order given, ten at most a
 * SendMessageBatch and one batch after another (SQS keeps the order of a batch's entries of one
 * group, and of batches sent one after another), so a group receives them in that order.
 */
export class SqsOrderedQueue implements OrderedQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(entries: OrderedEntry[]): Promise<void> {
    const pending = entries.map((e) => ({ ...e, body: sqsSafeJson(e.message) }));
    while (pending.length > 0) {
      const batch = pending.splice(0, batchLength(pending));
      const out = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((e, i) => ({ Id: String(i), MessageBody: e.body, MessageGroupId: e.group, MessageDeduplicationId: e.dedupId })),
        }),
      );
      // A refused entry stops the sending: whatever follows it in its group must not overtake it.
      const failed = out.Failed?.[0];
      if (failed) throw new Error(`SQS refused an ordered delivery message: ${failed.Code} ${failed.Message ?? ''}`.trim());
    }
  }

  async hold(receiptHandle: string, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(seconds))),
      }),
    );
  }
}
