import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CONTEXT_PROPS, propsFromContext } from '../../lib/context-props';
import { HookpostStack } from '../../lib/hookpost-stack';

/** Configuration without code: every stack property from CDK context, refused clearly when wrong. */
const ROOT = join(import.meta.dirname, '..', '..');
const synth = (context: Record<string, unknown>) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  return Template.fromStack(new HookpostStack(app, 'Ctx', propsFromContext(app.node)));
};

describe('stack properties from CDK context', () => {
  it('has a key for every stack property, named as the property', () => {
    const source = readFileSync(join(ROOT, 'lib', 'hookpost-stack.ts'), 'utf8');
    const declared = [...source.matchAll(/^ {2}readonly (\w+)\?:/gm)].map((m) => m[1]);
    expect(Object.keys(CONTEXT_PROPS).sort()).toEqual(declared.sort());
  });

  it('reads lists comma-separated, durations in seconds, and the rest as written (text from -c, or JSON values from cdk.json)', () => {
    const t = synth({
      retrySchedule: '30,60',
      eventTypes: ['order.paid', 'order.refunded'],
      retentionDays: 7,
      disableAfterFailingFor: '3600',
      alarmEmail: 'ops@example.com',
      tenantRateLimit: '100/10',
      maxConcurrentDeliveriesPerEndpoint: '4',
      deliveryBatchingWindow: '2',
      staticEgressIps: 'true',
      allowedTargetCidrs: '10.20.0.0/16',
      dataRemovalPolicy: 'destroy',
      keepEventPayloads: 'true',
    });
    t.allResourcesProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          RETRY_SCHEDULE: '30,60',
          EVENT_TYPES: 'order.paid,order.refunded',
          RETENTION_DAYS: '7',
          DISABLE_AFTER_FAILING_SECONDS: '3600',
          TENANT_RATE_LIMIT: '100/10',
          MAX_CONCURRENT_DELIVERIES_PER_ENDPOINT: '4',
          ALLOWED_TARGET_CIDRS: '10.20.0.0/16',
          KEEP_EVENT_PAYLOADS: 'true',
        }),
      },
    });
    // An alarm e-mail SNS cannot deliver lands in a dead-letter queue of its own, which SNS may write to, and which is alarmed.
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', RedrivePolicy: { deadLetterTargetArn: Match.anyValue() } });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sqs:SendMessage', Principal: { Service: 'sns.amazonaws.com' } })]) },
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'Ctx-alarm-email-dlq-not-empty' });
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { MaximumBatchingWindowInSeconds: 2 });
    t.resourceCountIs('AWS::EC2::NatGateway', 2);
    t.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    // destroy leaves nothing behind: every key is scheduled for deletion with the stack, the alarm topic's too.
    const keys = Object.entries<any>(t.toJSON().Resources).filter(([, r]) => r.Type === 'AWS::KMS::Key');
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const [id, key] of keys) expect(`${id}: ${key.DeletionPolicy}`).toBe(`${id}: Delete`);
  });

  it('the portal\'s framing origins and brand reach the docs function only', () => {
    const t = synth({ portalFrameAncestors: 'https://app.example.com,https://admin.example.com:8443', portalProductName: 'Acme Cloud', portalLogoUrl: 'https://cdn.example.com/logo.svg', portalAccentColor: '#7C3AED', portalColorScheme: 'auto', portalFontFamily: 'Inter, sans-serif', portalRadiusPx: '2' });
    const fns = Object.values(t.toJSON().Resources as Record<string, { Type: string; Properties: any }>).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.EVENT_TYPES);
    const withPortal = fns.filter((f) => f.Properties.Environment.Variables.PORTAL_PRODUCT_NAME);
    expect(withPortal).toHaveLength(1);
    expect(withPortal[0]!.Properties.Description).toMatch(/documents|dashboard/i);
    expect(withPortal[0]!.Properties.Environment.Variables).toMatchObject({
      PORTAL_FRAME_ANCESTORS: 'https://app.example.com,https://admin.example.com:8443',
      PORTAL_PRODUCT_NAME: 'Acme Cloud',
      PORTAL_LOGO_URL: 'https://cdn.example.com/logo.svg',
      PORTAL_ACCENT_COLOR: '#7c3aed',
      PORTAL_COLOR_SCHEME: 'auto',
      PORTAL_FONT_FAMILY: 'Inter, sans-serif',
      PORTAL_RADIUS_PX: '2',
    });
    expect(() => synth({ portalColorScheme: 'sepia' })).toThrow(/Invalid context portalColorScheme="sepia".*light, dark or auto/);
    expect(() => synth({ portalFontFamily: 'x;}body{' })).toThrow(/Invalid context portalFontFamily=.*font-family/);
    expect(() => synth({ portalRadiusPx: '40' })).toThrow(/Invalid context portalRadiusPx="40"/);
    expect(() => synth({ portalFrameAncestors: 'http://app.example.com' })).toThrow(/Invalid context portalFrameAncestors=.*https origin/);
    // It says why: the page that frames the portal carries a tenant's session, so only a secure origin may.
    expect(() => synth({ portalFrameAncestors: 'http://app.example.com' })).toThrow(/http is allowed only for this machine \(localhost, 127\.0\.0\.1, \[::1\]\).*session/);
    expect(() => synth({ portalFrameAncestors: 'https://app.example.com/portal' })).toThrow(/no path/);
    expect(() => synth({ portalAccentColor: 'purple' })).toThrow(/Invalid context portalAccentColor="purple".*#rrggbb/);
    expect(() => synth({ portalLogoUrl: 'http://cdn.example.com/logo.svg' })).toThrow(/Invalid context portalLogoUrl=.*https URL/);
  });

  it('stops the synth with the key and what is allowed', () => {
    expect(() => synth({ retrySchedule: '60,soon' })).toThrow(/Invalid context retrySchedule="60,soon": .*allowed: seconds before each retry/);
    expect(() => synth({ alarmEmail: 'ops' })).toThrow(/Invalid context alarmEmail="ops".*allowed: an e-mail address/);
    expect(() => synth({ staticEgressIps: 'yes' })).toThrow(/Invalid context staticEgressIps="yes".*allowed: true or false/);
    expect(() => synth({ tenantRateLimit: '100' })).toThrow(/Invalid context tenantRateLimit="100"/);
    expect(() => synth({ dataRemovalPolicy: 'keep' })).toThrow(/Invalid context dataRemovalPolicy="keep".*retain or destroy/);
    // CloudFormation takes a Snapshot deletion policy on none of what the policy covers (tables, secret, keys): refused at synth, not at deploy.
    expect(() => synth({ dataRemovalPolicy: 'snapshot' })).toThrow(/Invalid context dataRemovalPolicy="snapshot".*retain or destroy/);
    expect(() => synth({ allowedTargetCidrs: '10.0.0.0' })).toThrow(/Invalid context allowedTargetCidrs="10.0.0.0"/);
    expect(() => synth({ allowedTargetCidrs: '10.0.0.0/8' })).toThrow(/allowedTargetCidrs needs staticEgressIps: true/);
  });

  it('npx cdk synth -c alarmEmail=… -c retrySchedule=30,60 synthesizes those values', () => {
    const out = mkdtempSync(join(tmpdir(), 'hookpost-cli-synth-'));
    const run = spawnSync('npx', ['cdk', 'synth', '--quiet', '-o', out, '-c', 'alarmEmail=ops@example.com', '-c', 'retrySchedule=30,60'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
      timeout: 240_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const template = Template.fromJSON(JSON.parse(readFileSync(join(out, 'Hookpost.template.json'), 'utf8')));
    template.allResourcesProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ RETRY_SCHEDULE: '30,60' }) } });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  }, 300_000);
});
