import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/shared/http/routes';
import { type Authorizer, createAuthorizer } from '../../local/iam/authorizer';
import { requestsOf } from '../../local/iam/sdk-guard';
import { putEventsRequests } from '../../local/functions';
import { stackTemplate } from '../../local/iam/stack-template';
import { buildIamModel } from '../../local/iam/template-model';

/**
 * What the services AWS runs on the stack's behalf may do, evaluated from the synthesized
 * template by the same evaluator the local runtime enforces every SDK call with. Each service
 * principal the stack relies on has a case, and a case that removes its grant shows the
 * evaluator refuses (the template-level defects this replaces were silent on AWS).
 */
const LOCAL = {
  account: '000000000000',
  region: 'us-east-1',
  configTable: 'hookpost-configs',
  deliveriesTable: 'hookpost-deliveries',
  deliveryQueue: 'hookpost-delivery',
  deadLetterQueue: 'hookpost-delivery-dlq',
  queueUrlPrefix: 'http://127.0.0.1:9/000000000000/',
};

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
let template: Template;
let iam: Authorizer;
beforeAll(async () => {
  template = (await stackTemplate()) as Template;
  iam = createAuthorizer(buildIamModel(structuredClone(template), LOCAL));
}, 120_000);

const allowed = (a: Authorizer, caller: string, action: string, resource: string, context?: Record<string, string | string[]>) =>
  a.decide(caller, { action, resource, ...(context ? { context } : {}) }).then((d) => d === 'Allowed');
const viaSqs = { 'kms:ViaService': 'sqs.us-east-1.amazonaws.com', 'kms:CallerAccount': LOCAL.account };
const without = (mutate: (t: Template) => void): Authorizer => {
  const copy = structuredClone(template);
  mutate(copy);
  return createAuthorizer(buildIamModel(copy, LOCAL));
};

describe('service principals, as the template lets them act', () => {
  it('CloudWatch alarms may publish to the alarm topic and use its key, from this account only', async () => {
    const { alarmTopic } = iam.model.arns;
    expect(await allowed(iam, 'cloudwatch.amazonaws.com', 'sns:Publish', alarmTopic, { 'aws:SourceAccount': LOCAL.account })).toBe(true);
    expect(await allowed(iam, 'cloudwatch.amazonaws.com', 'sns:Publish', alarmTopic, { 'aws:SourceAccount': '111122223333' })).toBe(false);
    const topicKey = iam.model.keys[alarmTopic]!;
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) expect(await allowed(iam, 'cloudwatch.amazonaws.com', action, topicKey), action).toBe(true);
    // The defect of the first deploy audit: a topic policy with only the TLS deny.
    const tlsOnly = without((t) => {
      const policy = Object.values(t.Resources).find((r) => r.Type === 'AWS::SNS::TopicPolicy')!;
      policy.Properties.PolicyDocument.Statement = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Deny');
    });
    expect(await allowed(tlsOnly, 'cloudwatch.amazonaws.com', 'sns:Publish', alarmTopic, { 'aws:SourceAccount': LOCAL.account })).toBe(false);
  });

  it('the Scheduler\'s role may send to the delivery queue and its own DLQ under the data key, and nothing else', async () => {
    const { deliveryQueue, schedulerDeadLetterQueue } = iam.model.arns;
    for (const queue of [deliveryQueue, schedulerDeadLetterQueue]) {
      for (const request of requestsOf(iam.model, 'sqs', 'SendMessage', { QueueUrl: `${LOCAL.queueUrlPrefix}${queue.split(':').pop()}` })) {
        expect(await allowed(iam, 'scheduler', request.action, request.resource, request.context), `${request.action} ${queue}`).toBe(true);
      }
    }
    expect(await allowed(iam, 'scheduler', 'sqs:ReceiveMessage', deliveryQueue)).toBe(false);
    expect(await allowed(iam, 'scheduler', 'dynamodb:GetItem', `arn:aws:dynamodb:us-east-1:${LOCAL.account}:table/hookpost-configs`)).toBe(false);
  });

  it('the worker creates schedules only in the stack\'s group, passing only the Scheduler\'s role to Scheduler', async () => {
    const group = iam.model.environments['delivery-worker']!.SCHEDULE_GROUP_NAME;
    const schedule = (g: string) => `arn:aws:scheduler:us-east-1:${LOCAL.account}:schedule/${g}/d1-a3`;
    expect(await allowed(iam, 'delivery-worker', 'scheduler:CreateSchedule', schedule(group!))).toBe(true);
    expect(await allowed(iam, 'delivery-worker', 'scheduler:CreateSchedule', schedule('default'))).toBe(false);
    expect(await allowed(iam, 'delivery-worker', 'scheduler:DeleteSchedule', schedule(group!))).toBe(true);
    expect(await allowed(iam, 'delivery-worker', 'scheduler:DeleteSchedule', schedule('default'))).toBe(false);
    expect(await allowed(iam, 'platform', 'scheduler:DeleteSchedule', schedule(group!))).toBe(false);
    expect(await allowed(iam, 'delivery-worker', 'iam:PassRole', iam.model.arns.schedulerRole, { 'iam:PassedToService': 'scheduler.amazonaws.com' })).toBe(true);
    expect(await allowed(iam, 'admin-webhooks', 'iam:PassRole', iam.model.arns.schedulerRole, { 'iam:PassedToService': 'scheduler.amazonaws.com' })).toBe(false);
  });

  it('the EventBridge rule may invoke the ingest function and fill its DLQ; another rule may not', async () => {
    const { ingestRule, ingestDeadLetterQueue } = iam.model.arns;
    const ingest = iam.model.functionArns['eventbridge-ingest']!;
    expect(await allowed(iam, 'events.amazonaws.com', 'lambda:InvokeFunction', ingest, { 'aws:SourceArn': ingestRule })).toBe(true);
    const otherRule = ingestRule.replace(/[^/]+$/, 'SomeoneElsesRule');
    expect(await allowed(iam, 'events.amazonaws.com', 'lambda:InvokeFunction', ingest, { 'aws:SourceArn': otherRule })).toBe(false);
    expect(await allowed(iam, 'events.amazonaws.com', 'sqs:SendMessage', ingestDeadLetterQueue, { 'aws:SourceArn': ingestRule })).toBe(true);
    expect(await allowed(iam, 'events.amazonaws.com', 'sqs:SendMessage', ingestDeadLetterQueue, { 'aws:SourceArn': otherRule })).toBe(false);
    // Lambda's on-failure destination sends as the function's own role.
    expect(await allowed(iam, 'eventbridge-ingest', 'sqs:SendMessage', ingestDeadLetterQueue)).toBe(true);
  });

  it('the ingest DLQ is encrypted with the data key, which EventBridge (for rules of the hookpost bus) and the ingest function may use to send to it', async () => {
    const { ingestRule, ingestDeadLetterQueue } = iam.model.arns;
    const key = iam.model.keys[ingestDeadLetterQueue];
    expect(key).toBe(iam.model.keys[iam.model.arns.deliveryQueue]);
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      const from = (rule: string, account = LOCAL.account) => ({ 'aws:SourceArn': rule, 'aws:SourceAccount': account });
      expect(await allowed(iam, 'events.amazonaws.com', action, key!, from(ingestRule)), action).toBe(true);
      expect(await allowed(iam, 'events.amazonaws.com', action, key!, from(ingestRule.replace(/rule\/[^/]+\//, 'rule/default/'))), action).toBe(false);
      expect(await allowed(iam, 'events.amazonaws.com', action, key!, from(ingestRule, '111122223333')), action).toBe(false);
    }
    const url = `${LOCAL.queueUrlPrefix}${ingestDeadLetterQueue.split(':').pop()}`;
    for (const request of requestsOf(iam.model, 'sqs', 'SendMessage', { QueueUrl: url })) {
      expect(await allowed(iam, 'eventbridge-ingest', request.action, request.resource, request.context), request.action).toBe(true);
    }
  });

  it('the event source mapping polls the delivery queue with the worker\'s role, the key included', async () => {
    const url = `${LOCAL.queueUrlPrefix}${LOCAL.deliveryQueue}`;
    for (const operation of ['ReceiveMessage', 'DeleteMessageBatch', 'ChangeMessageVisibility', 'GetQueueAttributes']) {
      for (const request of requestsOf(iam.model, 'sqs', operation, { QueueUrl: url })) {
        expect(await allowed(iam, 'delivery-worker', request.action, request.resource, request.context), `${operation}: ${request.action}`).toBe(true);
      }
    }
    expect(await allowed(iam, 'platform', 'sqs:ReceiveMessage', iam.model.arns.deliveryQueue)).toBe(false);
  });

  it('API Gateway may invoke each route\'s function for that route only', async () => {
    const sourceArn = (method: string, path: string) => `arn:aws:execute-api:us-east-1:${LOCAL.account}:${iam.model.arns.api}/$default/${method}${path}`;
    for (const route of ROUTES) {
      const fn = iam.model.functionArns[route.group]!;
      expect(await allowed(iam, 'apigateway.amazonaws.com', 'lambda:InvokeFunction', fn, { 'aws:SourceArn': sourceArn(route.method, route.path) }), `${route.method} ${route.path}`).toBe(true);
    }
    expect(await allowed(iam, 'apigateway.amazonaws.com', 'lambda:InvokeFunction', iam.model.functionArns.platform!, { 'aws:SourceArn': sourceArn('GET', '/dashboard') })).toBe(false);
  });
});

describe('the functions\' roles, as the template grants them', () => {
  const table = (name: string) => `arn:aws:dynamodb:us-east-1:${LOCAL.account}:table/${name}`;
  const allAllowed = async (a: Authorizer, caller: string, operation: string, input: Record<string, unknown>) => {
    for (const request of requestsOf(a.model, 'dynamodb', operation, input)) if (!(await allowed(a, caller, request.action, request.resource, request.context))) return false;
    return true;
  };

  it('the worker may update endpoint health and delete an erased tenant\'s items (UpdateItem and DeleteItem on configs, and the key through DynamoDB), but not put configuration', async () => {
    expect(await allAllowed(iam, 'delivery-worker', 'UpdateItem', { TableName: LOCAL.configTable })).toBe(true);
    expect(await allAllowed(iam, 'delivery-worker', 'DeleteItem', { TableName: LOCAL.configTable })).toBe(true);
    expect(await allAllowed(iam, 'delivery-worker', 'PutItem', { TableName: LOCAL.configTable })).toBe(false);
    // BatchWriteItem would put as well: the erasure deletes configuration one DeleteItem at a time.
    expect(await allAllowed(iam, 'delivery-worker', 'BatchWriteItem', { RequestItems: { [LOCAL.configTable]: [] } })).toBe(false);
    // A tenant's erasure reads the tenant-items index of both tables, and deletes its retries' schedules.
    expect(await allAllowed(iam, 'delivery-worker', 'Query', { TableName: LOCAL.configTable, IndexName: 'tenant-items' })).toBe(true);
    expect(await allAllowed(iam, 'delivery-worker', 'Query', { TableName: LOCAL.deliveriesTable, IndexName: 'tenant-items' })).toBe(true);
    // The defect of the first deploy audit: the worker bound to the configs table read-only.
    const readOnly = without((t) => {
      for (const r of Object.values(t.Resources)) {
        if (r.Type !== 'AWS::IAM::Policy') continue;
        for (const s of r.Properties.PolicyDocument.Statement) s.Action = [s.Action].flat().map((a: string) => (a === 'dynamodb:UpdateItem' ? 'dynamodb:GetItem' : a));
      }
    });
    expect(await allAllowed(readOnly, 'delivery-worker', 'UpdateItem', { TableName: LOCAL.configTable })).toBe(false);
  });

  it('every call this version added is granted: subscription pointers, the failed index, the attempt window', async () => {
    const batch = (table: string) => ({ RequestItems: { [table]: [] } });
    // The fan-out reads pointers and the endpoints they name; the routes that change endpoints write pointers.
    expect(await allAllowed(iam, 'delivery-worker', 'Query', { TableName: LOCAL.configTable })).toBe(true);
    expect(await allAllowed(iam, 'delivery-worker', 'BatchGetItem', batch(LOCAL.configTable))).toBe(true);
    for (const fn of ['account-webhooks', 'admin-webhooks']) {
      for (const op of ['UpdateItem', 'DeleteItem', 'GetItem']) expect(await allAllowed(iam, fn, op, { TableName: LOCAL.configTable }), `${fn} ${op}`).toBe(true);
      expect(await allAllowed(iam, fn, 'BatchWriteItem', batch(LOCAL.configTable)), fn).toBe(true);
    }
    // Failed-only pages (admin and platform routes) and recoveries (the worker) read the failed index.
    for (const fn of ['admin-webhooks', 'platform', 'delivery-worker']) {
      expect(await allAllowed(iam, fn, 'Query', { TableName: LOCAL.deliveriesTable, IndexName: 'failed' }), fn).toBe(true);
    }
    // Attempts leaving a delivery's item are written beside it in one BatchWriteItem.
    expect(await allAllowed(iam, 'delivery-worker', 'BatchWriteItem', batch(LOCAL.deliveriesTable))).toBe(true);
    expect(await allAllowed(iam, 'account-webhooks', 'BatchWriteItem', batch(LOCAL.deliveriesTable))).toBe(false);
  });

  it('the worker may put operational events on the stack\'s bus (by the name its environment gives), and no other function may', async () => {
    const [request] = putEventsRequests(iam.model, [{ EventBusName: iam.model.environments['delivery-worker']!.OPERATIONS_BUS_NAME! }]);
    expect(request!.resource).toBe(`arn:aws:events:us-east-1:${LOCAL.account}:event-bus/hookpost`);
    expect(await allowed(iam, 'delivery-worker', request!.action, request!.resource)).toBe(true);
    expect(await allowed(iam, 'delivery-worker', 'events:PutEvents', `arn:aws:events:us-east-1:${LOCAL.account}:event-bus/default`)).toBe(false);
    for (const fn of ['account-webhooks', 'admin-webhooks', 'platform', 'eventbridge-ingest', 'docs']) expect(await allowed(iam, fn, request!.action, request!.resource), fn).toBe(false);
  });

  it('the sweep reads the due index; no function but the worker and the admin routes writes deliveries', async () => {
    expect(await allAllowed(iam, 'delivery-worker', 'Query', { TableName: LOCAL.deliveriesTable, IndexName: 'due' })).toBe(true);
    expect(await allAllowed(iam, 'account-webhooks', 'Query', { TableName: LOCAL.deliveriesTable })).toBe(false);
    expect(await allowed(iam, 'docs', 'dynamodb:GetItem', table(LOCAL.configTable))).toBe(false);
  });

  it('only the functions that seal or open endpoint secrets may read the master key, through Secrets Manager only', async () => {
    const secret = iam.model.environments['delivery-worker']!.MASTER_KEY_SECRET_ARN!;
    const key = iam.model.keys[secret]!;
    const via = (service: string) => ({ 'kms:ViaService': `${service}.us-east-1.amazonaws.com`, 'kms:CallerAccount': LOCAL.account });
    for (const fn of ['delivery-worker', 'account-webhooks', 'admin-webhooks']) {
      expect(await allowed(iam, fn, 'secretsmanager:GetSecretValue', secret), fn).toBe(true);
      expect(await allowed(iam, fn, 'kms:Decrypt', key, via('secretsmanager')), fn).toBe(true);
    }
    for (const fn of ['platform', 'eventbridge-ingest', 'docs']) expect(await allowed(iam, fn, 'secretsmanager:GetSecretValue', secret), fn).toBe(false);
    expect(iam.model.keys[iam.model.arns.deliveryQueue]).toBe(key);
    expect(await allowed(iam, 'docs', 'kms:Decrypt', key, viaSqs)).toBe(false);
  });
});
