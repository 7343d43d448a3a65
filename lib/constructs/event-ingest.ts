import { Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OPERATIONS_SOURCE } from '../../lambdas/shared/domain/operational-event-types';
import { HookpostFunction } from './hookpost-function';
import { deadLetterQueue } from './queues';

export interface EventIngestProps {
  readonly configTable: Table;
  readonly deliveriesTable: Table;
  readonly deliveryQueue: Queue;
  readonly settings: Record<string, string>;
  /** Invocation retries before an event goes to the ingest DLQ. @default 4 */
  readonly retryAttempts?: number;
  /** Encrypts the ingest DLQ (events that could not be published hold tenants' data). @default SQS-managed encryption */
  readonly dataKey?: IKey;
}

/**
 * The stack's event bus: platform services that already emit to EventBridge put events here
 * (detail-type = event type, detail = `{tenant_id, data}`) and hookpost publishes them exactly
 * like `POST /v1/events`. Every event on the bus but hookpost's own operational events (source
 * `hookpost.operations`, put by the worker for the platform's rules) goes to the ingest function; one it cannot
 * publish lands in the ingest DLQ after the retries, never silently dropped.
 */
export class EventIngest extends Construct {
  public readonly bus: EventBus;
  public readonly function: HookpostFunction;
  public readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: EventIngestProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 4;
    if (retryAttempts < 0 || retryAttempts > 185) throw new Error('retryAttempts must be 0-185');
    this.bus = new EventBus(this, 'Bus', { description: 'hookpost: events to deliver to tenants\' webhooks' });
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', {
      redriveTarget: false,
      holds: 'the EventBridge rule target and the ingest function',
      ...(props.dataKey ? { key: props.dataKey } : {}),
    });
    // EventBridge sends a target's failures to the DLQ as itself: with a customer key it needs the
    // key too, for rules of this bus only (the rule's own ARN would make a cycle: key, rule, queue).
    props.dataKey?.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnLike: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'events', resource: 'rule', resourceName: `${this.bus.eventBusName}/*` }) },
        },
      }),
    );
    this.function = new HookpostFunction(this, 'Ingest', {
      name: 'eventbridge-ingest',
      description: 'hookpost: publishes events put on the hookpost event bus',
      settings: props.settings,
      // EventBridge invokes asynchronously: an event the function keeps failing on lands here too.
      deadLetterQueue: this.deadLetterQueue,
    })
      .bindTable('CONFIG_TABLE_NAME', props.configTable, 'read')
      .bindTable('DELIVERIES_TABLE_NAME', props.deliveriesTable, 'readWrite')
      .bindQueue('DELIVERY_QUEUE_URL', props.deliveryQueue);
    new Rule(this, 'EveryEvent', {
      eventBus: this.bus,
      description: 'Every event on the hookpost bus but hookpost\'s own operational events is published to tenants',
      // aws-cdk-lib types `source` as strings; EventBridge takes content filters there too.
      eventPattern: { source: [{ 'anything-but': [OPERATIONS_SOURCE] }] as unknown as string[] },
      targets: [
        new LambdaFunction(this.function.function, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }
}
