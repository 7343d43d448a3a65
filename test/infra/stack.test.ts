import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_LOAD_ENV } from '../../bench/bundle-env';
import { ROUTES } from '../../lambdas/shared/http/routes';
import { HookpostStack } from '../../lib/hookpost-stack';

const ROOT = join(import.meta.dirname, '..', '..');

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

let outdir: string;
let template: Template;
let resources: Resources;
let report: { pluginReports: Array<{ pluginName: string; conclusion: string; violations: unknown[]; suppressedViolations: Array<{ ruleName: string; reason: string }> }> };

/** The real app: esbuild bundles every function, cdk-nag runs both packs, as `cdk synth` does. */
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'hookpost-synth-'));
  const app = new App({ outdir });
  new HookpostStack(app, 'Hookpost'); // cdk-nag runs on the stack itself
  app.synth();
  const json = JSON.parse(readFileSync(join(outdir, 'Hookpost.template.json'), 'utf8'));
  template = Template.fromJSON(json);
  resources = json.Resources;
  report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
}, 120_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const fnByDescription = (part: string) => ofType('AWS::Lambda::Function').find(([, r]) => String(r.Properties.Description).includes(part))!;
const policiesOfRole = (roleLogicalId: string) =>
  ofType('AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleLogicalId)).flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
const asList = <T>(v: T | T[]) => (Array.isArray(v) ? v : [v]);
/** The functions' asset directories (the catalogue's layer is an asset too). */
const functionAssets = () => readdirSync(outdir).filter((d) => d.startsWith('asset.') && existsSync(join(outdir, d, 'index.mjs')));

describe('bundles and the CDK CLI', () => {
  it('every bundled handler loads on Node 24 as an ESM module and exports its handler', async () => {
    Object.assign(process.env, BUNDLE_LOAD_ENV);
    const assets = functionAssets();
    expect(assets).toHaveLength(6);
    for (const asset of assets) {
      const bundle = join(outdir, asset, 'index.mjs');
      expect(statSync(bundle).size).toBeLessThan(3 * 1024 * 1024);
      const mod = await import(pathToFileURL(bundle).href);
      expect(typeof mod.handler, asset).toBe('function');
    }
  });

  it('every function ships the Tracer chunk beside its bundle, loaded only by sampled invocations', async () => {
    const assets = functionAssets();
    for (const asset of assets) expect(existsSync(join(outdir, asset, 'xray-tracing.mjs')), asset).toBe(true);
    const docs = assets.find((a) => readFileSync(join(outdir, a, 'index.mjs'), 'utf8').includes("default-src 'none'"))!;
    const daemon = createSocket('udp4');
    const documents: any[] = [];
    daemon.on('message', (m) => documents.push(JSON.parse(m.toString().split('\n')[1]!)));
    await new Promise<void>((r) => daemon.bind(0, '127.0.0.1', r));
    const invoke = (flags: string) => {
      const out = spawnSync(process.execPath, [join(ROOT, 'test', 'support', 'invoke-traced.mjs'), join(outdir, docs), String(daemon.address().port), flags], {
        env: { ...process.env, ...BUNDLE_LOAD_ENV },
        encoding: 'utf8',
      });
      expect(out.status, out.stderr).toBe(0);
      return JSON.parse(out.stdout) as Array<{ status: number; tracerLoaded: boolean }>;
    };
    try {
      // An unsampled cold start never imports the X-Ray SDK; the first sampled invocation does.
      expect(invoke('0,0,1,0')).toEqual([
        { status: 200, tracerLoaded: false },
        { status: 200, tracerLoaded: false },
        { status: 200, tracerLoaded: true },
        { status: 200, tracerLoaded: true },
      ]);
      // A cold start that is sampled is annotated as one.
      invoke('1');
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      daemon.close();
    }
    const handlerSegments = documents.filter((d) => d.name === '## index.handler');
    expect(handlerSegments.map((d) => [d.trace_id.slice(-1), d.annotations])).toEqual(
      expect.arrayContaining([
        ['3', { ColdStart: false, Service: 'hookpost' }],
        ['1', { ColdStart: true, Service: 'hookpost' }],
      ]),
    );
    // Only sampled invocations are sent, and never a response (the API's carry secrets).
    expect(handlerSegments).toHaveLength(2);
    for (const d of documents) expect(JSON.stringify(d)).not.toContain('openapi');
  });

  it('`cdk synth` works offline with the pinned CLI', () => {
    const out = mkdtempSync(join(tmpdir(), 'hookpost-cli-synth-'));
    const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--output', out], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(join(out, 'Hookpost.template.json'))).toBe(true);
  }, 120_000);
});

describe('cdk-nag', () => {
  it('passes the AwsSolutions and Serverless packs', () => {
    expect(report.pluginReports.map((p) => [p.pluginName, p.conclusion, p.violations.length])).toEqual([
      ['AwsSolutions', 'success', 0],
      ['Serverless', 'success', 0],
    ]);
  });

  it('acknowledges only the rules we chose, each with a reason', () => {
    const acknowledged = new Set(report.pluginReports.flatMap((p) => p.suppressedViolations.map((v) => v.ruleName.replace(/\[.*\]$/, ''))));
    expect([...acknowledged].sort()).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-IAM5',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaEventSourceMappingDestination',
      'Serverless-SQSRedrivePolicy',
    ]);
    for (const p of report.pluginReports) for (const v of p.suppressedViolations) expect(v.reason.length, v.ruleName).toBeGreaterThan(40);
    const iam5 = report.pluginReports.flatMap((p) => p.suppressedViolations).filter((v) => v.ruleName.startsWith('AwsSolutions-IAM5'));
    for (const v of iam5) {
      expect(v.ruleName).toMatch(
        /^AwsSolutions-IAM5\[(Resource::(\*|<Data(Deliveries|Config)Table\w+\.Arn>\/index\/\*|arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule\/<DeliveryRetrySchedules\w+>\/\*|arn:<AWS::Partition>:iam::\*:role\/\*)|Action::kms:(GenerateDataKey|ReEncrypt)\*)\]$/,
      );
    }
  });
});

describe('functions', () => {
  it('run on arm64, the newest Node runtime, traced, with explicit memory and timeout and their own log group', () => {
    const fns = ofType('AWS::Lambda::Function');
    expect(fns).toHaveLength(6);
    for (const [, fn] of fns) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
      expect(fn.Properties.MemorySize).toBeGreaterThanOrEqual(128);
      expect(fn.Properties.Timeout).toBeGreaterThan(0);
      expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
    }
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('get resource names from the environment, never a secret value', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const env = fn.Properties.Environment.Variables;
      expect(Object.keys(env)).toContain('EVENT_TYPES');
      if (!String(fn.Properties.Description).includes('public documents')) expect(Object.keys(env)).toContain('CONFIG_TABLE_NAME');
      if (env.MASTER_KEY_SECRET_ARN) expect(env.MASTER_KEY_SECRET_ARN).toEqual({ Ref: expect.stringMatching(/^DataMasterKey/) });
    }
  });

  it('only the functions that seal or open endpoint secrets may read the master key', () => {
    const readers = ofType('AWS::Lambda::Function')
      .filter(([, f]) => f.Properties.Environment.Variables.MASTER_KEY_SECRET_ARN)
      .map(([, f]) => String(f.Properties.Description).split(': ')[1]!.split(' ')[0])
      .sort();
    expect(readers).toEqual(['fans', 'the', 'the'].sort());
    for (const part of ['platform routes', 'hookpost event bus']) {
      const [, fn] = fnByDescription(part);
      const actions = policiesOfRole(fn.Properties.Role['Fn::GetAtt'][0]).flatMap((s) => asList(s.Action));
      expect(actions.filter((a: string) => a.startsWith('secretsmanager:'))).toEqual([]);
    }
  });
});

describe('delivery pipeline', () => {
  it('the queue redrives to a DLQ after 5 receives, is encrypted and refuses non-TLS access', () => {
    const queues = ofType('AWS::SQS::Queue');
    const [, main] = queues.find(([id, q]) => q.Properties.RedrivePolicy && id.startsWith('DeliveryQueue'))!;
    const [dlqId] = queues.find(([id]) => id.startsWith('DeliveryDeadLetterQueue'))!;
    expect(main.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 });
    // Every queue under the stack's data key (EventBridge is granted it in the key policy for
    // the ingest DLQ), and its message size set, not left to a default that has changed before.
    for (const [id, q] of queues) {
      expect(q.Properties.KmsMasterKeyId, id).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DataDataKey/), 'Arn'] });
      expect(q.Properties.MaximumMessageSize, id).toBe(1_048_576);
    }
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } },
      6,
    );
  });

  it('ordered endpoints\' deliveries go through a FIFO queue, one message an invocation, redriven to a FIFO DLQ only after SQS\'s largest receive count', () => {
    const queues = ofType('AWS::SQS::Queue');
    const [fifoId, fifo] = queues.find(([id]) => id.startsWith('OrderedQueue'))!;
    const [dlqId, dlq] = queues.find(([id]) => id.startsWith('OrderedDeadLetterQueue'))!;
    expect(fifo.Properties).toMatchObject({ FifoQueue: true, ContentBasedDeduplication: false, DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId', VisibilityTimeout: 360 });
    expect(fifo.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 1000 });
    expect(dlq.Properties.FifoQueue).toBe(true);
    const [, worker] = fnByDescription('signs and sends');
    const mapping = ofType('AWS::Lambda::EventSourceMapping').map(([, m]) => m.Properties).find((m) => JSON.stringify(m.EventSourceArn).includes(fifoId))!;
    expect(mapping).toMatchObject({ BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(JSON.stringify(mapping.FunctionName)).toContain(ofType('AWS::Lambda::Function').find(([, f]) => f === worker)![0]);
    // The worker and the two publishers know the queue; a DLQ alarm watches its dead letters.
    for (const part of ['signs and sends', 'platform routes', 'hookpost event bus']) {
      expect(fnByDescription(part)[1].Properties.Environment.Variables.ORDERED_QUEUE_URL, part).toEqual({ Ref: fifoId });
    }
    expect(ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.AlarmName)).toContain('Hookpost-ordered-dlq-not-empty');
  });

  it('the worker consumes batches of 10 with partial batch failure reporting, and outlives its 30 s request timeout', () => {
    const [workerId, worker] = fnByDescription('fans events out');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: workerId },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(worker.Properties.Timeout).toBeGreaterThan(30);
    // No batching window by default: a delivery is handed to the worker as soon as SQS has it.
    const [, mapping] = ofType('AWS::Lambda::EventSourceMapping')[0]!;
    expect(mapping.Properties.MaximumBatchingWindowInSeconds ?? 0).toBe(0);
    const [, main] = ofType('AWS::SQS::Queue').find(([, q]) => q.Properties.RedrivePolicy)!;
    expect(main.Properties.VisibilityTimeout).toBe(worker.Properties.Timeout * 6);
  });
});

describe('retry scheduling', () => {
  it('one-time schedules live in the stack\'s own group; Scheduler\'s role may only send to the delivery queue and its DLQ', () => {
    const [groupId] = ofType('AWS::Scheduler::ScheduleGroup')[0]!;
    const [roleId] = ofType('AWS::IAM::Role').find(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'))!;
    const statements = policiesOfRole(roleId);
    const sqsStatements = statements.filter((s) => asList(s.Action).every((a: string) => a.startsWith('sqs:')));
    expect(sqsStatements.flatMap((s) => asList(s.Action)).sort()).toEqual(
      ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'].sort(),
    );
    // The rest is the data key the queues are encrypted with, and only it.
    for (const k of statements.filter((s) => !sqsStatements.includes(s))) {
      expect(asList(k.Action).every((a: string) => a.startsWith('kms:'))).toBe(true);
      expect(k.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DataDataKey/), 'Arn'] });
    }
    const targets = sqsStatements.map((s) => s.Resource['Fn::GetAtt'][0]).sort();
    expect(targets).toEqual([expect.stringMatching(/^DeliveryQueue/), expect.stringMatching(/^DeliverySchedulerDeadLetterQueue/)].sort());

    const [, worker] = fnByDescription('fans events out');
    const workerStatements = policiesOfRole(worker.Properties.Role['Fn::GetAtt'][0]);
    const create = workerStatements.find((s) => asList(s.Action).includes('scheduler:CreateSchedule'))!;
    expect(JSON.stringify(create.Resource)).toContain(groupId);
    expect(JSON.stringify(create.Resource)).toContain(':schedule/');
    const pass = workerStatements.find((s) => asList(s.Action).includes('iam:PassRole'))!;
    expect(pass.Resource).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(Object.keys(worker.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining(['SCHEDULE_GROUP_NAME', 'DELIVERY_QUEUE_ARN', 'SCHEDULER_ROLE_ARN', 'SCHEDULER_DLQ_ARN']),
    );
  });

  it('every minute a recurring schedule sends the worker a sweep for overdue deliveries, with a DLQ', () => {
    const [groupId] = ofType('AWS::Scheduler::ScheduleGroup')[0]!;
    const [, sweep] = ofType('AWS::Scheduler::Schedule')[0]!;
    expect(sweep.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      GroupName: { Ref: groupId },
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [expect.stringMatching(/^DeliveryQueue/), 'Arn'] },
        Input: '{"kind":"sweep"}',
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^DeliverySchedulerDeadLetterQueue/), 'Arn'] } },
      },
    });
    const overdue = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties).find((a) => a.AlarmName === 'Hookpost-overdue-deliveries');
    expect(overdue).toMatchObject({ MetricName: 'OverdueDeliveries', Namespace: 'Hookpost', Threshold: 1 });
  });

  it('a failed endpoint-health update alarms on the first one (an endpoint that should be disabled keeps being sent to)', () => {
    const alarm = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties).find((a) => a.AlarmName === 'Hookpost-endpoint-health-update-failed');
    expect(alarm).toMatchObject({ MetricName: 'EndpointHealthUpdateFailed', Namespace: 'Hookpost', Threshold: 1, Statistic: 'Sum', TreatMissingData: 'notBreaching' });
    expect(alarm?.AlarmActions).toHaveLength(1);
  });

  it('the worker may put operational events on the stack\'s bus, and a refused one alarms on the first', () => {
    const [busId] = ofType('AWS::Events::EventBus')[0]!;
    const [, worker] = fnByDescription('signs and sends');
    expect(worker.Properties.Environment.Variables.OPERATIONS_BUS_NAME).toEqual({ Ref: busId });
    const put = policiesOfRole(worker.Properties.Role['Fn::GetAtt'][0]).filter((st) => asList(st.Action).includes('events:PutEvents'));
    expect(put.map((st) => st.Resource)).toEqual([{ 'Fn::GetAtt': [busId, 'Arn'] }]);
    const alarm = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties).find((a) => a.AlarmName === 'Hookpost-operational-event-not-sent');
    expect(alarm).toMatchObject({ MetricName: 'OperationalEventNotSent', Namespace: 'Hookpost', Threshold: 1, Statistic: 'Sum' });
    // A change whose audit record could not be written alarms on the first too (issue 28).
    const audit = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties).find((a) => a.AlarmName === 'Hookpost-audit-record-not-written');
    expect(audit).toMatchObject({ MetricName: 'AuditRecordNotWritten', Namespace: 'Hookpost', Threshold: 1, Statistic: 'Sum' });
  });

  it('API functions cannot create schedules', () => {
    for (const part of ['account webhook', 'admin webhook', 'platform routes']) {
      const [, fn] = fnByDescription(part);
      const actions = policiesOfRole(fn.Properties.Role['Fn::GetAtt'][0]).flatMap((s) => asList(s.Action));
      expect(actions.filter((a: string) => a.startsWith('scheduler:') || a === 'iam:PassRole')).toEqual([]);
    }
  });
});

describe('EventBridge ingest', () => {
  it('every event on the stack\'s bus but hookpost\'s operational events goes to the ingest function, with retries and a DLQ for what fails', () => {
    const [busId] = ofType('AWS::Events::EventBus')[0]!;
    const [, ingest] = fnByDescription('hookpost event bus');
    const [, rule] = ofType('AWS::Events::Rule').find(([, r]) => r.Properties.EventBusName)!;
    expect(rule.Properties.EventBusName).toEqual({ Ref: busId });
    expect(rule.Properties.EventPattern).toEqual({ source: [{ 'anything-but': ['hookpost.operations'] }] });
    const [target] = rule.Properties.Targets;
    expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 4 });
    expect(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toMatch(/^IngestDeadLetterQueue/);
    const [, invokeConfig] = ofType('AWS::Lambda::EventInvokeConfig')[0]!;
    expect(invokeConfig.Properties).toMatchObject({
      FunctionName: { Ref: ofType('AWS::Lambda::Function').find(([, f]) => f === ingest)![0] },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^IngestDeadLetterQueue/), 'Arn'] } } },
    });
  });
});

describe('operations', () => {
  const alarms = () => ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const byName = (name: string) => alarms().find((a) => a.AlarmName === `Hookpost-${name}`)!;

  it('alarms go to one encrypted SNS topic, on trouble and on recovery, which CloudWatch may publish to', () => {
    const [topicId, topic] = ofType('AWS::SNS::Topic')[0]!;
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    // A topic policy replaces SNS's default one: it must let CloudWatch publish, or no alarm ever notifies.
    const [, policy] = ofType('AWS::SNS::TopicPolicy')[0]!;
    const allows = (policy.Properties.PolicyDocument.Statement as any[]).filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    const keyPolicy = JSON.stringify(resources[keyId]!.Properties.KeyPolicy);
    expect(keyPolicy).toContain('cloudwatch.amazonaws.com');
    expect(alarms().length).toBeGreaterThanOrEqual(10);
    for (const a of alarms()) {
      expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(a.OKActions).toEqual([{ Ref: topicId }]);
      expect(a.TreatMissingData).toBe('notBreaching');
    }
  });

  it('any message in any DLQ raises an alarm', () => {
    for (const dlq of ['delivery-dlq', 'scheduler-dlq', 'ingest-dlq']) {
      expect(byName(`${dlq}-not-empty`)).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('alarms on backlog age, failure rate, function errors and API 5xx', () => {
    expect(byName('delivery-backlog-age')).toMatchObject({ MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 900, EvaluationPeriods: 5 });
    const failure = byName('delivery-failure-rate');
    expect(failure).toMatchObject({ Threshold: 25, EvaluationPeriods: 3 });
    expect(JSON.stringify(failure.Metrics)).toContain('AttemptsFailed');
    for (const fn of ['account-webhooks', 'admin-webhooks', 'platform', 'docs', 'delivery-worker', 'eventbridge-ingest']) {
      expect(byName(`${fn}-errors`)).toMatchObject({ MetricName: 'Errors', Namespace: 'AWS/Lambda', Threshold: 1 });
    }
    expect(byName('api-5xx')).toMatchObject({ MetricName: '5xx', Namespace: 'AWS/ApiGateway', Threshold: 5, Period: 300 });
  });

  it('the dashboard shows the API, publishing, delivery, retries, queues, DLQs, functions and Scheduler', () => {
    const [, dashboard] = ofType('AWS::CloudWatch::Dashboard')[0]!;
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const needle of [
      'API requests, 4xx, 5xx', '\\"5xx\\"', 'EventsPublished', 'Delivery success rate', 'AttemptsSucceeded',
      'DeliveryLatency', 'p50', 'p90', 'p99', 'ReceiverResponseTime', 'RetriesScheduled', 'ApproximateNumberOfMessagesDelayed',
      'ApproximateAgeOfOldestMessage', 'Dead-letter queues', 'Throttles', 'ConcurrentExecutions', 'Duration',
      'TargetErrorCount', 'AWS/Scheduler',
    ]) {
      expect(body, needle).toContain(needle);
    }
  });

  it('two stacks deploy side by side in one account: alarm and schedule group names carry the stack name, within their limits', () => {
    const bundling = { context: { 'aws:cdk:bundling-stacks': [] } };
    const long = 'Hookpost-' + 'x'.repeat(110);
    const names = (stackName: string) => {
      const t = Template.fromStack(new HookpostStack(new App(bundling), stackName)).toJSON().Resources as Resources;
      return {
        alarms: Object.values(t).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => r.Properties.AlarmName as string),
        group: Object.values(t).find((r) => r.Type === 'AWS::Scheduler::ScheduleGroup')!.Properties.Name as string,
      };
    };
    const [a, b, c] = [names('HookpostA'), names('HookpostB'), names(long)];
    expect(a.alarms.filter((n) => b.alarms.includes(n))).toEqual([]);
    expect(a.group).not.toBe(b.group);
    expect(c.group.length).toBeLessThanOrEqual(64);
    expect(c.group).toMatch(/^[0-9a-zA-Z._-]+$/);
    expect(names(long + 'y').group).not.toBe(c.group);
    for (const n of c.alarms) expect(n.length).toBeLessThanOrEqual(255);
  });

  it('an alarm email is subscribed when given, and checked', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const t = Template.fromStack(new HookpostStack(app, 'WithEmail', { alarmEmail: 'ops@example.com' }));
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    expect(() => new HookpostStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bad', { alarmEmail: 'nope' })).toThrow(/alarmEmail/);
  });
});

describe('data', () => {
  it('tables have point-in-time recovery; deliveries expire by TTL; sparse indexes of waiting and of failed deliveries, and of each tenant\'s items on both tables', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables).toHaveLength(2);
    for (const [, t] of tables) {
      expect(t.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(t.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^DataDataKey/), 'Arn'] } });
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', { TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true } });
    const tenantItems = { IndexName: 'tenant-items', KeySchema: [{ AttributeName: 'tenant_items_pk', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } };
    const indexes = tables.find(([id]) => id.includes('Deliveries'))![1].Properties.GlobalSecondaryIndexes;
    expect(indexes).toEqual([
      {
        IndexName: 'due',
        KeySchema: [{ AttributeName: 'due_pk', KeyType: 'HASH' }, { AttributeName: 'due_at', KeyType: 'RANGE' }],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['id', 'tenant_id', 'endpoint_id', 'status', 'attempt_count'] },
      },
      { IndexName: 'failed', KeySchema: [{ AttributeName: 'failed_pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
      { IndexName: 'tenant-failed', KeySchema: [{ AttributeName: 'tenant_failed_pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
      tenantItems,
    ]);
    // Keys only: a tenant's erasure reads the items it deletes there, nothing of them.
    expect(tables.find(([id]) => id.includes('Config'))![1].Properties.GlobalSecondaryIndexes).toEqual([tenantItems]);
  });

  it('the master key is generated by Secrets Manager, never written in the template', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
  });

  it('one customer-managed KMS key, rotated, encrypts the tables, the master key secret and the delivery queues', () => {
    const keys = ofType('AWS::KMS::Key').filter(([id]) => id.startsWith('DataDataKey'));
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0]!;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });

  it('rate-limit windows in the configs table expire by TTL too', () => {
    const [, configs] = ofType('AWS::DynamoDB::Table').find(([id]) => id.includes('Config'))!;
    expect(configs.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
  });
});

describe('API', () => {
  it('has every route of the shared table; platform routes need IAM, tenant routes authenticate in the function', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey, r.Properties.AuthorizationType ?? 'NONE']);
    expect(routes.sort()).toEqual(
      ROUTES.map((r) => [`${r.method} ${r.path}`, r.auth === 'platform' ? 'AWS_IAM' : 'NONE']).sort(),
    );
  });

  it('logs every request as JSON and throttles the stage', () => {
    const [, stage] = ofType('AWS::ApiGatewayV2::Stage')[0]!;
    expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    // Under /aws/vendedlogs/, as AWS advises for vended logs: CloudWatch Logs' resource policy
    // (5,120 characters an account) is not grown by one more log group of every stack.
    const [, group] = ofType('AWS::Logs::LogGroup').find(([id]) => stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0] === id)!;
    expect(group.Properties.LogGroupName).toBe('/aws/vendedlogs/apigateway/Hookpost-access');
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 });
  });
});

describe('least privilege', () => {
  const statements = () => ofType('AWS::IAM::Policy').flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);

  it('no statement grants a wildcard action, and only X-Ray gets resource *', () => {
    for (const s of statements()) {
      for (const a of asList(s.Action)) expect(a).not.toMatch(/^\*$|:\*$/);
      if (asList(s.Resource).includes('*')) expect(asList(s.Action).every((a: string) => a.startsWith('xray:'))).toBe(true);
    }
  });

  it('no function role carries an AWS managed policy', () => {
    for (const [, role] of ofType('AWS::IAM::Role')) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('the worker reads the configs table and may only update (endpoint health) and delete (a tenant\'s erasure) items in it, never put', () => {
    const [, worker] = fnByDescription('fans events out');
    const roleId = worker.Properties.Role['Fn::GetAtt'][0];
    const configTableId = ofType('AWS::DynamoDB::Table').find(([id]) => id.includes('Config'))![0];
    const onConfig = policiesOfRole(roleId).filter((s) => JSON.stringify(s.Resource).includes(configTableId));
    const actions = onConfig.flatMap((s) => asList(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    // markFailing, clearFailing and disableEndpoint are UpdateItem calls: without it, no endpoint is ever disabled on AWS.
    // A tenant's erasure deletes its configuration one DeleteItem at a time (BatchWriteItem would allow puts).
    expect(actions.filter((a: string) => /Put|Update|Delete|Write/.test(a)).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:UpdateItem']);
  });

  it('every DynamoDB call the retry path adds is granted: the worker queries the due index and updates deliveries; the admin routes take a delivery for a manual retry', () => {
    const deliveriesId = ofType('AWS::DynamoDB::Table').find(([id]) => id.includes('Deliveries'))![0];
    const grants = (part: string) => {
      const [, fn] = fnByDescription(part);
      return policiesOfRole(fn.Properties.Role['Fn::GetAtt'][0]).filter((s) => JSON.stringify(s.Resource).includes(deliveriesId));
    };
    const allows = (statements: any[], action: string, onIndex: boolean) =>
      statements.some((s) => asList(s.Action).includes(action) && asList(s.Resource).some((r: unknown) => JSON.stringify(r).includes('/index/*') === onIndex));
    const worker = grants('fans events out');
    expect(allows(worker, 'dynamodb:Query', true)).toBe(true); // listOverdue reads the due index
    expect(allows(worker, 'dynamodb:UpdateItem', false)).toBe(true); // claims, records, postpones
    expect(allows(grants('admin webhook'), 'dynamodb:UpdateItem', false)).toBe(true); // beginManualRetry
  });

  it('the admin routes may record manual retries; the account routes cannot reach deliveries at all', () => {
    const deliveriesId = ofType('AWS::DynamoDB::Table').find(([id]) => id.includes('Deliveries'))![0];
    const onDeliveries = (part: string) => {
      const [, fn] = fnByDescription(part);
      return policiesOfRole(fn.Properties.Role['Fn::GetAtt'][0])
        .filter((s) => JSON.stringify(s.Resource).includes(deliveriesId))
        .flatMap((s) => asList(s.Action));
    };
    expect(onDeliveries('admin webhook')).toContain('dynamodb:UpdateItem');
    expect(onDeliveries('account webhook')).toEqual([]);
    expect(fnByDescription('account webhook')[1].Properties.Environment.Variables.DELIVERIES_TABLE_NAME).toBeUndefined();
  });

  it('API functions cannot consume the delivery queue', () => {
    const [, platform] = fnByDescription('platform routes');
    const actions = policiesOfRole(platform.Properties.Role['Fn::GetAtt'][0]).flatMap((s) => asList(s.Action));
    expect(actions).toContain('sqs:SendMessage');
    expect(actions).not.toContain('sqs:ReceiveMessage');
    expect(actions).not.toContain('sqs:DeleteMessage');
  });

  it('the public documents function reaches no table, queue or secret', () => {
    const [, docs] = fnByDescription('public documents');
    const actions = policiesOfRole(docs.Properties.Role['Fn::GetAtt'][0]).flatMap((s) => asList(s.Action));
    expect(actions.filter((a: string) => !a.startsWith('logs:') && !a.startsWith('xray:'))).toEqual([]);
    expect(Object.keys(docs.Properties.Environment.Variables).filter((k) => /TABLE|QUEUE|SECRET/.test(k))).toEqual([]);
  });

  it('the account routes, which never publish or retry, cannot send to the delivery queue', () => {
    const [, account] = fnByDescription('account webhook');
    const actions = policiesOfRole(account.Properties.Role['Fn::GetAtt'][0]).flatMap((s) => asList(s.Action));
    expect(actions.filter((a: string) => a.startsWith('sqs:'))).toEqual([]);
    expect(account.Properties.Environment.Variables.DELIVERY_QUEUE_URL).toBeUndefined();
  });
});

describe('stack properties', () => {
  const synth = (props: ConstructorParameters<typeof HookpostStack>[2]) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    return Template.fromStack(new HookpostStack(app, 'Custom', props));
  };

  it('a batching window trades delivery latency for fuller invocations, when asked for', () => {
    const t = synth({ deliveryBatchingWindow: Duration.seconds(2) });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { MaximumBatchingWindowInSeconds: 2, BatchSize: 10 });
    expect(() => synth({ deliveryBatchingWindow: Duration.seconds(301) })).toThrow(/batching window/);
  });

  it('the event catalogue and retry schedule reach every function', () => {
    const t = synth({ eventTypes: ['order.created', 'order.paid'], retrySchedule: [5, 10] });
    t.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENT_TYPES: 'order.created,order.paid', RETRY_SCHEDULE: '5,10' }) },
    });
  });

  it('the egress allowlist, tenant rate limit, per-endpoint concurrency cap and payload keeping reach every function', () => {
    const t = synth({
      allowedTargetCidrs: ['10.20.0.0/16', 'fd00:1::/64'],
      staticEgressIps: true,
      tenantRateLimit: { requests: 100, per: Duration.seconds(10) },
      maxConcurrentDeliveriesPerEndpoint: 4,
      keepEventPayloads: true,
    });
    t.allResourcesProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ALLOWED_TARGET_CIDRS: '10.20.0.0/16,fd00:1::/64',
          TENANT_RATE_LIMIT: '100/10',
          MAX_CONCURRENT_DELIVERIES_PER_ENDPOINT: '4',
          KEEP_EVENT_PAYLOADS: 'true',
        }),
      },
    });
    const defaults = synth({});
    defaults.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ALLOWED_TARGET_CIDRS: '', TENANT_RATE_LIMIT: '1200/60', MAX_CONCURRENT_DELIVERIES_PER_ENDPOINT: '0', KEEP_EVENT_PAYLOADS: 'false' }) },
    });
  });

  it('refuses a malformed allowlist, rate limit or cap', () => {
    expect(() => synth({ allowedTargetCidrs: ['10.0.0.0'] })).toThrow(/Invalid CIDR/);
    expect(() => synth({ tenantRateLimit: { requests: 0, per: Duration.minutes(1) } })).toThrow(/rate limit/);
    expect(() => synth({ maxConcurrentDeliveriesPerEndpoint: -1 })).toThrow(/maxConcurrentDeliveriesPerEndpoint/);
  });

  it('refuses a malformed catalogue, schedule or retention', () => {
    expect(() => synth({ eventTypes: ['Not A Type'] })).toThrow(/Invalid event type/);
    expect(() => synth({ eventTypes: ['a.b', 'a.b'] })).toThrow(/twice/);
    expect(() => synth({ retrySchedule: [0] })).toThrow(/retry schedule/);
    expect(() => synth({ retentionDays: 0 })).toThrow(/retentionDays/);
  });
});
