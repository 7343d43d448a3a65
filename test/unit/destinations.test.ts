import { createSecretBox } from '../../lambdas/shared/domain/secret-box';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import {
  externalIdFor,
  fifoParameters,
  MAX_MESSAGE_BYTES,
  messageBytes,
  parseDestination,
  roleSessionName,
  roleTemplate,
  sessionPolicy,
  trustPolicy,
} from '../../lambdas/shared/domain/destinations';

const PLATFORM = '111122223333';
const TENANT_ACCOUNT = '444455556666';
const ROLE = `arn:aws:iam::${TENANT_ACCOUNT}:role/hookpost-delivery`;
const DELIVERY_ROLE = `arn:aws:iam::${PLATFORM}:role/Hookpost-DeliveryWorkerRole`;
const rules = { platformAccount: PLATFORM };

describe('AWS destinations: what a tenant may name', () => {
  it('parses each target type, a queue by URL or ARN, and FIFO by its name', () => {
    expect(parseDestination({ type: 'eventbridge', target: `arn:aws:events:eu-west-1:${TENANT_ACCOUNT}:event-bus/orders`, role_arn: ROLE }, rules)).toMatchObject({
      type: 'eventbridge',
      region: 'eu-west-1',
      account: TENANT_ACCOUNT,
      name: 'orders',
      fifo: false,
    });
    const byUrl = parseDestination({ type: 'sqs', target: `https://sqs.eu-west-1.amazonaws.com/${TENANT_ACCOUNT}/orders.fifo`, role_arn: ROLE }, rules);
    expect(byUrl).toMatchObject({ arn: `arn:aws:sqs:eu-west-1:${TENANT_ACCOUNT}:orders.fifo`, fifo: true });
    const byArn = parseDestination({ type: 'sqs', target: `arn:aws:sqs:eu-west-1:${TENANT_ACCOUNT}:orders`, role_arn: ROLE }, rules);
    expect(byArn.queueUrl).toBe(`https://sqs.eu-west-1.amazonaws.com/${TENANT_ACCOUNT}/orders`);
    expect(parseDestination({ type: 'sns', target: `arn:aws:sns:us-east-1:${TENANT_ACCOUNT}:alerts.fifo`, role_arn: ROLE }, rules).fifo).toBe(true);
    expect(parseDestination({ type: 'sqs', target: `https://sqs.cn-north-1.amazonaws.com.cn/${TENANT_ACCOUNT}/q`, role_arn: `arn:aws-cn:iam::${TENANT_ACCOUNT}:role/r` }, rules).arn).toBe(
      `arn:aws-cn:sqs:cn-north-1:${TENANT_ACCOUNT}:q`,
    );
  });

  it.each([
    ['eventbridge', `arn:aws:sqs:eu-west-1:${TENANT_ACCOUNT}:orders`, /EventBridge bus ARN/],
    ['sqs', `https://sqs.eu-west-1.amazonaws.com/${TENANT_ACCOUNT}/${'q'.repeat(81)}`, /SQS queue URL or ARN/],
    ['sqs', 'https://example.com/123456789012/orders', /SQS queue URL or ARN/],
    ['sns', `arn:aws:sns:eu-west-1:12345:alerts`, /SNS topic ARN/],
  ] as const)('refuses a %s target %s', (type, target, message) => {
    expect(() => parseDestination({ type, target, role_arn: ROLE }, rules)).toThrow(message);
  });

  it("refuses a role or target in the platform's own account, other partitions, accounts not allowed, and what is not a role", () => {
    const bus = `arn:aws:events:eu-west-1:${TENANT_ACCOUNT}:event-bus/orders`;
    expect(() => parseDestination({ type: 'eventbridge', target: bus, role_arn: `arn:aws:iam::${PLATFORM}:role/anything` }, rules)).toThrow(/own account \(111122223333\) are refused/);
    expect(() => parseDestination({ type: 'eventbridge', target: `arn:aws:events:eu-west-1:${PLATFORM}:event-bus/default`, role_arn: ROLE }, rules)).toThrow(/own account/);
    expect(() => parseDestination({ type: 'eventbridge', target: bus, role_arn: `arn:aws-cn:iam::${TENANT_ACCOUNT}:role/r` }, rules)).toThrow(/partition aws-cn/);
    expect(() => parseDestination({ type: 'eventbridge', target: bus, role_arn: ROLE }, { ...rules, allowedAccounts: ['777788889999'] })).toThrow(/account 444455556666 is not one/);
    expect(parseDestination({ type: 'eventbridge', target: bus, role_arn: ROLE }, { ...rules, allowedAccounts: [TENANT_ACCOUNT] }).account).toBe(TENANT_ACCOUNT);
    for (const role of [`arn:aws:iam::${TENANT_ACCOUNT}:user/alice`, `arn:aws:sts::${TENANT_ACCOUNT}:assumed-role/r/s`, 'hookpost-delivery']) {
      expect(() => parseDestination({ type: 'eventbridge', target: bus, role_arn: role }, rules)).toThrow(/must be an IAM role ARN/);
    }
    try {
      parseDestination({ type: 'eventbridge', target: bus, role_arn: `arn:aws:iam::${PLATFORM}:role/r` }, rules);
    } catch (e) {
      expect((e as { code: string; status: number }).code).toBe('destination_not_allowed');
      expect((e as { status: number }).status).toBe(400);
    }
  });
});

describe('the trust, as AWS evaluates it (@cloud-copilot/iam-simulate)', () => {
  const key = createSecretBox("k".repeat(32) + "7");
  const externalId = externalIdFor(key, 'acme');

  const assume = (principal: string, context: Record<string, string>) =>
    runSimulation(
      {
        request: { principal, action: 'sts:AssumeRole', resource: { resource: ROLE, accountId: TENANT_ACCOUNT }, contextVariables: { 'aws:SecureTransport': 'true', ...context } },
        identityPolicies: [{ name: 'worker', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/*' }] } }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: trustPolicy(DELIVERY_ROLE, externalId),
      },
      {},
    ).then((r) => (r.resultType === 'error' ? `error ${JSON.stringify(r.errors)}` : r.overallResult));

  it('an external id per tenant, made by hookpost, stable, and within STS limits', () => {
    expect(externalId).toMatch(/^hpx_[\w-]{43}$/);
    expect(externalIdFor(key, 'acme')).toBe(externalId);
    expect(externalIdFor(key, 'globex')).not.toBe(externalId);
    expect(externalIdFor(createSecretBox("k".repeat(33)), 'acme')).not.toBe(externalId);
    expect(roleSessionName('acme', 'wh_01m8zehs6wsvt2s669rhdb63cv')).toBe('hookpost-acme-wh_01m8zehs6wsvt2s669rhdb63cv');
    expect(roleSessionName('t'.repeat(80), 'wh_x')).toHaveLength(64);
  });

  it("admits hookpost's delivery role with the tenant's external id only", async () => {
    expect(await assume(DELIVERY_ROLE, { 'sts:ExternalId': externalId })).toBe('Allowed');
    expect(await assume(DELIVERY_ROLE, { 'sts:ExternalId': externalIdFor(key, 'globex') })).not.toBe('Allowed');
    expect(await assume(DELIVERY_ROLE, {})).not.toBe('Allowed');
    expect(await assume(`arn:aws:iam::${PLATFORM}:role/SomeOtherRole`, { 'sts:ExternalId': externalId })).not.toBe('Allowed');
  });

  it('a session may make the one write on the one target, whatever the role allows', async () => {
    const queue = parseDestination({ type: 'sqs', target: `https://sqs.eu-west-1.amazonaws.com/${TENANT_ACCOUNT}/orders`, role_arn: ROLE }, rules);
    const policy = sessionPolicy(queue);
    // A customer key's default key policy: it leaves access to the account's IAM policies (a session's included).
    const defaultKeyPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TENANT_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
    const can = (action: string, resource: string, context: Record<string, string> = {}) =>
      runSimulation(
        {
          request: { principal: `arn:aws:sts::${TENANT_ACCOUNT}:assumed-role/hookpost-delivery/s`, action, resource: { resource, accountId: TENANT_ACCOUNT }, contextVariables: context },
          identityPolicies: [{ name: 'session', policy }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          ...(action.startsWith('kms:') ? { resourcePolicy: defaultKeyPolicy } : {}),
        },
        {},
      ).then((r) => (r.resultType === 'error' ? 'error' : r.overallResult));
    expect(await can('sqs:SendMessage', queue.arn)).toBe('Allowed');
    expect(await can('sqs:SendMessage', `arn:aws:sqs:eu-west-1:${TENANT_ACCOUNT}:other`)).not.toBe('Allowed');
    expect(await can('sqs:ReceiveMessage', queue.arn)).not.toBe('Allowed');
    expect(await can('kms:GenerateDataKey', `arn:aws:kms:eu-west-1:${TENANT_ACCOUNT}:key/k1`, { 'kms:ViaService': 'sqs.eu-west-1.amazonaws.com' })).toBe('Allowed');
    expect(await can('kms:GenerateDataKey', `arn:aws:kms:eu-west-1:${TENANT_ACCOUNT}:key/k1`, { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' })).not.toBe('Allowed');
    const bus = parseDestination({ type: 'eventbridge', target: `arn:aws:events:eu-west-1:${TENANT_ACCOUNT}:event-bus/orders`, role_arn: ROLE }, rules);
    expect(sessionPolicy(bus).Statement).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: bus.arn }]);
  });

  it('the CloudFormation the tenant deploys makes that role: trusting the delivery role with the external id, allowed the one write', () => {
    const topic = parseDestination({ type: 'sns', target: `arn:aws:sns:eu-west-1:${TENANT_ACCOUNT}:alerts`, role_arn: ROLE }, rules);
    const template = roleTemplate(topic, DELIVERY_ROLE, externalId);
    const role = template.Resources.HookpostDeliveryRole.Properties;
    expect(role.AssumeRolePolicyDocument.Statement[0]).toEqual({ Effect: 'Allow', Principal: { AWS: DELIVERY_ROLE }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': externalId } } });
    expect(role.Policies[0]!.PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'sns:Publish', Resource: topic.arn }]);
  });
});

describe('what each service accepts', () => {
  it('counts a message as the service does, against its own limit', () => {
    const attributes = [{ name: 'webhook-id', value: 'evt_1' }];
    expect(messageBytes('sqs', { body: 'é', attributes })).toBe(2 + 10 + 6 + 5);
    expect(messageBytes('eventbridge', { body: '{"a":1}', source: 'acme.platform', detailType: 'price.alert' })).toBe(7 + 13 + 11);
    expect(MAX_MESSAGE_BYTES).toEqual({ eventbridge: 262_144, sns: 262_144, sqs: 1_048_576 });
    expect(fifoParameters('acme', 'dlv_1')).toEqual({ MessageGroupId: 'acme', MessageDeduplicationId: 'dlv_1' });
  });
});
