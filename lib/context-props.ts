import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import { parseCatalogue } from '../lambdas/shared/domain/catalogue';
import { parseAccounts, parseCidrList, parseRateLimit, parseRetrySchedule } from '../lambdas/shared/config';
import { checkDestinationSource } from './constructs/aws-destinations';
import { parseOrigin, parsePortalSettings } from '../lambdas/shared/portal-settings';
import type { HookpostStackProps } from './hookpost-stack';

type Parsed = Partial<Record<keyof HookpostStackProps, unknown>>;

class ContextError extends Error {}

/** A context value as given: `-c key=value` gives text; the `context` block of cdk.json may give JSON values. */
const text = (value: unknown): string => (Array.isArray(value) ? value.join(',') : String(value)).trim();

const list = (value: unknown): string[] =>
  text(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const wholeNumber = (key: string, value: unknown, min: number): number => {
  const n = Number(text(value));
  if (!Number.isInteger(n) || n < min) throw new ContextError(`${key} must be a whole number of at least ${min}`);
  return n;
};

const seconds = (key: string, value: unknown): Duration => Duration.seconds(wholeNumber(key, value, 0));

const bool = (key: string, value: unknown): boolean => {
  const v = text(value).toLowerCase();
  if (v !== 'true' && v !== 'false') throw new ContextError(`${key} must be true or false`);
  return v === 'true';
};

// No snapshot: CloudFormation takes a Snapshot deletion policy on none of what it covers (DynamoDB tables, a secret, KMS keys).
const REMOVAL: Record<string, RemovalPolicy> = { retain: RemovalPolicy.RETAIN, destroy: RemovalPolicy.DESTROY };

/**
 * Every stack property, as CDK context reads it (`-c key=value` or the `context` block of
 * cdk.json), the key named exactly as the property; lists comma-separated, durations in
 * seconds. Each value is checked with the same parser the stack uses (catalogue, schedule,
 * CIDRs, rate limit), so a refusal names its key here.
 */
export const CONTEXT_PROPS: Record<string, { parse: (key: string, value: unknown) => unknown; allowed: string }> = {
  eventTypes: { parse: (_k, v) => parseCatalogue(list(v).join(',')), allowed: 'event types, comma-separated (e.g. order.paid,order.refunded)' },
  catalogueDir: { parse: (_k, v) => text(v), allowed: 'a folder of <type>.json catalogue files (relative to the app)' },
  retrySchedule: { parse: (_k, v) => parseRetrySchedule(list(v).join(',')), allowed: 'seconds before each retry (1-604800 each), comma-separated (e.g. 60,300,1800)' },
  retentionDays: { parse: (k, v) => wholeNumber(k, v, 1), allowed: 'days, a whole number of at least 1' },
  disableAfterFailingFor: { parse: (k, v) => Duration.seconds(wholeNumber(k, v, 1)), allowed: 'seconds, a whole number of at least 1' },
  alarmEmail: {
    parse: (k, v) => {
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text(v))) throw new ContextError(`${k} must be an e-mail address`);
      return text(v);
    },
    allowed: 'an e-mail address',
  },
  allowedTargetCidrs: { parse: (_k, v) => parseCidrList(list(v).join(',')), allowed: 'CIDRs, comma-separated (needs staticEgressIps=true)' },
  tenantRateLimit: {
    parse: (k, v) => {
      if (!/^\d+\/\d+$/.test(text(v))) throw new ContextError(`${k} must be requests/seconds (e.g. 1200/60)`);
      const { requests, windowSeconds } = parseRateLimit(text(v));
      return { requests, per: Duration.seconds(windowSeconds) };
    },
    allowed: 'requests/seconds, e.g. 1200/60',
  },
  maxConcurrentDeliveriesPerEndpoint: { parse: (k, v) => wholeNumber(k, v, 0), allowed: 'a whole number (0: no cap)' },
  deliveryBatchingWindow: { parse: (k, v) => seconds(k, v), allowed: 'seconds, 0-300' },
  dataRemovalPolicy: {
    parse: (k, v) => {
      const policy = REMOVAL[text(v).toLowerCase()];
      if (!policy) throw new ContextError(`${k} must be retain or destroy (CloudFormation cannot snapshot tables, secrets or keys; the tables keep 35 days of point-in-time recovery)`);
      return policy;
    },
    allowed: 'retain or destroy',
  },
  staticEgressIps: { parse: (k, v) => bool(k, v), allowed: 'true or false' },
  keepEventPayloads: { parse: (k, v) => bool(k, v), allowed: 'true or false' },
  egressVpcCidr: { parse: (_k, v) => text(v), allowed: 'an IPv4 CIDR, e.g. 10.213.0.0/16' },
  domainName: { parse: (_k, v) => text(v), allowed: 'a domain name (with certificateArn)' },
  certificateArn: {
    parse: (k, v) => {
      if (!/^arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate\/[\w-]+$/.test(text(v))) throw new ContextError(`${k} must be an ACM certificate ARN`);
      return text(v);
    },
    allowed: 'an ACM certificate ARN in the stack\'s region',
  },
  throttleRateLimit: { parse: (k, v) => wholeNumber(k, v, 1), allowed: 'requests per second, a whole number of at least 1' },
  throttleBurstLimit: { parse: (k, v) => wholeNumber(k, v, 1), allowed: 'requests, a whole number of at least 1' },
  portalFrameAncestors: { parse: (k, v) => list(v).map((o) => parseOrigin(k, o)), allowed: 'https origins, comma-separated (e.g. https://app.example.com)' },
  portalProductName: { parse: (_k, v) => parsePortalSettings({ productName: text(v) }).productName, allowed: 'a name of at most 60 characters' },
  portalLogoUrl: { parse: (_k, v) => parsePortalSettings({ logoUrl: text(v) }).logoUrl, allowed: 'an https URL' },
  portalAccentColor: { parse: (_k, v) => parsePortalSettings({ accentColor: text(v) }).accentColor, allowed: '#rrggbb' },
  portalColorScheme: { parse: (_k, v) => parsePortalSettings({ colorScheme: text(v) }).colorScheme, allowed: 'light, dark or auto' },
  portalFontFamily: { parse: (_k, v) => parsePortalSettings({ fontFamily: text(v) }).fontFamily, allowed: 'a CSS font-family list' },
  portalRadiusPx: { parse: (_k, v) => parsePortalSettings({ radiusPx: text(v) }).radiusPx, allowed: 'pixels, a whole number from 0 to 24' },
  awsDestinations: { parse: (k, v) => bool(k, v), allowed: 'true or false' },
  destinationAccounts: {
    parse: (k, v) => {
      try {
        return parseAccounts(list(v).join(','));
      } catch {
        throw new ContextError(`${k} must be twelve-digit account ids, comma-separated`);
      }
    },
    allowed: 'twelve-digit AWS account ids, comma-separated',
  },
  destinationSource: {
    parse: (k, v) => {
      try {
        return checkDestinationSource(text(v));
      } catch {
        throw new ContextError(`${k} must be 1-256 printable characters, not beginning with "aws."`);
      }
    },
    allowed: 'an EventBridge source, not beginning with aws.',
  },
};

/**
 * The stack's properties from CDK context. A value that does not parse, or that the stack
 * refuses, stops the synth with a message naming the key and what is allowed.
 */
export const propsFromContext = (node: Node): HookpostStackProps => {
  const props: Parsed = {};
  for (const [key, { parse, allowed }] of Object.entries(CONTEXT_PROPS)) {
    const value = node.tryGetContext(key);
    if (value === undefined || value === null || text(value) === '') continue;
    try {
      props[key as keyof HookpostStackProps] = parse(key, value);
    } catch (e) {
      throw new Error(`Invalid context ${key}="${text(value)}": ${(e as Error).message}; allowed: ${allowed}`);
    }
  }
  return props as HookpostStackProps;
};
