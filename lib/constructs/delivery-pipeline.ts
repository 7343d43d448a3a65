import { createHash } from 'node:crypto';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnSchedule, CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WORKER_TIMEOUT_SECONDS } from '../../lambdas/shared/config';
import { acknowledgeKeyGrants, acknowledgeWildcard } from '../nag';
import { HookpostFunction, type HookpostFunctionProps } from './hookpost-function';
import { deadLetterQueue, secureQueue } from './queues';

/**
 * `<stack>-retries`, within Scheduler's 64 characters: a stack name too long for it (they may
 * have 128) is cut and made unique again with a hash of the whole name.
 */
export const scheduleGroupName = (stackName: string): string => {
  const whole = `${stackName}-retries`;
  if (whole.length <= 64) return whole;
  const hash = createHash('sha256').update(stackName).digest('hex').slice(0, 8);
  return `${stackName.slice(0, 64 - '-retries'.length - hash.length - 1)}-${hash}-retries`;
};

export interface DeliveryPipelineProps {
  readonly configTable: Table;
  readonly deliveriesTable: Table;
  readonly masterKey: Secret;
  /** Encrypts the queues at rest. @default SQS-managed encryption */
  readonly dataKey?: IKey;
  /** Settings passed to the worker (catalogue, schedule, retention). */
  readonly settings: Record<string, string>;
  /** Receives before a message goes to the DLQ. @default 5 */
  readonly maxReceiveCount?: number;
  /** Messages per worker invocation. @default 10 */
  readonly batchSize?: number;
  /** How long the event source may wait to fill a batch (0-300 s). @default Duration.seconds(0) */
  readonly maxBatchingWindow?: Duration;
  /** Run the worker in this network (static egress addresses, private receivers). @default - outside any VPC */
  readonly network?: HookpostFunctionProps['network'];
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
  /** The queues' visibility timeout: six times the worker's timeout. */
  public readonly visibilityTimeout: Duration;
  /** The schedule group holding one-time retry schedules (delays beyond 15 minutes). */
  public readonly scheduleGroup: CfnScheduleGroup;
  /** The role EventBridge Scheduler assumes: it may only send to the delivery queue. */
  public readonly schedulerRole: Role;
  /** Where Scheduler puts a retry it could not hand to the queue. */
  public readonly schedulerDeadLetterQueue: Queue;
  /** Sends the worker a sweep for overdue deliveries every minute. */
  public readonly sweepSchedule: CfnSchedule;

  constructor(scope: Construct, id: string, props: DeliveryPipelineProps) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    const batchSize = props.batchSize ?? 10;
    if (maxReceiveCount < 1) throw new Error('maxReceiveCount must be at least 1');
    if (batchSize < 1 || batchSize > 10) throw new Error('batchSize must be 1-10');
    const batchingWindow = props.maxBatchingWindow?.toSeconds() ?? 0;
    if (!Number.isInteger(batchingWindow) || batchingWindow < 0 || batchingWindow > 300) throw new Error('The batching window must be 0-300 whole seconds');
    const workerTimeout = Duration.seconds(WORKER_TIMEOUT_SECONDS);

    const key = props.dataKey;
    this.visibilityTimeout = Duration.seconds(workerTimeout.toSeconds() * 6);
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', { redriveTarget: true, holds: 'the delivery queue', ...(key ? { key } : {}) });
    this.queue = secureQueue(
      this,
      'Queue',
      {
        visibilityTimeout: this.visibilityTimeout,
        deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
      },
      key,
    );

    this.schedulerDeadLetterQueue = deadLetterQueue(this, 'SchedulerDeadLetterQueue', {
      redriveTarget: false,
      holds: 'the retry schedules\' target',
      ...(key ? { key } : {}),
    });
    this.scheduleGroup = new CfnScheduleGroup(this, 'RetrySchedules', {
      name: scheduleGroupName(Stack.of(this).stackName),
    });
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'hookpost: EventBridge Scheduler sends due retries to the delivery queue, nothing else',
    });
    this.queue.grantSendMessages(this.schedulerRole);
    acknowledgeKeyGrants(this.schedulerRole);
    this.schedulerDeadLetterQueue.grantSendMessages(this.schedulerRole);

    this.worker = new HookpostFunction(this, 'Worker', {
      name: 'delivery-worker',
      description: 'hookpost: fans events out to endpoints, signs and sends each attempt, records it',
      timeout: workerTimeout,
      settings: props.settings,
      ...(props.network ? { network: props.network } : {}),
    })
      .bindTable('CONFIG_TABLE_NAME', props.configTable, 'read')
      .bindTable('DELIVERIES_TABLE_NAME', props.deliveriesTable, 'readWrite')
      // Endpoint health (markFailing, clearFailing, disableEndpoint) updates endpoint items, and
      // a tenant's erasure deletes the tenant's items: UpdateItem and DeleteItem, never a put
      // (nor BatchWriteItem, which would allow one).
      .allowTableActions(props.configTable, ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'])
      .bindQueue('DELIVERY_QUEUE_URL', this.queue)
      .bindSecret('MASTER_KEY_SECRET_ARN', props.masterKey);
    const fn = this.worker.function;
    fn.addEnvironment('SCHEDULE_GROUP_NAME', this.scheduleGroup.ref);
    fn.addEnvironment('DELIVERY_QUEUE_ARN', this.queue.queueArn);
    fn.addEnvironment('SCHEDULER_ROLE_ARN', this.schedulerRole.roleArn);
    fn.addEnvironment('SCHEDULER_DLQ_ARN', this.schedulerDeadLetterQueue.queueArn);
    const schedulesInGroup = Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.scheduleGroup.ref}/*`,
    });
    fn.addToRolePolicy(new PolicyStatement({ actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'], resources: [schedulesInGroup] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['iam:PassRole'], resources: [this.schedulerRole.roleArn] }));
    acknowledgeWildcard(
      this.worker.role,
      schedulesInGroup,
      'Retry schedules are created at run time, one per delivery and attempt; the grant is CreateSchedule (and DeleteSchedule, for a tenant\'s erasure) in this stack\'s own schedule group only.',
    );


    // The sweep: every minute a `{"kind":"sweep"}` message on the delivery queue makes the
    // worker re-drive deliveries whose attempt is overdue (lost retry messages, long outages).
    this.sweepSchedule = new CfnSchedule(this, 'SweepSchedule', {
      description: 'hookpost: every minute, the delivery worker re-drives overdue deliveries',
      groupName: this.scheduleGroup.ref,
      scheduleExpression: 'rate(1 minute)',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.queue.queueArn,
        roleArn: this.schedulerRole.roleArn,
        input: JSON.stringify({ kind: 'sweep' }),
        deadLetterConfig: { arn: this.schedulerDeadLetterQueue.queueArn },
        retryPolicy: { maximumEventAgeInSeconds: 60, maximumRetryAttempts: 3 },
      },
    });

    const eventSource = new SqsEventSource(this.queue, {
      batchSize,
      // None by default: a delivery leaves as soon as SQS has its message.
      ...(batchingWindow > 0 ? { maxBatchingWindow: Duration.seconds(batchingWindow) } : {}),
      reportBatchItemFailures: true,
    });
    this.worker.function.addEventSource(eventSource);
    Validations.of(this.worker.function).acknowledge({
      id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
      reason: 'SQS event sources take no on-failure destination; a message that keeps failing moves to the queue\'s dead-letter queue after maxReceiveCount receives.',
    });
  }
}
