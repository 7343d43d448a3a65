import { type Duration, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { DeduplicationScope, FifoThroughputLimit, type Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { HookpostFunction } from './hookpost-function';
import { deadLetterQueue, secureQueue } from './queues';

export interface OrderedDeliveryProps {
  /** The worker, which routes and sends ordered deliveries. */
  readonly worker: HookpostFunction;
  /** Functions that publish events, which put a tenant's events in order here. */
  readonly publishers: HookpostFunction[];
  /** Encrypts the queues at rest. @default SQS-managed encryption */
  readonly dataKey?: IKey;
  /** As the delivery queue's: six times the worker's timeout. */
  readonly visibilityTimeout: Duration;
}

/**
 * Ordered delivery (`ordered: true` endpoints) on an SQS FIFO queue. A tenant's events go to its
 * message group in publish order; the worker routes each to its ordered endpoints' own groups
 * (`tenant#endpoint`), where one message at a time is in flight: an attempt that needs a retry
 * keeps its message in flight until the retry is due (its visibility set to the delay), which
 * holds every delivery behind it. One message an invocation, so a held message never holds
 * others of its batch. A message that keeps coming back (far more often than any retry
 * schedule brings it) ends in the FIFO dead-letter queue, alarmed like the others.
 */
export class OrderedDelivery extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: OrderedDeliveryProps) {
    super(scope, id);
    const key = props.dataKey;
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', { redriveTarget: true, holds: 'the ordered delivery queue', fifo: true, ...(key ? { key } : {}) });
    this.queue = secureQueue(
      this,
      'Queue',
      {
        fifo: true,
        contentBasedDeduplication: false,
        // Deduplication and throughput per message group: each tenant's and endpoint's order is its own.
        deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
        fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
        visibilityTimeout: props.visibilityTimeout,
        // Each attempt is a receive, and a retry beyond SQS's 12-hour visibility one more: SQS's
        // largest count, so only a message no schedule explains lands in the dead-letter queue.
        deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 1000 },
      },
      key,
    );
    props.worker.bindQueue('ORDERED_QUEUE_URL', this.queue);
    for (const publisher of props.publishers) publisher.bindQueue('ORDERED_QUEUE_URL', this.queue);
    props.worker.function.addEventSource(new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true }));
    Validations.of(props.worker.function).acknowledge({
      id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
      reason: 'SQS event sources take no on-failure destination; a message that keeps failing moves to the queue\'s dead-letter queue after maxReceiveCount receives.',
    });
  }
}
