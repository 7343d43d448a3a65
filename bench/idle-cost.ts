import { App } from 'aws-cdk-lib';
import { HookpostStack } from '../lib/hookpost-stack';

/**
 * What a deployed stack costs a month with no traffic at all, from the synthesized template's
 * resources and `bench/prices.json` (list prices, no free tier): KMS keys, the master-key
 * secret, alarms, the dashboard, the minutely sweep (a Scheduler invocation, a worker
 * invocation and 16 index queries of half a read unit), the event source's empty long polls,
 * and with `staticEgressIps` the NAT gateways and their addresses. Storage grows with data
 * and is priced per GB beside it.
 */
export interface IdleCost {
  items: Array<{ item: string; count: number; usd_per_month: number }>;
  total_usd_per_month: number;
  static_egress_ips_usd_per_month: number;
}

const HOURS = 730;
const MINUTES = HOURS * 60;
const round = (n: number) => Math.round(n * 100) / 100;

const resources = (props: ConstructorParameters<typeof HookpostStack>[2]) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new HookpostStack(app, 'Idle', props);
  const types = Object.values(app.synth().getStackByName(stack.stackName).template.Resources as Record<string, { Type: string }>).map((r) => r.Type);
  return (type: string) => types.filter((t) => t === type).length;
};

export const idleCost = (prices: Record<string, number | string>): IdleCost => {
  const price = (k: string) => prices[k] as number;
  const count = resources({});
  const sweeps = MINUTES;
  const items = [
    { item: 'KMS keys (data, alarm topic)', count: count('AWS::KMS::Key'), usd: count('AWS::KMS::Key') * price('kms_key_usd_per_month') },
    { item: 'Secrets Manager secret (master key)', count: count('AWS::SecretsManager::Secret'), usd: count('AWS::SecretsManager::Secret') * price('secrets_manager_usd_per_secret_month') },
    { item: 'CloudWatch alarms', count: count('AWS::CloudWatch::Alarm'), usd: count('AWS::CloudWatch::Alarm') * price('cloudwatch_alarm_usd_per_month') },
    { item: 'CloudWatch dashboard', count: count('AWS::CloudWatch::Dashboard'), usd: count('AWS::CloudWatch::Dashboard') * price('cloudwatch_dashboard_usd_per_month') },
    {
      item: 'the minutely sweep (Scheduler, a worker invocation, 16 due-index queries)',
      count: sweeps,
      usd: (sweeps * price('scheduler_usd_per_million_invocations')) / 1e6 + (sweeps * price('lambda_usd_per_million_requests')) / 1e6 + (sweeps * 16 * 0.5 * price('dynamodb_on_demand_usd_per_million_read_units')) / 1e6,
    },
    {
      item: 'the event source\'s empty long polls of the delivery queue',
      count: MINUTES * price('sqs_event_source_empty_receives_per_minute'),
      usd: (MINUTES * price('sqs_event_source_empty_receives_per_minute') * price('sqs_standard_usd_per_million_requests')) / 1e6,
    },
  ];
  const egress = resources({ staticEgressIps: true });
  const nat = egress('AWS::EC2::NatGateway');
  const ips = egress('AWS::EC2::EIP');
  return {
    items: items.map((i) => ({ item: i.item, count: i.count, usd_per_month: round(i.usd) })),
    total_usd_per_month: round(items.reduce((n, i) => n + i.usd, 0)),
    static_egress_ips_usd_per_month: round(nat * HOURS * price('nat_gateway_usd_per_hour') + ips * HOURS * price('public_ipv4_usd_per_hour')),
  };
};

export const renderIdleCost = (r: IdleCost, table: (header: string[], rows: Array<Array<string | number>>) => string): string => `## An idle stack

What a deployed stack costs a month with no traffic, from the template's resources at list
prices (no free tier; an account's first 10 alarms and 3 dashboards are free).

${table(['item', 'count', 'USD a month'], r.items.map((i) => [i.item, i.count, i.usd_per_month]))}

Total: **$${r.total_usd_per_month} a month**. With \`staticEgressIps\`: **$${r.static_egress_ips_usd_per_month} a month** more (two NAT gateways
and two public IPv4 addresses), plus NAT processing per GB. Storage grows with the data: DynamoDB
$0.25 and point-in-time recovery $0.20 per GB-month, logs $0.03 per GB-month after a month's retention.
`;
