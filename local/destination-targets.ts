import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { XmlNode } from '@aws-sdk/xml-builder';
import { AwsServiceError, leaf, sendQueryError, sendXml } from './query-protocol';
import { MAX_MESSAGE_BYTES, messageBytes } from '../lambdas/shared/domain/destinations';
import type { StsStandIn } from './sts';

/**
 * Tenants' own AWS targets for AWS destinations (issue 26), in simulated accounts: EventBridge
 * buses (PutEvents, JSON 1.1) and SNS topics (Publish, the Query protocol with an XML answer)
 * over their real wire protocols, since no emulator exists for either, and the authorization
 * of an SQS write for the queues fauxqs holds (fauxqs checks no IAM). Every write is evaluated
 * as AWS evaluates a role session's request (`@cloud-copilot/iam-simulate`): the session policy,
 * the role's policies and the target's own resource policy. They refuse what the services
 * refuse: an unknown target, a denied write, an expired session, a message too large, a FIFO
 * topic's publish without a message group. What they accept is kept, to be read by tests.
 */
export interface LocalTarget {
  arn: string;
  /** The bus's or topic's resource policy (absent: the account's identity policies decide alone). */
  resourcePolicy?: unknown;
}

export interface Received {
  target: string;
  id: string;
  body: string;
  attributes: Record<string, string>;
  detailType?: string;
  source?: string;
  groupId?: string;
  deduplicationId?: string;
}

const accountOf = (arn: string) => arn.split(':')[4] ?? '';

export const createDestinationTargets = (options: { sts: StsStandIn; buses?: readonly LocalTarget[]; topics?: readonly LocalTarget[]; queues?: readonly LocalTarget[] }) => {
  const buses = new Map((options.buses ?? []).map((t) => [t.arn, t]));
  const topics = new Map((options.topics ?? []).map((t) => [t.arn, t]));
  const queues = new Map((options.queues ?? []).map((t) => [t.arn, t]));
  const received: Received[] = [];

  /** Throws the service's refusal unless the session behind `accessKeyId` may do `action` on `resource`. */
  const authorize = async (accessKeyId: string, action: string, target: LocalTarget, deniedCode: string, status = 400) => {
    const session = options.sts.session(accessKeyId);
    if (!session) throw new AwsServiceError(403, 'ExpiredTokenException', 'The security token included in the request is expired');
    const role = options.sts.role(session.roleArn)!;
    const principal = `${session.roleArn.replace(':iam::', ':sts::').replace(/:role\/(?:.*\/)?/, ':assumed-role/')}/${session.sessionName}`;
    const result = await runSimulation(
      {
        request: { principal, action, resource: { resource: target.arn, accountId: accountOf(target.arn) }, contextVariables: { 'aws:SecureTransport': 'true' } },
        identityPolicies: role.policies.map((p, i) => ({ name: `role-${i}`, policy: p as never })),
        ...(session.sessionPolicy ? { sessionPolicy: session.sessionPolicy as never } : {}),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(target.resourcePolicy ? { resourcePolicy: target.resourcePolicy as never } : {}),
      },
      {},
    );
    if (result.resultType === 'error') throw new Error(`IAM rehearsal: cannot evaluate ${action} on ${target.arn}: ${JSON.stringify(result.errors)}`);
    if (result.overallResult !== 'Allowed') throw new AwsServiceError(status, deniedCode, `User: ${principal} is not authorized to perform: ${action} on resource: ${target.arn}`);
  };

  const putEvents = async (accessKeyId: string, input: { Entries?: Array<Record<string, string>> }) => {
    const entries = input.Entries ?? [];
    if (entries.length < 1 || entries.length > 10) throw new AwsServiceError(400, 'ValidationException', '1 validation error detected: Value at \'entries\' failed to satisfy constraint: Member must have length between 1 and 10');
    let total = 0;
    for (const e of entries) {
      const bus = buses.get(e.EventBusName ?? '');
      if (!bus) throw new AwsServiceError(400, 'ResourceNotFoundException', `Event bus ${String(e.EventBusName).split('/').at(-1)} does not exist.`);
      await authorize(accessKeyId, 'events:PutEvents', bus, 'AccessDeniedException');
      total += messageBytes('eventbridge', { body: e.Detail ?? '', source: e.Source ?? '', detailType: e.DetailType ?? '' });
    }
    if (total > MAX_MESSAGE_BYTES.eventbridge) throw new AwsServiceError(400, 'ValidationException', 'Total size of the entries in the request is over the limit.');
    const out = entries.map((e) => {
      const id = randomUUID();
      received.push({ target: e.EventBusName!, id, body: e.Detail ?? '', attributes: {}, detailType: e.DetailType!, source: e.Source! });
      return { EventId: id };
    });
    return { FailedEntryCount: 0, Entries: out };
  };

  const publish = async (accessKeyId: string, params: URLSearchParams) => {
    const topic = topics.get(params.get('TopicArn') ?? '');
    if (!topic) throw new AwsServiceError(404, 'NotFound', 'Topic does not exist');
    await authorize(accessKeyId, 'sns:Publish', topic, 'AuthorizationError', 403);
    const attributes: Record<string, string> = {};
    for (let i = 1; params.has(`MessageAttributes.entry.${i}.Name`); i++) attributes[params.get(`MessageAttributes.entry.${i}.Name`)!] = params.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? '';
    const body = params.get('Message') ?? '';
    if (messageBytes('sns', { body, attributes: Object.entries(attributes).map(([name, value]) => ({ name, value })) }) > MAX_MESSAGE_BYTES.sns) throw new AwsServiceError(400, 'InvalidParameter', 'Invalid parameter: Message too long');
    const fifo = topic.arn.endsWith('.fifo');
    if (fifo && !params.get('MessageGroupId')) throw new AwsServiceError(400, 'InvalidParameter', 'Invalid parameter: The MessageGroupId parameter is required for FIFO topics');
    const id = randomUUID();
    received.push({ target: topic.arn, id, body, attributes, ...(fifo ? { groupId: params.get('MessageGroupId')!, deduplicationId: params.get('MessageDeduplicationId') ?? '' } : {}) });
    return id;
  };

  /** Serves one request of either service; false when it is neither's. */
  const handle = async (req: IncomingMessage, res: ServerResponse, body: string, accessKeyId: string): Promise<boolean> => {
    if (req.headers['x-amz-target'] === 'AWSEvents.PutEvents') {
      try {
        const out = await putEvents(accessKeyId, JSON.parse(body || '{}'));
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(out));
      } catch (e) {
        if (!(e instanceof AwsServiceError)) throw e;
        res.writeHead(e.status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: e.code, message: e.message }));
      }
      return true;
    }
    const params = new URLSearchParams(body);
    if (params.get('Version') !== '2010-03-31') return false;
    const requestId = randomUUID();
    try {
      if (params.get('Action') !== 'Publish') throw new AwsServiceError(400, 'InvalidAction', `The action ${params.get('Action')} is not valid for this endpoint.`);
      const id = await publish(accessKeyId, params);
      const out = new XmlNode('PublishResponse')
        .addAttribute('xmlns', 'http://sns.amazonaws.com/doc/2010-03-31/')
        .addChildNode(new XmlNode('PublishResult').addChildNode(leaf('MessageId', id)))
        .addChildNode(new XmlNode('ResponseMetadata').addChildNode(leaf('RequestId', requestId)));
      sendXml(res, 200, out);
    } catch (e) {
      if (!(e instanceof AwsServiceError)) throw e;
      sendQueryError(res, 'http://sns.amazonaws.com/doc/2010-03-31/', e, requestId);
    }
    return true;
  };

  /** An SQS write to a queue fauxqs holds, authorized before it is sent (as SQS would, from the queue's ARN). */
  const authorizeSqsSend = async (accessKeyId: string, queueArn: string) => {
    const queue = queues.get(queueArn);
    if (!queue) throw new AwsServiceError(400, 'AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
    await authorize(accessKeyId, 'sqs:SendMessage', queue, 'AccessDenied', 403);
  };

  return { handle, authorizeSqsSend, received, buses: [...buses.keys()], topics: [...topics.keys()], queues: [...queues.keys()] };
};

export type DestinationTargets = ReturnType<typeof createDestinationTargets>;
