import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { HookpostStack, type HookpostStackProps } from '../../lib/hookpost-stack';
import { createAuthorizer } from '../../local/iam/authorizer';
import { buildIamModel } from '../../local/iam/template-model';

/**
 * AWS destinations' IAM (issue 26), as the synthesized template grants it and AWS's policy
 * logic evaluates it (`@cloud-copilot/iam-simulate`, through the local authorizer): the worker
 * and the tenant routes may assume the destination role and nothing else; it may assume roles
 * in other accounts (only the listed ones, when listed), never in the platform's own.
 */
const PLATFORM = '111122223333';
const TENANT = '444455556666';

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any> }>; Outputs?: Record<string, unknown> };

const synth = (props: HookpostStackProps = {}): Template => {
  // Bundling skipped: IAM does not depend on the functions' code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new HookpostStack(app, 'Hookpost', { env: { account: PLATFORM, region: 'us-east-1' }, ...props });
  return app.synth().getStackByName(stack.stackName).template as Template;
};

const modelOf = (template: Template) =>
  buildIamModel(template as never, {
    account: PLATFORM,
    region: 'us-east-1',
    configTable: 'configs',
    deliveriesTable: 'deliveries',
    deliveryQueue: 'deliveries-queue',
    deadLetterQueue: 'dlq',
    queueUrlPrefix: `http://127.0.0.1:1/${PLATFORM}/`,
  });

const decide = async (template: Template, caller: string, resource: string) => {
  const iam = createAuthorizer(modelOf(template));
  return iam.decide(caller, { action: 'sts:AssumeRole', resource });
};

const tenantRole = (account: string) => `arn:aws:iam::${account}:role/hookpost-delivery`;

describe('the destination role', () => {
  const template = synth();
  const model = modelOf(template);
  const role = model.roles.destinations!;

  it('is trusted by the worker and the tenant routes only, and is the stack output tenants trust', () => {
    const principals = role.trustPolicy.Statement.flatMap((s: any) => [s.Principal.AWS].flat());
    expect(principals.sort()).toEqual([model.roles['delivery-worker']!.arn, model.roles['admin-webhooks']!.arn].sort());
    expect(JSON.stringify(template.Outputs)).toContain('DestinationRoleArn');
    for (const fn of ['delivery-worker', 'admin-webhooks']) {
      expect(model.environments[fn]).toMatchObject({ DESTINATION_ROLE_ARN: role.arn, PLATFORM_ACCOUNT: PLATFORM, DESTINATION_SOURCE: 'hookpost' });
    }
  });

  it('the worker and the tenant routes may assume it and no other role; no other function may assume any', async () => {
    for (const fn of ['delivery-worker', 'admin-webhooks']) {
      expect(await decide(template, fn, role.arn)).toBe('Allowed');
      expect(await decide(template, fn, tenantRole(TENANT))).not.toBe('Allowed');
    }
    for (const fn of ['platform', 'account-webhooks', 'eventbridge-ingest']) {
      expect(await decide(template, fn, role.arn)).not.toBe('Allowed');
      expect(model.environments[fn]!.DESTINATION_ROLE_ARN).toBeUndefined();
    }
  });

  it("may assume a tenant's role in any other account, and is denied every role of the platform's own", async () => {
    expect(await decide(template, 'destinations', tenantRole(TENANT))).toBe('Allowed');
    expect(await decide(template, 'destinations', tenantRole('999988887777'))).toBe('Allowed');
    expect(await decide(template, 'destinations', tenantRole(PLATFORM))).toBe('ExplicitlyDenied');
    // Not even the stack's own roles: a role chain back into the platform is refused.
    expect(await decide(template, 'destinations', model.roles['delivery-worker']!.arn)).toBe('ExplicitlyDenied');
  });
});

describe('the stack properties', () => {
  it('destinationAccounts: roles in the listed accounts only', async () => {
    const template = synth({ destinationAccounts: [TENANT], destinationSource: 'acme.platform' });
    expect(await decide(template, 'destinations', tenantRole(TENANT))).toBe('Allowed');
    expect(await decide(template, 'destinations', tenantRole('999988887777'))).not.toBe('Allowed');
    expect(modelOf(template).environments['delivery-worker']).toMatchObject({ DESTINATION_ACCOUNTS: TENANT, DESTINATION_SOURCE: 'acme.platform' });
  });

  it('awsDestinations: false leaves no destination role and no function that may assume one', async () => {
    const template = synth({ awsDestinations: false });
    const model = modelOf(template);
    expect(model.roles.destinations).toBeUndefined();
    const grants = Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Policy').flatMap((r) => r.Properties.PolicyDocument.Statement);
    expect(grants.filter((g: any) => [g.Action].flat().includes('sts:AssumeRole'))).toEqual([]);
    expect(model.environments['delivery-worker']!.DESTINATION_ROLE_ARN).toBeUndefined();
  });

  it("refuses the platform's own account as a destination account, and an EventBridge source AWS keeps for itself", () => {
    expect(() => synth({ destinationAccounts: [PLATFORM] })).toThrow(/platform's own account/);
    expect(() => synth({ destinationSource: 'aws.orders' })).toThrow(/not beginning with "aws."/);
    expect(() => synth({ destinationAccounts: ['12345'] })).toThrow(/twelve digits/);
    expect(() => synth({ awsDestinations: false, destinationSource: 'x' })).toThrow(/need awsDestinations/);
  });
});
