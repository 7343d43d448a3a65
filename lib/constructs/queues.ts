import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** Every hookpost queue: encrypted at rest, TLS only, 14 days' retention. */
export const secureQueue = (scope: Construct, id: string, props: QueueProps = {}): Queue =>
  new Queue(scope, id, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14), ...props });

/**
 * A dead-letter queue: where messages end for an operator (every one is alarmed on depth).
 * `redriveTarget` is true when SQS itself moves messages here (a queue's redrive policy), false
 * when another service's failure setting does (Scheduler, EventBridge, Lambda destinations).
 */
export const deadLetterQueue = (scope: Construct, id: string, options: { redriveTarget: boolean; holds: string }): Queue => {
  const queue = secureQueue(scope, id);
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
