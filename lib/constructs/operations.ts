import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  type IMetric,
  TreatMissingData,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { HookpostFunction } from './hookpost-function';
import { deadLetterQueue } from './queues';

export const METRICS_NAMESPACE = 'Hookpost';

export interface OperationsProps {
  readonly api: HttpApi;
  /** Every function, by a short name used in widget labels and alarm names. */
  readonly functions: Record<string, HookpostFunction>;
  readonly deliveryQueue: Queue;
  /** Every dead-letter queue, by name: any message in one raises an alarm. */
  readonly deadLetterQueues: Record<string, Queue>;
  readonly scheduleGroupName: string;
  /** Where alarms are emailed. @default - no subscription; subscribe to the topic yourself */
  readonly alarmEmail?: string;
  /** Oldest message in the delivery queue, in seconds, before the alarm. @default 900 */
  readonly maxMessageAgeSeconds?: number;
  /** Share of failed attempts, in percent over 15 minutes, before the alarm. @default 25 */
  readonly maxFailureRatePercent?: number;
  /** API 5xx answers in 5 minutes before the alarm. @default 5 */
  readonly max5xxPer5Minutes?: number;
  /** What deleting the stack does to the alarm topic's key (the stack's dataRemovalPolicy). @default RemovalPolicy.RETAIN */
  readonly keyRemovalPolicy?: RemovalPolicy;
}

/** hookpost's own metrics (EMF from Powertools) carry only the service dimension. */
const hookpost = (metricName: string, statistic = 'Sum', period = Duration.minutes(1)) =>
  new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: 'hookpost' }, statistic, period });

/**
 * What an operator watches: one CloudWatch dashboard, and alarms on one SNS topic for a DLQ
 * that is not empty, a delivery backlog getting old, a high share of failed attempts, any
 * function error, and API 5xx answers.
 */
export class Operations extends Construct {
  public readonly topic: Topic;
  public readonly dashboard: Dashboard;
  public readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const maxAge = props.maxMessageAgeSeconds ?? 900;
    const maxFailureRate = props.maxFailureRatePercent ?? 25;
    const max5xx = props.max5xxPer5Minutes ?? 5;
    if (maxAge < 60) throw new Error('maxMessageAgeSeconds must be at least 60');
    if (maxFailureRate <= 0 || maxFailureRate > 100) throw new Error('maxFailureRatePercent must be in (0, 100]');
    if (props.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) throw new Error('alarmEmail is not an email address');

    // Encrypted topic; CloudWatch may use the key to publish alarms.
    const key = new Key(this, 'AlarmTopicKey', { enableKeyRotation: true, description: 'hookpost alarm topic', removalPolicy: props.keyRemovalPolicy ?? RemovalPolicy.RETAIN });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true, displayName: 'hookpost alarms' });
    // enforceSSL writes a topic policy, which replaces SNS's default one: without this
    // statement CloudWatch may not publish, and no alarm would ever notify anyone.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    // An alarm e-mail SNS could not deliver (a bounce, an unconfirmed address) lands in a queue
    // of its own, alarmed and on the dashboard like the other dead-letter queues.
    const deadLetterQueues = { ...props.deadLetterQueues };
    if (props.alarmEmail) {
      const undelivered = deadLetterQueue(this, 'AlarmEmailDeadLetterQueue', { redriveTarget: false, holds: 'the alarm topic\'s e-mail subscription' });
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail, { deadLetterQueue: undelivered }));
      deadLetterQueues['alarm-email-dlq'] = undelivered;
    }
    const action = new SnsAction(this.topic);
    const alarm = (name: string, metric: IMetric, threshold: number, evaluationPeriods: number, description: string) => {
      const a = new Alarm(this, name, {
        // Scoped to the stack: two hookpost stacks in one account must not collide.
        alarmName: `${Stack.of(this).stackName}-${name}`,
        alarmDescription: `${description} Runbook: README, "Runbooks", ${name}.`,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };

    const apiMetric = (metricName: string, statistic = 'Sum') =>
      new Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap: { ApiId: props.api.apiId }, statistic, period: Duration.minutes(1) });
    const schedulerMetric = (metricName: string) =>
      new Metric({ namespace: 'AWS/Scheduler', metricName, dimensionsMap: { ScheduleGroup: props.scheduleGroupName }, statistic: 'Sum', period: Duration.minutes(1) });
    const successRate = new MathExpression({
      expression: '100 * ok / (ok + failed)',
      usingMetrics: { ok: hookpost('AttemptsSucceeded'), failed: hookpost('AttemptsFailed') },
      label: 'attempts succeeded (%)',
      period: Duration.minutes(1),
    });
    const failureRate = new MathExpression({
      expression: 'IF(ok + failed > 0, 100 * failed / (ok + failed), 0)',
      usingMetrics: { ok: hookpost('AttemptsSucceeded', 'Sum', Duration.minutes(5)), failed: hookpost('AttemptsFailed', 'Sum', Duration.minutes(5)) },
      label: 'attempts failed (%)',
      period: Duration.minutes(5),
    });
    const fns = Object.entries(props.functions);

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `hookpost-${scope.node.id}` });
    this.dashboard.addWidgets(
      new TextWidget({ markdown: '# hookpost\nDeliveries, retries, queues and functions. Runbooks: README, "Runbooks".', width: 24, height: 2 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'API requests, 4xx, 5xx', left: [apiMetric('Count'), apiMetric('4xx'), apiMetric('5xx')], width: 8 }),
      new GraphWidget({ title: 'API latency (ms)', left: [apiMetric('Latency', 'p50'), apiMetric('Latency', 'p90'), apiMetric('Latency', 'p99')], width: 8 }),
      new GraphWidget({ title: 'Events published', left: [hookpost('EventsPublished')], width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Delivery success rate (%)', left: [successRate], leftYAxis: { min: 0, max: 100 }, width: 8 }),
      new GraphWidget({
        title: 'Delivery latency, publish to 2xx (ms)',
        left: [hookpost('DeliveryLatency', 'p50'), hookpost('DeliveryLatency', 'p90'), hookpost('DeliveryLatency', 'p99')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Receiver response time (ms)',
        left: [hookpost('ReceiverResponseTime', 'p50'), hookpost('ReceiverResponseTime', 'p90'), hookpost('ReceiverResponseTime', 'p99')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Outcomes',
        left: [hookpost('AttemptsSucceeded'), hookpost('AttemptsFailed'), hookpost('DeliveriesSucceeded'), hookpost('DeliveriesFailed')],
        right: [hookpost('OverdueDeliveries'), hookpost('EndpointHealthUpdateFailed'), hookpost('OperationalEventNotSent'), hookpost('AuditRecordNotWritten'), hookpost('SchemaViolations')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Retries: scheduled, waiting on the queue, due from Scheduler',
        left: [hookpost('RetriesScheduled'), props.deliveryQueue.metricApproximateNumberOfMessagesDelayed({ period: Duration.minutes(1) })],
        right: [schedulerMetric('InvocationAttemptCount')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Scheduler target failures',
        left: [schedulerMetric('TargetErrorCount'), schedulerMetric('InvocationDroppedCount'), schedulerMetric('InvocationsSentToDeadLetterCount')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Delivery queue: depth and oldest message (s)',
        left: [props.deliveryQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) })],
        right: [props.deliveryQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1) })],
        width: 12,
      }),
      new GraphWidget({
        title: 'Dead-letter queues',
        left: Object.entries(deadLetterQueues).map(([name, q]) =>
          q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), label: name }),
        ),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Lambda errors', left: fns.map(([n, f]) => f.function.metricErrors({ label: n, period: Duration.minutes(1) })), width: 6 }),
      new GraphWidget({ title: 'Lambda throttles', left: fns.map(([n, f]) => f.function.metricThrottles({ label: n, period: Duration.minutes(1) })), width: 6 }),
      new GraphWidget({
        title: 'Lambda duration p99 (ms)',
        left: fns.map(([n, f]) => f.function.metricDuration({ label: n, statistic: 'p99', period: Duration.minutes(1) })),
        width: 6,
      }),
      new GraphWidget({
        title: 'Lambda concurrency',
        left: fns.map(([n, f]) => f.function.metric('ConcurrentExecutions', { label: n, statistic: 'Maximum', period: Duration.minutes(1) })),
        width: 6,
      }),
    );

    for (const [name, q] of Object.entries(deadLetterQueues)) {
      alarm(`${name}-not-empty`, q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }), 1, 1, `Messages are waiting in the ${name} dead-letter queue.`);
    }
    alarm(
      'delivery-backlog-age',
      props.deliveryQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
      maxAge,
      5,
      `The oldest delivery message is older than ${maxAge} s: the worker is not keeping up.`,
    );
    alarm('delivery-failure-rate', failureRate, maxFailureRate, 3, `More than ${maxFailureRate}% of delivery attempts failed for 15 minutes.`);
    for (const [name, f] of fns) {
      alarm(`${name}-errors`, f.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), 1, 1, `The ${name} function raised errors.`);
    }
    alarm(
      'overdue-deliveries',
      hookpost('OverdueDeliveries', 'Sum', Duration.minutes(5)),
      1,
      1,
      'The sweep found deliveries whose attempt is overdue: a retry message was lost, or the worker is far behind. They have been re-driven.',
    );
    alarm(
      'endpoint-health-update-failed',
      hookpost('EndpointHealthUpdateFailed', 'Sum', Duration.minutes(5)),
      1,
      1,
      'The worker could not record an endpoint\'s health (failing, recovered, disabled): endpoints that should be disabled keep being sent to. Read the worker\'s ERROR lines ("could not update endpoint health").',
    );
    alarm(
      'operational-event-not-sent',
      hookpost('OperationalEventNotSent', 'Sum', Duration.minutes(5)),
      1,
      1,
      'The worker could not put an operational event (delivery.failed, webhook.failing, webhook.recovered, webhook.disabled, webhook.certificate_expiring) on the hookpost bus: the platform\'s rules missed it. Read the worker\'s ERROR lines ("could not put an operational event").',
    );
    alarm(
      'audit-record-not-written',
      hookpost('AuditRecordNotWritten', 'Sum', Duration.minutes(5)),
      1,
      1,
      'A route made a change but could not write its audit record: the trail misses it. Read the route functions\' ERROR lines ("could not write an audit record"), which hold the record.',
    );
    alarm('api-5xx', apiMetric('5xx').with({ period: Duration.minutes(5) }), max5xx, 1, `The API answered ${max5xx} or more 5xx in 5 minutes.`);
  }
}
