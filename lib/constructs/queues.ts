import { Duration, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** The largest message SQS takes. */
export const MAX_MESSAGE_BYTES = 1_048_576;

/**
 * Every hookpost queue: encrypted at rest (under the stack's data key when given; SQS-managed
 * otherwise), TLS only, 14 days' retention. A data key is reused for an hour: KMS is asked once
 * an hour per producer and consumer, not per message.
 */
export const secureQueue = (scope: Construct, id: string, props: QueueProps = {}, key?: IKey): Queue =>
  new Queue(scope, id, {
    ...(key
      ? { encryption: QueueEncryption.KMS, encryptionMasterKey: key, dataKeyReuse: Duration.hours(1) }
      : { encryption: QueueEncryption.SQS_MANAGED }),
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    // Explicit (SQS's default has changed before): a fan-out message carries the event's data,
    // up to 256 KB, which SQS-safe escaping can triple.
    maxMessageSizeBytes: MAX_MESSAGE_BYTES,
    ...props,
  });

/**
 * A dead-letter queue: where messages end for an operator (every one is alarmed on depth).
 * `redriveTarget` is true when SQS itself moves messages here (a queue's redrive policy), false
 * when another service's failure setting does (Scheduler, EventBridge, Lambda destinations).
 */
export const deadLetterQueue = (scope: Construct, id: string, options: { redriveTarget: boolean; holds: string; key?: IKey; fifo?: boolean }): Queue => {
  // A FIFO queue's dead-letter queue must be FIFO too.
  const queue = secureQueue(scope, id, options.fifo ? { fifo: true } : {}, options.key);
  Validations.of(queue).acknowledge({
    id: 'Serverless::Serverless-SQSRedrivePolicy',
    reason: `This is a dead-letter queue itself (${options.holds}): messages end here for an operator, alarmed on depth, never redriven automatically.`,
  });
  if (!options.redriveTarget) {
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: `This queue is the dead-letter queue of ${options.holds}, configured on that service, which SQS itself does not know as a DLQ.`,
    });
  }
  return queue;
};
