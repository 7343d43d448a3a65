import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, type SendMessageCommand, type SendMessageCommandOutput, type SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { awsClientFactory, type ClientFactory } from '../lambdas/shared/adapters/aws-destination-sender';
import type { IamModel } from './iam/template-model';
import { createDestinationTargets, type LocalTarget, type Received } from './destination-targets';
import { aroundCommands } from './sdk-middleware';
import { createStsStandIn, type LocalRole, type StsCaller } from './sts';

/**
 * Tenants' AWS accounts, simulated (issue 26): the STS stand-in, their EventBridge buses and
 * SNS topics (stand-ins over the services' wire protocols, on one loopback port) and their SQS
 * queues (on the embedded SQS emulator, each write authorized first as SQS would). The worker
 * and the tenant routes reach them exactly as on AWS: each function's role assumes the stack's
 * destination role (a role chain), whose session assumes the tenant's role with the external
 * id; every write is then evaluated against the session policy, the role's policies and the
 * target's own policy.
 *
 * A tenant "deploys" the CloudFormation template hookpost answers (GET
 * /api/v1/admin/destinations/trust) with POST /_local/accounts/{account}/stacks: its roles are
 * made in that account, and the answer is the template's RoleArn output, as CloudFormation's.
 * GET /_local/received lists what every target took.
 */
export interface SimulatedAccount {
  id: string;
  roles?: LocalRole[];
  buses?: LocalTarget[];
  topics?: LocalTarget[];
  /** Queues made on the SQS emulator (by name: the emulator holds one namespace of queue names). */
  queues?: LocalTarget[];
}

/** The simulated account `npm start` gives tenants: a bus, standard and FIFO queues and topics, all named orders. */
export const LOCAL_TENANT_ACCOUNT = '444455556666';
export const defaultAccounts = (region: string): SimulatedAccount[] => {
  const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${LOCAL_TENANT_ACCOUNT}:${resource}`;
  return [
    {
      id: LOCAL_TENANT_ACCOUNT,
      buses: [{ arn: arn('events', 'event-bus/orders') }],
      topics: [{ arn: arn('sns', 'orders') }, { arn: arn('sns', 'orders.fifo') }],
      queues: [{ arn: arn('sqs', 'orders') }, { arn: arn('sqs', 'orders.fifo') }],
    },
  ];
};

/** The functions that reach tenants' accounts, each signing as its own role (its access key names it). */
const CALLERS = { 'delivery-worker': 'AKIALOCALDELIVERYWORKER', 'admin-webhooks': 'AKIALOCALADMINWEBHOOKS' } as const;
export type DestinationCaller = keyof typeof CALLERS;

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });

const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` → the queue's ARN. */
const queueArnOf = (url: string): string => {
  const m = /^https?:\/\/sqs\.([\w-]+)\.[^/]+\/(\d{12})\/([\w.-]+)$/.exec(url);
  return m ? `arn:aws:sqs:${m[1]}:${m[2]}:${m[3]}` : url;
};

/**
 * Makes the roles of a CloudFormation template (the one hookpost answers): AWS::IAM::Role
 * resources only, with their trust and inline policies, named after the resource; anything
 * else is refused, as this is not CloudFormation.
 */
const rolesOfTemplate = (account: string, template: unknown): { roles: LocalRole[]; outputs: Record<string, string> } => {
  const resources = (template as { Resources?: Record<string, { Type?: string; Properties?: Record<string, any> }> })?.Resources;
  if (!resources || typeof resources !== 'object') throw new Error('the template has no Resources');
  const roles: LocalRole[] = [];
  const arns: Record<string, string> = {};
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::IAM::Role') throw new Error(`${id}: only AWS::IAM::Role resources are made locally, not ${r.Type}`);
    const p = r.Properties ?? {};
    const arn = `arn:aws:iam::${account}:role/${typeof p.RoleName === 'string' ? p.RoleName : id}`;
    arns[id] = arn;
    roles.push({
      arn,
      trustPolicy: p.AssumeRolePolicyDocument,
      policies: (p.Policies ?? []).map((x: { PolicyDocument: unknown }) => x.PolicyDocument),
      ...(typeof p.MaxSessionDuration === 'number' ? { maxSessionDurationSeconds: p.MaxSessionDuration } : {}),
    });
  }
  const outputs: Record<string, string> = {};
  for (const [name, o] of Object.entries((template as { Outputs?: Record<string, { Value?: any }> }).Outputs ?? {})) {
    const att = o.Value?.['Fn::GetAtt'];
    if (Array.isArray(att) && att[1] === 'Arn' && arns[att[0]]) outputs[name] = arns[att[0]]!;
  }
  return { roles, outputs };
};

export const startLocalAwsAccounts = async (options: {
  model: IamModel;
  accounts: SimulatedAccount[];
  sqs: SQSClient;
  sqsEndpoint: string;
  region: string;
  port?: number;
  /** Where roles made with the stacks route are kept, so a restart keeps them (the data directory's). */
  stateFile?: string;
}) => {
  const { model } = options;
  const destinationRole = model.roles.destinations;
  if (!destinationRole) throw new Error('The template has no destination role (awsDestinations: false): no AWS destinations to rehearse');
  const policiesOf = (role: { policies: Array<{ policy: unknown }> }) => role.policies.map((p) => p.policy);
  const sts = createStsStandIn({
    roles: [{ arn: destinationRole.arn, trustPolicy: destinationRole.trustPolicy, policies: policiesOf(destinationRole) }, ...options.accounts.flatMap((a) => a.roles ?? [])],
    callerOf: (accessKeyId): StsCaller | undefined => {
      const fn = (Object.keys(CALLERS) as DestinationCaller[]).find((f) => CALLERS[f] === accessKeyId);
      if (fn) return { arn: model.roles[fn]!.arn, policies: policiesOf(model.roles[fn]!) };
      // A session of a role that was itself assumed: the next hop of a role chain.
      const session = sts.session(accessKeyId);
      const role = session && sts.role(session.roleArn);
      return role ? { arn: role.arn, policies: role.policies, chained: true } : undefined;
    },
  });
  // Roles tenants made with the stacks route, from before a restart.
  const deployed: LocalRole[] = [];
  if (options.stateFile) {
    try {
      deployed.push(...(JSON.parse(readFileSync(options.stateFile, 'utf8')) as { roles: LocalRole[] }).roles);
    } catch {
      // none yet
    }
    for (const role of deployed) sts.putRole(role);
  }
  const keep = (roles: LocalRole[]) => {
    for (const role of roles) {
      sts.putRole(role);
      const at = deployed.findIndex((r) => r.arn === role.arn);
      if (at >= 0) deployed[at] = role;
      else deployed.push(role);
    }
    if (options.stateFile) writeFileSync(options.stateFile, JSON.stringify({ roles: deployed }, null, 2));
  };
  const all = (pick: (a: SimulatedAccount) => LocalTarget[] | undefined) => options.accounts.flatMap((a) => pick(a) ?? []);
  const targets = createDestinationTargets({ sts, buses: all((a) => a.buses), topics: all((a) => a.topics), queues: all((a) => a.queues) });
  for (const q of all((a) => a.queues)) {
    const name = q.arn.split(':').at(-1)!;
    await options.sqs.send(new CreateQueueCommand({ QueueName: name, ...(name.endsWith('.fifo') ? { Attributes: { FifoQueue: 'true' } } : {}) }));
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const deploy = /^\/_local\/accounts\/(\d{12})\/stacks$/.exec(url.pathname);
      if (req.method === 'POST' && deploy) {
        if (!options.accounts.some((a) => a.id === deploy[1])) return json(res, 404, { error: { code: 'account_not_found', message: `No simulated account ${deploy[1]}` } });
        try {
          const { roles, outputs } = rolesOfTemplate(deploy[1]!, JSON.parse(body));
          keep(roles);
          return json(res, 201, { account: deploy[1], roles: roles.map((r) => r.arn), outputs });
        } catch (e) {
          return json(res, 400, { error: { code: 'invalid_template', message: (e as Error).message } });
        }
      }
      if (req.method === 'GET' && url.pathname === '/_local/received') {
        const target = url.searchParams.get('target');
        return json(res, 200, { received: target ? targets.received.filter((r) => r.target === target) : targets.received });
      }
      const accessKeyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!(await sts.handle(res, body, accessKeyId)) && !(await targets.handle(req, res, body, accessKeyId))) res.writeHead(404).end();
      return undefined;
    })().catch((e) => {
      if (!res.headersSent) json(res, 500, { error: { code: 'internal', message: (e as Error).message } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** The targets' clients of one function: buses and topics on the stand-ins, queues on the emulator, each SQS write authorized and recorded. */
  const clients: ClientFactory = awsClientFactory({
    endpointOf: (service) => (service === 'sqs' ? options.sqsEndpoint : endpoint),
    configure: (client, service, credentials) =>
      service !== 'sqs'
        ? client
        : (aroundCommands(client as SQSClient, 'tenantQueueIam', async (operation, input, send) => {
            if (operation !== 'SendMessage') throw new Error(`AWS destinations send only SendMessage, not ${operation}`);
            const arn = queueArnOf(String(input.QueueUrl));
            await targets.authorizeSqsSend(credentials.accessKeyId, arn);
            const result = await send();
            const out = result.output as SendMessageCommandOutput;
            const attributes = Object.fromEntries(Object.entries((input as SendMessageCommand['input']).MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']));
            const received: Received = { target: arn, id: out.MessageId!, body: String(input.MessageBody), attributes, ...(input.MessageGroupId ? { groupId: String(input.MessageGroupId), deduplicationId: String(input.MessageDeduplicationId ?? '') } : {}) };
            targets.received.push(received);
            return result;
          }) as typeof client),
  });

  return {
    endpoint,
    sts,
    received: targets.received,
    /** The STS client of a function: its own role assumes the destination role (the SDK's provider, as on AWS), whose sessions assume tenants' roles. */
    stsFor: (caller: DestinationCaller): STSClient =>
      new STSClient({
        endpoint,
        region: options.region,
        credentials: fromTemporaryCredentials({
          params: { RoleArn: destinationRole.arn, RoleSessionName: `hookpost-${caller}`, DurationSeconds: 3600 },
          masterCredentials: { accessKeyId: CALLERS[caller], secretAccessKey: 'local' },
          clientConfig: { endpoint, region: options.region },
        }),
      }),
    clients,
    stop: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
};

export type LocalAwsAccounts = Awaited<ReturnType<typeof startLocalAwsAccounts>>;
