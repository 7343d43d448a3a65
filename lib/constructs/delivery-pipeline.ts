import { Duration, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HookpostFunction } from './hookpost-function';

export interface DeliveryPipelineProps {
  readonly configTable: Table;
  readonly deliveriesTable: Table;
  readonly masterKey: Secret;
  /** Settings passed to the worker (catalogue, schedule, retention). */
  readonly settings: Record<string, string>;
  /** Receives before a message goes to the DLQ. @default 5 */
  readonly maxReceiveCount?: number;
  /** Messages per worker invocation. @default 10 */
  readonly batchSize?: number;
}

/**
 * The delivery queue, its dead-letter queue and the worker that signs and sends. The worker's
 * timeout covers the 30 s request timeout with room; the queue's visibility timeout is six
 * times the worker's, as AWS advises for SQS event sources.
 */
export class DeliveryPipeline extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly worker: HookpostFunction;

  constructor(scope: Construct, id: string, props: DeliveryPipelineProps) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    const batchSize = props.batchSize ?? 10;
    if (maxReceiveCount < 1) throw new Error('maxReceiveCount must be at least 1');
    if (batchSize < 1 || batchSize > 10) throw new Error('batchSize must be 1-10');
    const workerTimeout = Duration.seconds(60);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(workerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    this.worker = new HookpostFunction(this, 'Worker', {
      name: 'delivery-worker',
      description: 'hookpost: fans events out to endpoints, signs and sends each attempt, records it',
      timeout: workerTimeout,
      settings: props.settings,
    })
      .bindTable('CONFIG_TABLE_NAME', props.configTable, 'read')
      .bindTable('DELIVERIES_TABLE_NAME', props.deliveriesTable, 'readWrite')
      .bindQueue('DELIVERY_QUEUE_URL', this.queue)
      .bindSecret('MASTER_KEY_SECRET_ARN', props.masterKey);

    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless::Serverless-SQSRedrivePolicy',
      reason: 'This is the dead-letter queue itself: messages end here for an operator (alarmed on depth), they are not redriven automatically.',
    });
    const eventSource = new SqsEventSource(this.queue, {
      batchSize,
      maxBatchingWindow: Duration.seconds(1),
      reportBatchItemFailures: true,
    });
    this.worker.function.addEventSource(eventSource);
    Validations.of(this.worker.function).acknowledge({
      id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
      reason: 'SQS event sources take no on-failure destination; a message that keeps failing moves to the queue\'s dead-letter queue after maxReceiveCount receives.',
    });
  }
}
