import { ValidationError } from './errors';
import type { SecretBox } from './secret-box';

/**
 * AWS destinations (issue 26): a tenant's own EventBridge bus, SQS queue or SNS topic, written
 * through an IAM role of the tenant's that hookpost assumes with an external id, as AWS
 * recommends for a third party reaching into a customer's account. Pure: parsing and checking
 * targets and roles, the external id, the policies (trust, session) and the CloudFormation the
 * tenant deploys, the size each service accepts, and the FIFO parameters. No I/O.
 *
 * ARN grammars are AWS's own (IAM User Guide "IAM identifiers", and each service's ARN
 * reference); no well-kept library parses ARNs for all three services with their name rules, so
 * these few patterns are written here.
 */
export type DestinationType = 'eventbridge' | 'sqs' | 'sns';

export interface AwsDestination {
  type: DestinationType;
  /** The target's ARN (an SQS queue's too, made from its URL). */
  arn: string;
  partition: string;
  region: string;
  account: string;
  /** The bus, queue or topic name. */
  name: string;
  /** A FIFO queue or topic: one message group per tenant, the delivery id as deduplication id. */
  fifo: boolean;
  /** An SQS queue's URL, as SendMessage takes it. */
  queueUrl?: string;
  /** The role hookpost assumes to write to the target. */
  roleArn: string;
}

const PARTITIONS: Record<string, string> = { aws: 'amazonaws.com', 'aws-cn': 'amazonaws.com.cn', 'aws-us-gov': 'amazonaws.com' };
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d';
const ACCOUNT = '\\d{12}';
const PARTITION = '(aws|aws-cn|aws-us-gov)';

/** arn:aws:iam::<account>:role/<path/>name (a path of /…/, a name of 1-64 of [\w+=,.@-]). */
const ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::(${ACCOUNT}):role/((?:[\\x21-\\x7e]{0,510}/)?)([\\w+=,.@-]{1,64})$`);
/** arn:aws:events:<region>:<account>:event-bus/<name> (1-256 of [\w.-/]; the default bus too). */
const BUS_ARN = new RegExp(`^arn:${PARTITION}:events:(${REGION}):(${ACCOUNT}):event-bus/([\\w./-]{1,256})$`);
/** arn:aws:sqs:<region>:<account>:<name> (1-80 of [\w-], `.fifo` at the end of a FIFO queue's). */
const QUEUE_ARN = new RegExp(`^arn:${PARTITION}:sqs:(${REGION}):(${ACCOUNT}):([\\w-]{1,75}(?:\\.fifo)?|[\\w-]{1,80})$`);
/** https://sqs.<region>.amazonaws.com/<account>/<name> */
const QUEUE_URL = new RegExp(`^https://sqs\\.(${REGION})\\.(amazonaws\\.com(?:\\.cn)?)/(${ACCOUNT})/([\\w-]{1,75}(?:\\.fifo)?|[\\w-]{1,80})$`);
/** arn:aws:sns:<region>:<account>:<name> (1-256 of [\w-], `.fifo` at the end of a FIFO topic's). */
const TOPIC_ARN = new RegExp(`^arn:${PARTITION}:sns:(${REGION}):(${ACCOUNT}):([\\w-]{1,251}(?:\\.fifo)?|[\\w-]{1,256})$`);

export interface DestinationInput {
  type: DestinationType;
  /** The bus or topic ARN, or the queue's ARN or URL. */
  target: string;
  role_arn: string;
}

export interface DestinationRules {
  /** The platform's own account: a role there is refused (a role trusting its root would let the worker in). */
  platformAccount: string;
  /** When set, the only accounts a target or role may be in (the stack's `destinationAccounts`). */
  allowedAccounts?: readonly string[];
}

const refuse = (message: string) => new ValidationError(message, 'destination_not_allowed');

const parseRole = (roleArn: string) => {
  const m = ROLE_ARN.exec(roleArn);
  if (!m) throw new ValidationError('role_arn: must be an IAM role ARN, like arn:aws:iam::123456789012:role/hookpost-delivery', 'validation_error');
  return { partition: m[1]!, account: m[2]! };
};

const parseTarget = (type: DestinationType, target: string): Omit<AwsDestination, 'roleArn'> => {
  if (type === 'eventbridge') {
    const m = BUS_ARN.exec(target);
    if (!m) throw new ValidationError('target: must be an EventBridge bus ARN, like arn:aws:events:eu-west-1:123456789012:event-bus/orders', 'validation_error');
    return { type, arn: target, partition: m[1]!, region: m[2]!, account: m[3]!, name: m[4]!, fifo: false };
  }
  if (type === 'sns') {
    const m = TOPIC_ARN.exec(target);
    if (!m) throw new ValidationError('target: must be an SNS topic ARN, like arn:aws:sns:eu-west-1:123456789012:orders', 'validation_error');
    return { type, arn: target, partition: m[1]!, region: m[2]!, account: m[3]!, name: m[4]!, fifo: m[4]!.endsWith('.fifo') };
  }
  const byArn = QUEUE_ARN.exec(target);
  if (byArn) {
    const [, partition, region, account, name] = byArn as unknown as [string, string, string, string, string];
    return { type, arn: target, partition, region, account, name, fifo: name.endsWith('.fifo'), queueUrl: `https://sqs.${region}.${PARTITIONS[partition]}/${account}/${name}` };
  }
  const byUrl = QUEUE_URL.exec(target);
  if (byUrl) {
    const [, region, domain, account, name] = byUrl as unknown as [string, string, string, string, string];
    const partition = domain.endsWith('.cn') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
    return { type, arn: `arn:${partition}:sqs:${region}:${account}:${name}`, partition, region, account, name, fifo: name.endsWith('.fifo'), queueUrl: target };
  }
  throw new ValidationError('target: must be an SQS queue URL or ARN, like https://sqs.eu-west-1.amazonaws.com/123456789012/orders', 'validation_error');
};

/** A target as a tenant names it, checked: its ARN's (or queue URL's) shape, and whose account it is in. */
export const parseTargetOf = (type: DestinationType, target: string, rules: DestinationRules): Omit<AwsDestination, 'roleArn'> => {
  const parsed = parseTarget(type, target);
  if (parsed.account === rules.platformAccount) throw refuse(`target: a ${type} target in this platform's own account (${rules.platformAccount}) is refused`);
  if (rules.allowedAccounts && !rules.allowedAccounts.includes(parsed.account)) throw refuse(`target: account ${parsed.account} is not one this platform delivers to`);
  return parsed;
};

/** A destination as a tenant asked for it, checked: the shape of each ARN, and whose accounts they are in. */
export const parseDestination = (input: DestinationInput, rules: DestinationRules): AwsDestination => {
  const role = parseRole(input.role_arn);
  if (role.account === rules.platformAccount) {
    throw refuse(`role_arn: roles in this platform's own account (${rules.platformAccount}) are refused: the role must be in your account, trusting hookpost's delivery role with your external id`);
  }
  if (rules.allowedAccounts && !rules.allowedAccounts.includes(role.account)) throw refuse(`role_arn: account ${role.account} is not one this platform delivers to`);
  const target = parseTargetOf(input.type, input.target, rules);
  if (role.partition !== target.partition) throw refuse(`role_arn: the role is in partition ${role.partition}, the target in ${target.partition}`);
  return { ...target, roleArn: input.role_arn };
};

/**
 * The tenant's external id: made by hookpost, never chosen by the tenant (the confused-deputy
 * rule), the same for every webhook of the tenant, and stored nowhere: an HMAC of the tenant id
 * under a key derived from the master key, so only hookpost can present it. 47 characters,
 * inside STS's 2-1224 of [\w+=,.@:/-].
 */
export const externalIdFor = (box: Pick<SecretBox, 'derive'>, tenantId: string): string => `hpx_${box.derive('external-id', tenantId)}`;

/** `hookpost-<tenant>-<webhook>`, cut to STS's 64 characters of [\w+=,.@-]: CloudTrail in the tenant's account names who wrote. */
export const roleSessionName = (tenantId: string, webhookId: string): string =>
  `hookpost-${tenantId}-${webhookId}`.replace(/[^\w+=,.@-]/g, '_').slice(0, 64);

/** The one write a session may make, whatever the role allows. */
export const DESTINATION_ACTIONS: Record<DestinationType, string> = { eventbridge: 'events:PutEvents', sqs: 'sqs:SendMessage', sns: 'sns:Publish' };

const KMS_SERVICE: Partial<Record<DestinationType, string>> = { sqs: 'sqs', sns: 'sns' };

/**
 * The inline session policy of each AssumeRole: the one action on the one target (and, for a
 * queue or topic encrypted with a customer key, that key's data-key calls through that service
 * only). The session can do no more than both this and the role allow.
 */
export const sessionPolicy = (d: AwsDestination) => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: DESTINATION_ACTIONS[d.type], Resource: d.arn },
    ...(KMS_SERVICE[d.type]
      ? [
          {
            Effect: 'Allow',
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Resource: `arn:${d.partition}:kms:${d.region}:${d.account}:key/*`,
            Condition: { StringEquals: { 'kms:ViaService': `${KMS_SERVICE[d.type]}.${d.region}.${PARTITIONS[d.partition]}` } },
          },
        ]
      : []),
  ],
});

/** The role's trust policy: hookpost's delivery role, with the tenant's external id. */
export const trustPolicy = (deliveryRoleArn: string, externalId: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: deliveryRoleArn }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': externalId } } }],
});

/** A CloudFormation template (JSON) the tenant deploys in its account: the role, trusting hookpost, allowed the one write. */
export const roleTemplate = (d: Pick<AwsDestination, 'type' | 'arn'>, deliveryRoleArn: string, externalId: string) => ({
  AWSTemplateFormatVersion: '2010-09-09',
  Description: `Lets hookpost deliver webhooks to ${d.arn}`,
  Resources: {
    HookpostDeliveryRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: trustPolicy(deliveryRoleArn, externalId),
        MaxSessionDuration: 3600,
        Policies: [{ PolicyName: 'hookpost-delivery', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: DESTINATION_ACTIONS[d.type], Resource: d.arn }] } }],
      },
    },
  },
  Outputs: { RoleArn: { Value: { 'Fn::GetAtt': ['HookpostDeliveryRole', 'Arn'] } } },
});

/**
 * The largest message each service takes, as its quotas page states: an EventBridge entry 256
 * KiB, an SNS message 256 KiB (attributes included), an SQS message 1 MiB (attributes included,
 * since August 2025). An event over it fails at once with its reason, never a retry loop.
 */
export const MAX_MESSAGE_BYTES: Record<DestinationType, number> = { eventbridge: 262_144, sns: 262_144, sqs: 1_048_576 };

/** A message attribute as SQS and SNS count it: name, type and value, in UTF-8 bytes. */
export interface StringAttribute {
  name: string;
  value: string;
}

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * The size a service counts: SQS and SNS the body plus each attribute's name, data type
 * (`String`) and value; EventBridge an entry's Source, DetailType, Detail and Resources (its
 * documented PutEvents entry size; no Time is sent).
 */
export const messageBytes = (type: DestinationType, message: { body: string; attributes?: StringAttribute[]; source?: string; detailType?: string }): number =>
  type === 'eventbridge'
    ? utf8(message.source ?? '') + utf8(message.detailType ?? '') + utf8(message.body)
    : utf8(message.body) + (message.attributes ?? []).reduce((n, a) => n + utf8(a.name) + utf8('String') + utf8(a.value), 0);

/** A FIFO queue's or topic's ordering and deduplication: one group per tenant, the delivery id (at most 128 characters) as its deduplication id. */
export const fifoParameters = (tenantId: string, deliveryId: string) => ({ MessageGroupId: tenantId.slice(0, 128), MessageDeduplicationId: deliveryId.slice(0, 128) });
