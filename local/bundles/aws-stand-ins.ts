import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PutEventsEntry } from '../event-bus';
import { createScheduleRequests, deleteScheduleRequests, masterKeyRequests, putEventsRequests } from '../functions';
import type { Authorizer } from '../iam/authorizer';
import type { IamModel } from '../iam/template-model';
import { schedulerNameViolation } from '../service-limits';

/** EventBridge Scheduler's quota on a target's input. */
export const SCHEDULER_MAX_INPUT_BYTES = 256 * 1024;

export interface StandInOptions {
  model: IamModel;
  /** IAM as the template defines it; absent, every call is allowed. */
  iam?: Authorizer;
  /** Who signs with which access key id: each bundled function has its own. */
  callers: Record<string, string>;
  /** The master key's value (the local runtime keeps it in its data directory). */
  masterKey: string;
  /** Keeps a one-time schedule until it is due; false when one of that name exists. */
  createSchedule: (name: string, dueAtMs: number, input: string) => Promise<boolean>;
  /** Deletes a schedule; false when there is none of that name. */
  removeSchedule: (name: string) => Promise<boolean>;
  /** The local event bus's PutEvents (`../event-bus`). */
  putEvents: (entries: PutEventsEntry[]) => Promise<unknown>;
}

class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** `at(2026-02-16T12:00:00)` in UTC, as the Scheduler adapter writes it. */
const dueOf = (expression: unknown, zone: unknown): number => {
  const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(String(expression));
  if (!at || (zone !== undefined && zone !== 'UTC')) throw new ServiceError(400, 'ValidationException', `Invalid Schedule Expression ${String(expression)}.`);
  return Date.parse(`${at[1]}Z`);
};

/**
 * Secrets Manager (`GetSecretValue` of the master key, JSON 1.1), EventBridge Scheduler
 * (`CreateSchedule`, REST-JSON) and EventBridge (`PutEvents` on the stack's bus, JSON 1.1) on one loopback port, over the real wire protocols, for the
 * bundles `cdk synth` produced: no emulator exists for either. Each request is attributed to
 * a function by the access key id it was signed with (the signature itself is not verified:
 * the SDK made it), and asked of IAM exactly what the in-process stand-ins ask
 * (`../functions`). Schedules are validated as the Scheduler validates them (name, group,
 * expression, target, input size) and kept by the local scheduler until due.
 */
export const startAwsStandIns = async (options: StandInOptions) => {
  const { model, iam } = options;
  const callerOf = (req: IncomingMessage): string => {
    const key = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
    const caller = key ? options.callers[key] : undefined;
    if (!caller) throw new ServiceError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    return caller;
  };

  const getSecretValue = async (caller: string, input: { SecretId?: string }) => {
    const arn = model.environments[caller]?.MASTER_KEY_SECRET_ARN;
    if (!arn || input.SecretId !== arn) throw new ServiceError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    if (iam) await iam.check(caller, masterKeyRequests(model, caller));
    return { ARN: arn, Name: arn.split(':').at(-1), SecretString: options.masterKey, VersionId: 'local', VersionStages: ['AWSCURRENT'], CreatedDate: 0 };
  };

  const createSchedule = async (caller: string, name: string, input: Record<string, any>) => {
    const refusal = schedulerNameViolation(name);
    if (refusal) throw new ServiceError(400, refusal.name, refusal.message);
    const group = model.environments['delivery-worker']?.SCHEDULE_GROUP_NAME;
    if (input.GroupName !== group) throw new ServiceError(404, 'ResourceNotFoundException', `Schedule group ${String(input.GroupName)} does not exist.`);
    const target = input.Target ?? {};
    if (typeof target.Input !== 'string' || target.Input.length === 0 || Buffer.byteLength(target.Input) > SCHEDULER_MAX_INPUT_BYTES) {
      throw new ServiceError(400, 'ValidationException', `Target input must be 1 to ${SCHEDULER_MAX_INPUT_BYTES} bytes.`);
    }
    if (target.Arn !== model.arns.deliveryQueue) throw new ServiceError(400, 'ValidationException', `The local Scheduler delivers only to the delivery queue, not ${String(target.Arn)}.`);
    if (iam) await iam.check(caller, createScheduleRequests(model, group, name, String(target.RoleArn)));
    if (!(await options.createSchedule(name, dueOf(input.ScheduleExpression, input.ScheduleExpressionTimezone), target.Input))) {
      throw new ServiceError(409, 'ConflictException', `Schedule ${name} already exists.`);
    }
    return { ScheduleArn: `arn:aws:scheduler:${model.region}:${model.account}:schedule/${group}/${name}` };
  };

  const deleteSchedule = async (caller: string, name: string, group: string | undefined) => {
    const refusal = schedulerNameViolation(name);
    if (refusal) throw new ServiceError(400, refusal.name, refusal.message);
    const stackGroup = model.environments['delivery-worker']?.SCHEDULE_GROUP_NAME;
    // DeleteSchedule's group is a query parameter; without one it is the default group.
    if ((group ?? 'default') !== stackGroup) throw new ServiceError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    if (iam) await iam.check(caller, deleteScheduleRequests(model, stackGroup, name));
    if (!(await options.removeSchedule(name))) throw new ServiceError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return {};
  };

  const answer = (res: ServerResponse, status: number, body: unknown, type?: string) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(type ? { 'x-amzn-errortype': type } : {}) }).end(JSON.stringify(body));
  };

  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const caller = callerOf(req);
      const target = req.headers['x-amz-target'];
      if (target === 'secretsmanager.GetSecretValue') return answer(res, 200, await getSecretValue(caller, JSON.parse(body)));
      if (target === 'AWSEvents.PutEvents') {
        const entries = (JSON.parse(body).Entries ?? []) as PutEventsEntry[];
        if (iam) await iam.check(caller, putEventsRequests(model, entries));
        return answer(res, 200, await options.putEvents(entries));
      }
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const schedule = /^\/schedules\/([^/?]+)$/.exec(url.pathname);
      if (req.method === 'POST' && schedule) return answer(res, 200, await createSchedule(caller, decodeURIComponent(schedule[1]!), JSON.parse(body)));
      if (req.method === 'DELETE' && schedule) return answer(res, 200, await deleteSchedule(caller, decodeURIComponent(schedule[1]!), url.searchParams.get('groupName') ?? undefined));
      throw new ServiceError(400, 'UnknownOperationException', `The local stand-ins do not serve ${String(target ?? `${req.method} ${req.url}`)}`);
    } catch (e) {
      const error = e instanceof ServiceError ? e : { status: (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 500, type: (e as Error).name, message: (e as Error).message };
      answer(res, error.status, { __type: error.type, message: error.message, Message: error.message }, error.type);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
};
