import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { stringifyExact } from '../domain/exact-json';
import type { DeliveryMessage, DeliveryQueue } from '../domain/ports';

interface Pending {
  body: string;
  delaySeconds: number | undefined;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Written with stringifyExact, so event data keeps its numbers exact (exact-json.ts). SQS
 * accepts only #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD (and, on AWS, astral characters). JSON.stringify already escapes control characters and lone surrogates; escape
 * the rest (astral characters' surrogate pairs, U+FFFE, U+FFFF) so any event data fits.
 */
export const sqsSafeJson = (value: unknown): string =>
  stringifyExact(value).replace(/[\uD800-\uDFFF\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const SQS_BATCH = 10;
/** SendMessageBatch takes at most 1 MiB in all; keep a margin for the request's own fields. */
const SQS_BATCH_BYTES = 1_000_000;

/** How many of `pending`, from the first, one SendMessageBatch takes: ten at most, 1 MB of bodies in all (at least one). */
export const batchLength = (pending: ReadonlyArray<{ body: string }>): number => {
  let bytes = 0;
  let n = 0;
  while (n < pending.length && n < SQS_BATCH) {
    const size = Buffer.byteLength(pending[n]!.body);
    if (n > 0 && bytes + size > SQS_BATCH_BYTES) break;
    bytes += size;
    n++;
  }
  return n;
};

/**
 * Sends delivery messages, coalescing the sends issued in the same turn of the event loop
 * (the concurrent records of one worker batch, a recovery page, a publish batch) into
 * SendMessageBatch calls of up to ten. Each send still resolves only once its own message is
 * accepted, and rejects if SQS refused that entry.
 */
export class SqsDeliveryQueue implements DeliveryQueue {
  private pending: Pending[] = [];
  private flushScheduled = false;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  send(message: DeliveryMessage, delaySeconds?: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({
        body: sqsSafeJson(message),
        delaySeconds: delaySeconds ? Math.min(900, Math.max(0, Math.round(delaySeconds))) : undefined,
        resolve,
        reject,
      });
      if (this.pending.length >= SQS_BATCH) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, batchLength(this.pending));
      this.sendBatch(batch).catch((e) => batch.forEach((p) => p.reject(e)));
    }
  }

  private async sendBatch(batch: Pending[]): Promise<void> {
    const out = await this.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: batch.map((p, i) => ({
          Id: String(i),
          MessageBody: p.body,
          ...(p.delaySeconds ? { DelaySeconds: p.delaySeconds } : {}),
        })),
      }),
    );
    const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
    batch.forEach((p, i) => {
      const f = failed.get(String(i));
      if (f) p.reject(new Error(`SQS refused a delivery message: ${f.Code} ${f.Message ?? ''}`.trim()));
      else p.resolve();
    });
  }
}
