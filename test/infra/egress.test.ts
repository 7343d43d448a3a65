import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { HookpostStack, type HookpostStackProps } from '../../lib/hookpost-stack';
import { FUNCTION_TAG } from '../../lib/tags';

/**
 * Static egress: receivers that allow-list source addresses get a fixed list (the NAT
 * gateways' Elastic IPs), and private receivers (`allowedTargetCidrs`) become reachable at all:
 * a Lambda function outside a VPC can reach only public addresses.
 */
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
const synth = (props: HookpostStackProps) => {
  const outdir = mkdtempSync(join(tmpdir(), 'hookpost-egress-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  new HookpostStack(app, 'Egress', props); // cdk-nag runs on the stack itself
  app.synth();
  const json = JSON.parse(readFileSync(join(outdir, 'Egress.template.json'), 'utf8'));
  return { template: Template.fromJSON(json), resources: json.Resources as Resources, report: JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')), outputs: json.Outputs };
};
const tagOf = (r: { Properties: Record<string, any> }) => (r.Properties.Tags as Array<{ Key: string; Value: string }> | undefined)?.find((t) => t.Key === FUNCTION_TAG)?.Value;

let withIps: ReturnType<typeof synth>;
beforeAll(() => {
  withIps = synth({ staticEgressIps: true, allowedTargetCidrs: ['10.20.0.0/16'] });
}, 120_000);

describe('static egress IPs', () => {
  it('off by default: no VPC, no NAT gateway, no function in a VPC', () => {
    const plain = synth({});
    expect(Object.values(plain.resources).filter((r) => /^AWS::EC2::/.test(r.Type))).toEqual([]);
    expect(plain.outputs.EgressIps).toBeUndefined();
  });

  it('puts the delivery worker, and only it, in private subnets behind two NAT gateways with Elastic IPs', () => {
    const fns = Object.values(withIps.resources).filter((r) => r.Type === 'AWS::Lambda::Function' && tagOf(r));
    expect(fns.filter((f) => f.Properties.VpcConfig).map(tagOf)).toEqual(['delivery-worker']);
    const worker = fns.find((f) => tagOf(f) === 'delivery-worker')!;
    expect(worker.Properties.VpcConfig.SubnetIds).toHaveLength(2);
    const nats = Object.values(withIps.resources).filter((r) => r.Type === 'AWS::EC2::NatGateway');
    expect(nats).toHaveLength(2);
    for (const nat of nats) expect(nat.Properties.AllocationId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'AllocationId'] });
    expect(Object.values(withIps.resources).filter((r) => r.Type === 'AWS::EC2::EIP')).toHaveLength(2);
  });

  it('exports the addresses to give receivers, and the VPC to route private networks into', () => {
    expect(withIps.outputs.EgressIps.Value).toEqual({ 'Fn::Join': [',', [expect.objectContaining({}), expect.objectContaining({})]] });
    expect(withIps.outputs.EgressVpcId).toBeDefined();
  });

  it('DynamoDB goes through a gateway endpoint (no NAT charge per GB), and the role may manage the function\'s network interfaces without a managed policy', () => {
    withIps.template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', ServiceName: Match.objectLike({}) });
    for (const role of Object.values(withIps.resources).filter((r) => r.Type === 'AWS::IAM::Role')) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const workerRole = Object.entries(withIps.resources).find(([, r]) => r.Type === 'AWS::IAM::Role' && tagOf(r) === 'delivery-worker')![0];
    const statements = Object.values(withIps.resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(workerRole))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>);
    expect(statements.flatMap((s) => [s.Action].flat())).toEqual(expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:DescribeNetworkInterfaces']));
  });

  it('passes cdk-nag with the VPC', () => {
    expect(withIps.report.pluginReports.map((p: { pluginName: string; conclusion: string }) => [p.pluginName, p.conclusion])).toEqual([
      ['AwsSolutions', 'success'],
      ['Serverless', 'success'],
    ]);
  });

  it('refuses allowedTargetCidrs without staticEgressIps: outside a VPC the worker cannot reach a private network', () => {
    expect(() => synth({ allowedTargetCidrs: ['10.20.0.0/16'] })).toThrow(/allowedTargetCidrs needs staticEgressIps: true/);
  });
});

describe('the API\'s custom domain and throttling', () => {
  it('domainName and certificateArn give the API (and the dashboard) a custom domain, with its DNS target as an output', () => {
    const { template, outputs } = synth({ domainName: 'webhooks.example.com', certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/abc' });
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'webhooks.example.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/abc', EndpointType: 'REGIONAL' })],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { Stage: '$default' });
    expect(outputs.CustomDomainTarget).toBeDefined();
    expect(outputs.CustomDomainUrl.Value).toBe('https://webhooks.example.com');
    expect(() => synth({ domainName: 'webhooks.example.com' })).toThrow(/domainName and certificateArn go together/);
  });

  it('the stage throttle is a property', () => {
    const { template } = synth({ throttleRateLimit: 5000, throttleBurstLimit: 8000 });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 5000, ThrottlingBurstLimit: 8000 } });
  });
});
