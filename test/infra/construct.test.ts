import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { describe, expect, it } from 'vitest';
import { Hookpost } from '../../lib/index';

/** hookpost inside a platform's own stack, next to the platform's function, which it lets publish. */
describe('the Hookpost construct', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const platform = new Stack(app, 'PlatformStack', { env: { account: '111122223333', region: 'eu-west-1' } });
  const backend = new LambdaFunction(platform, 'Backend', { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => {}') });
  const hookpost = new Hookpost(platform, 'Webhooks', { retrySchedule: [30, 60], alarmEmail: 'ops@example.com' });
  hookpost.grantPublish(backend);
  hookpost.addOperationsSubscriber(new UrlSubscription('https://chat.example.com/hooks/ops'));
  const opsQueue = new Queue(platform, 'OpsEvents', { enforceSSL: true });
  hookpost.onOperationalEvent('FailedDeliveries', new SqsQueue(opsQueue), ['delivery.failed', 'webhook.disabled']);
  const template = Template.fromStack(platform);
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;

  it('builds everything the stack builds, in the foreign stack, with the same props', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.allResourcesProperties('AWS::Lambda::Function', Match.objectLike({}));
    const ours = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.RETRY_SCHEDULE);
    expect(ours).toHaveLength(6);
    for (const f of ours) expect(f.Properties.Environment.Variables.RETRY_SCHEDULE).toBe('30,60');
    template.hasResourceProperties('AWS::SNS::Subscription', { Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://chat.example.com/hooks/ops' });
    expect(hookpost.webhookApi.api).toBeDefined();
    expect(hookpost.ingest.bus).toBeDefined();
  });

  it('grantPublish lets the platform\'s role invoke the two publish routes, and put events on the hookpost bus, nothing more', () => {
    const backendRole = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith('BackendServiceRole'))![0];
    const statements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(backendRole))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    expect(statements.map((s) => s.Action).sort()).toEqual(['events:PutEvents', 'execute-api:Invoke']);
    const invoke = statements.find((s) => s.Action === 'execute-api:Invoke')!;
    const text = JSON.stringify(invoke.Resource);
    expect(text).toContain('/POST/v1/events"');
    expect(text).toContain('/POST/v1/events/batch"');
    expect(text).not.toContain('tenants');
    const put = statements.find((s) => s.Action === 'events:PutEvents')!;
    expect(JSON.stringify(put.Resource)).toMatch(/WebhooksIngestBus\w*/);
  });

  it('onOperationalEvent routes the operational events it names, from the hookpost bus, to the platform\'s target', () => {
    const rules = Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties.EventPattern?.source?.[0] === 'hookpost.operations');
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.EventPattern).toEqual({ source: ['hookpost.operations'], 'detail-type': ['delivery.failed', 'webhook.disabled'] });
    expect(JSON.stringify(rules[0]!.Properties.EventBusName)).toMatch(/WebhooksIngestBus/);
    expect(JSON.stringify(rules[0]!.Properties.Targets)).toMatch(/OpsEvents/);
  });
});

describe('the stack\'s data removal policy', () => {
  it('refuses SNAPSHOT from code as from context: CloudFormation snapshots no table, secret or key of it', async () => {
    const { HookpostStack } = await import('../../lib/index');
    const { RemovalPolicy } = await import('aws-cdk-lib');
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new HookpostStack(app, 'Snap', { dataRemovalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(/RETAIN or DESTROY: CloudFormation cannot snapshot/);
  });
});
