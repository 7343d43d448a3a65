import { FUNCTION_TAG } from '../../lib/tags';

/**
 * What IAM needs to know of the stack, read from its synthesized CloudFormation template with
 * every intrinsic resolved to the local runtime's names: each function's role and identity
 * policies, the resource policies (queue, topic, key and Lambda permissions), which customer
 * key encrypts which resource, and the ARNs of the resources the functions name in their
 * environment. Built from the template, never from our own idea of the stack, so a grant the
 * template lacks is a denial here as it is on AWS.
 */
export interface IamModel {
  account: string;
  region: string;
  /**
   * Execution roles by function name (`hookpost:function` tag), `scheduler` for the Scheduler's
   * role, and `destinations` for the destination role (the one tenants' roles trust), each
   * with its trust policy.
   */
  roles: Record<string, { arn: string; policies: Array<{ name: string; policy: PolicyDocument }>; trustPolicy: PolicyDocument }>;
  /** Resource policies by resource ARN (statements of several policy resources merged). */
  resourcePolicies: Record<string, PolicyDocument>;
  /** The customer-managed key that encrypts a resource, by resource ARN. */
  keys: Record<string, string>;
  /** Each queue's largest message in bytes, as configured (SQS's default, 1 MiB, when not set), by queue ARN. */
  queueMaxMessageBytes: Record<string, number>;
  /** Each function's environment as the template sets it, resolved. */
  environments: Record<string, Record<string, string>>;
  functionArns: Record<string, string>;
  /** The ingest rule's event pattern, as the template has it. */
  ingestRulePattern: Record<string, unknown>;
  /** Resources the local runtime stands in for. */
  arns: {
    schedulerRole: string;
    schedulerDeadLetterQueue: string;
    deliveryQueue: string;
    ingestRule: string;
    ingestDeadLetterQueue: string;
    alarmTopic: string;
    api: string;
  };
}

export interface PolicyDocument {
  Version?: string;
  Statement: Array<Record<string, unknown>>;
}

/** Names the template's resources get locally: tables and queues the emulators hold, by their role in the stack. */
export interface LocalNames {
  account: string;
  region: string;
  configTable: string;
  deliveriesTable: string;
  deliveryQueue: string;
  deadLetterQueue: string;
  /** The SQS endpoint's URL prefix for queue URLs (`http://127.0.0.1:PORT/ACCOUNT/`). */
  queueUrlPrefix: string;
}

/** The ordered endpoints' FIFO queue and its dead-letter queue, locally. */
export const LOCAL_ORDERED_QUEUES = { queue: 'hookpost-ordered.fifo', dlq: 'hookpost-ordered-dlq.fifo' };

/** A queue's ARN from its URL (the name is the URL's last segment), in the given account and region. */
export const queueArnOfUrl = (where: { region: string; account: string }, url: string): string =>
  `arn:aws:sqs:${where.region}:${where.account}:${url.slice(url.lastIndexOf('/') + 1)}`;

/** SQS's `MaximumMessageSize` when a queue does not set it (and its largest value). */
export const SQS_DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;

type Resource = { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, unknown> };
type Template = { Resources: Record<string, Resource> };

const tagOf = (r: Resource): string | undefined =>
  (r.Properties?.Tags as Array<{ Key: string; Value: string }> | undefined)?.find((t) => t.Key === FUNCTION_TAG)?.Value;

const refTo = (value: unknown): string | undefined => {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return v.Ref;
    if (Array.isArray(v['Fn::GetAtt'])) return v['Fn::GetAtt'][0] as string;
  }
  return undefined;
};

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Resolves the intrinsic functions a CDK template uses in policies and properties (`Ref`,
 * `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`) to the given names. Written
 * here because `cfn-resolver-lib`, the one library for it, left intrinsics inside a key
 * policy's conditions unresolved and logs to the console; this needs nothing of conditions or
 * parameters, only these six.
 */
const resolveIntrinsics = (node: unknown, refs: Record<string, string>, atts: Record<string, Record<string, string>>): unknown => {
  const r = (n: unknown) => resolveIntrinsics(n, refs, atts);
  if (Array.isArray(node)) return node.map(r);
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length === 1) {
    const [fn, arg] = entries[0]!;
    const unknownName = (name: string): never => {
      throw new Error(`The template names ${name}, which the IAM model cannot resolve`);
    };
    switch (fn) {
      case 'Ref':
        return refs[arg as string] ?? unknownName(`Ref ${String(arg)}`);
      case 'Fn::GetAtt': {
        const [id, att] = (typeof arg === 'string' ? arg.split('.') : arg) as [string, string];
        return atts[id]?.[att] ?? unknownName(`${id}.${att}`);
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return (r(parts) as unknown[]).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        return (r(list) as unknown[])[Number(r(index))];
      }
      case 'Fn::Split': {
        const [separator, text] = arg as [string, unknown];
        return String(r(text)).split(separator);
      }
      case 'Fn::Sub': {
        const [text, vars] = (typeof arg === 'string' ? [arg, {}] : arg) as [string, Record<string, unknown>];
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (name in vars) return String(r(vars[name]));
          const [id, att] = name.split('.');
          return att ? (atts[id!]?.[att] ?? unknownName(name)) : (refs[name] ?? unknownName(name));
        });
      }
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, r(v)]));
};

/**
 * Builds the model. Resources the emulators hold keep their local names; every other resource
 * gets a name from its logical ID, in the local account and region.
 */
export const buildIamModel = (template: Template, local: LocalNames): IamModel => {
  const { account, region } = local;
  const R = template.Resources;
  const functions = Object.entries(R).filter(([, r]) => r.Type === 'AWS::Lambda::Function' && tagOf(r));
  const worker = functions.find(([, r]) => tagOf(r) === 'delivery-worker');
  if (!worker) throw new Error('The template has no delivery worker (a function tagged hookpost:function=delivery-worker)');
  const env = (worker[1].Properties!.Environment?.Variables ?? {}) as Record<string, unknown>;
  const named = (variable: string) => {
    const id = refTo(env[variable]);
    if (!id) throw new Error(`The delivery worker's ${variable} names no resource of the template`);
    return id;
  };
  const queueId = named('DELIVERY_QUEUE_URL');
  const dlqId = refTo(R[queueId]!.Properties?.RedrivePolicy?.deadLetterTargetArn);
  const localName: Record<string, string> = {
    [named('CONFIG_TABLE_NAME')]: local.configTable,
    [named('DELIVERIES_TABLE_NAME')]: local.deliveriesTable,
    [queueId]: local.deliveryQueue,
    ...(dlqId ? { [dlqId]: local.deadLetterQueue } : {}),
  };
  // The ordered endpoints' FIFO queue and its DLQ, by the names the local runtime gives them.
  const orderedId = refTo(env.ORDERED_QUEUE_URL);
  if (orderedId) {
    localName[orderedId] = LOCAL_ORDERED_QUEUES.queue;
    const orderedDlqId = refTo(R[orderedId]!.Properties?.RedrivePolicy?.deadLetterTargetArn);
    if (orderedDlqId) localName[orderedDlqId] = LOCAL_ORDERED_QUEUES.dlq;
  }
  // The stack's bus is "hookpost" locally, the name publishers use (`../event-bus`).
  const busId = Object.entries(R).find(([, r]) => r.Type === 'AWS::Events::EventBus')?.[0];
  if (busId) localName[busId] = 'hookpost';
  for (const [id, r] of functions) {
    localName[id] = `hookpost-${tagOf(r)}`;
    const roleId = refTo(r.Properties!.Role);
    if (roleId) localName[roleId] = `hookpost-${tagOf(r)}-role`;
  }
  const schedulerRoleId = named('SCHEDULER_ROLE_ARN');
  localName[schedulerRoleId] = 'hookpost-scheduler-role';
  // AWS destinations' role (absent from a stack built with awsDestinations: false).
  const destinationRoleId = refTo(env.DESTINATION_ROLE_ARN);
  if (destinationRoleId) localName[destinationRoleId] = 'hookpost-destination-role';

  const arn = (service: string, resource: string, withRegion = true) => `arn:aws:${service}:${withRegion ? region : ''}:${account}:${resource}`;
  const refs: Record<string, string> = { 'AWS::Region': region, 'AWS::Partition': 'aws', 'AWS::AccountId': account, 'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackName': 'Hookpost' };
  const atts: Record<string, Record<string, string>> = {};
  for (const [id, r] of Object.entries(R)) {
    const name = localName[id] ?? id;
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
        refs[id] = name;
        atts[id] = { Arn: arn('dynamodb', `table/${name}`), StreamArn: arn('dynamodb', `table/${name}/stream/local`) };
        break;
      case 'AWS::SQS::Queue':
        refs[id] = `${local.queueUrlPrefix}${name}`;
        atts[id] = { Arn: arn('sqs', name), QueueName: name, QueueUrl: refs[id] };
        break;
      case 'AWS::IAM::Role':
        refs[id] = name;
        atts[id] = { Arn: arn('iam', `role/${name}`, false), RoleId: id };
        break;
      case 'AWS::Lambda::Function':
        refs[id] = name;
        atts[id] = { Arn: arn('lambda', `function:${name}`) };
        break;
      case 'AWS::KMS::Key':
        refs[id] = name;
        atts[id] = { Arn: arn('kms', `key/${name}`), KeyId: name };
        break;
      case 'AWS::SecretsManager::Secret':
        refs[id] = arn('secretsmanager', `secret:${name}-AbCdEf`);
        break;
      case 'AWS::SNS::Topic':
        refs[id] = arn('sns', name);
        atts[id] = { TopicArn: refs[id], TopicName: name };
        break;
      case 'AWS::Events::EventBus':
        refs[id] = name;
        atts[id] = { Arn: arn('events', `event-bus/${name}`), Name: name };
        break;
      case 'AWS::Events::Rule': {
        const bus = refTo(p.EventBusName);
        const busName = bus ? (localName[bus] ?? bus) : 'default';
        refs[id] = `${busName}|${name}`;
        atts[id] = { Arn: arn('events', `rule/${busName}/${name}`) };
        break;
      }
        break;
      case 'AWS::Logs::LogGroup':
        refs[id] = name;
        atts[id] = { Arn: arn('logs', `log-group:${name}:*`) };
        break;
      case 'AWS::Scheduler::ScheduleGroup':
        refs[id] = typeof p.Name === 'string' ? p.Name : name;
        atts[id] = { Arn: arn('scheduler', `schedule-group/${refs[id]}`) };
        break;
      case 'AWS::ApiGatewayV2::Api':
        refs[id] = 'localapi';
        atts[id] = { ApiEndpoint: 'http://127.0.0.1', ApiId: 'localapi' };
        break;
      default:
        refs[id] = name;
        // Network resources (the egress VPC) are named in no policy: any attribute stands for itself.
        atts[id] = r.Type.startsWith('AWS::EC2::')
          ? new Proxy({} as Record<string, string>, { get: (_, att) => `${name}.${String(att)}` })
          : { Arn: arn('cloudformation', `${r.Type}/${name}`) };
    }
  }
  // Only the resources: the template's Parameters and Rules hold the bootstrap version check.
  const RR = resolveIntrinsics(R, refs, atts) as Template['Resources'];

  const roles: IamModel['roles'] = {};
  const roleNames: Record<string, string> = {};
  const addRole = (principal: string, roleId: string) => {
    roles[principal] = { arn: atts[roleId]!.Arn!, policies: [], trustPolicy: RR[roleId]!.Properties?.AssumeRolePolicyDocument as PolicyDocument };
    roleNames[refs[roleId]!] = principal;
    for (const [i, inline] of asList(RR[roleId]!.Properties?.Policies as Array<{ PolicyName: string; PolicyDocument: PolicyDocument }>).entries())
      roles[principal].policies.push({ name: inline.PolicyName ?? `inline-${i}`, policy: inline.PolicyDocument });
  };
  for (const [, r] of functions) addRole(tagOf(r)!, refTo(r.Properties!.Role)!);
  addRole('scheduler', schedulerRoleId);
  if (destinationRoleId) addRole('destinations', destinationRoleId);

  const resourcePolicies: IamModel['resourcePolicies'] = {};
  const addStatements = (resourceArn: string, statements: Array<Record<string, unknown>>) => {
    resourcePolicies[resourceArn] ??= { Version: '2012-10-17', Statement: [] };
    resourcePolicies[resourceArn].Statement.push(...statements);
  };
  const keys: IamModel['keys'] = {};
  const queueMaxMessageBytes: IamModel['queueMaxMessageBytes'] = {};
  for (const [id, r] of Object.entries(RR)) {
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::IAM::Policy':
        for (const roleName of asList(p.Roles as string[])) {
          const principal = roleNames[roleName];
          if (principal) roles[principal]!.policies.push({ name: p.PolicyName ?? id, policy: p.PolicyDocument });
        }
        break;
      case 'AWS::SQS::QueuePolicy':
        for (const url of asList(p.Queues as string[])) addStatements(queueArnOfUrl(local, url), p.PolicyDocument.Statement);
        break;
      case 'AWS::SNS::TopicPolicy':
        for (const topic of asList(p.Topics as string[])) addStatements(topic, p.PolicyDocument.Statement);
        break;
      case 'AWS::KMS::Key':
        addStatements(atts[id]!.Arn!, p.KeyPolicy.Statement);
        break;
      case 'AWS::SecretsManager::ResourcePolicy':
        addStatements(p.SecretId, p.ResourcePolicy.Statement);
        break;
      case 'AWS::Lambda::Permission': {
        const fnArn = String(p.FunctionName).startsWith('arn:') ? p.FunctionName : arn('lambda', `function:${p.FunctionName}`);
        const principal = String(p.Principal).endsWith('.amazonaws.com') ? { Service: p.Principal } : { AWS: p.Principal };
        addStatements(fnArn, [
          {
            Sid: id,
            Effect: 'Allow',
            Principal: principal,
            Action: p.Action,
            Resource: fnArn,
            ...(p.SourceArn ? { Condition: { ArnLike: { 'aws:SourceArn': p.SourceArn } } } : {}),
          },
        ]);
        break;
      }
      case 'AWS::DynamoDB::Table':
        if (p.SSESpecification?.KMSMasterKeyId) keys[atts[id]!.Arn!] = p.SSESpecification.KMSMasterKeyId;
        break;
      case 'AWS::SQS::Queue':
        if (p.KmsMasterKeyId) keys[atts[id]!.Arn!] = p.KmsMasterKeyId;
        queueMaxMessageBytes[atts[id]!.Arn!] = Number(p.MaximumMessageSize ?? SQS_DEFAULT_MAX_MESSAGE_BYTES);
        break;
      case 'AWS::SNS::Topic':
        if (p.KmsMasterKeyId) keys[refs[id]!] = p.KmsMasterKeyId;
        break;
      case 'AWS::SecretsManager::Secret':
        if (p.KmsKeyId) keys[refs[id]!] = p.KmsKeyId;
        break;
    }
  }

  const ruleEntry = Object.entries(R).find(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties?.EventBusName);
  const topicId = Object.entries(R).find(([, r]) => r.Type === 'AWS::SNS::Topic')?.[0];
  const apiId = Object.entries(R).find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Api')?.[0];
  const ruleTarget = asList(RR[ruleEntry?.[0] ?? '']?.Properties?.Targets as Array<{ DeadLetterConfig?: { Arn: string } }>)[0];
  return {
    account,
    region,
    roles,
    resourcePolicies,
    keys,
    queueMaxMessageBytes,
    environments: Object.fromEntries(functions.map(([id, r]) => [tagOf(r)!, (RR[id]!.Properties!.Environment?.Variables ?? {}) as Record<string, string>])),
    functionArns: Object.fromEntries(functions.map(([id, r]) => [tagOf(r)!, atts[id]!.Arn!])),
    ingestRulePattern: (RR[ruleEntry?.[0] ?? '']?.Properties?.EventPattern ?? {}) as Record<string, unknown>,
    arns: {
      schedulerRole: atts[schedulerRoleId]!.Arn!,
      schedulerDeadLetterQueue: String(RR[worker[0]]!.Properties!.Environment.Variables.SCHEDULER_DLQ_ARN),
      deliveryQueue: atts[queueId]!.Arn!,
      ingestRule: ruleEntry ? atts[ruleEntry[0]]!.Arn! : '',
      ingestDeadLetterQueue: ruleTarget?.DeadLetterConfig?.Arn ?? '',
      alarmTopic: topicId ? refs[topicId]! : '',
      api: apiId ? refs[apiId]! : '',
    },
  };
};
