import { createEventDataValidator } from '../lambdas/shared/adapters/event-data-validator';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { MAX_SQS_DELAY_SECONDS, scheduleName } from '../lambdas/shared/adapters/retry-scheduler';
import { type ClientOptions, createPorts } from '../lambdas/shared/aws-ports';
import { awsDestinations, dynamoHistory, sqsDeliveryQueue, sqsOrderedQueue, targetChecks, tenantRateLimit, webhookDelivery } from '../lambdas/shared/aws-optional-ports';
import type { DestinationCaller, LocalAwsAccounts } from './aws-accounts';
import type { Config } from '../lambdas/shared/config';
import type { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EventBridgeOperationsBus } from '../lambdas/shared/adapters/eventbridge-operations';
import type { DeliveryQueue, Ports, RetryScheduler, SecretBoxProvider } from '../lambdas/shared/domain/ports';
import type { EgressRules } from '../lambdas/shared/domain/target-policy';
import type { AccessRequest, Authorizer } from './iam/authorizer';
import { guardClient, kmsViaService } from './iam/sdk-guard';
import type { IamModel } from './iam/template-model';
import { limitSqsClient, schedulerNameViolation } from './service-limits';
import type { LocalEventBus } from './event-bus';
import type { createStaleReads } from './stale-reads';

export type FunctionName = 'account-webhooks' | 'admin-webhooks' | 'platform' | 'eventbridge-ingest' | 'delivery-worker';

export interface FunctionWiring {
  config: Config;
  /** The synthesized template, read: queue limits, names. */
  model: IamModel;
  /** Emulator endpoints, dummy credentials and the benchmarks' observer. */
  clients: ClientOptions;
  egress: EgressRules;
  /** The master key (Secrets Manager has no emulator: a local file). */
  masterKey: SecretBoxProvider;
  /** EventBridge Scheduler's stand-in: keeps a retry beyond SQS's 15 minutes until it is due. */
  storeSchedule: RetryScheduler['schedule'];
  removeSchedule: RetryScheduler['cancel'];
  /** The stack's event bus, locally: where the worker's operational events go. */
  bus: LocalEventBus;
  /** IAM as the template defines it; absent, every call is allowed (HOOKPOST_IAM=off). */
  iam?: Authorizer;
  /** DynamoDB's eventual consistency, rehearsed (absent: dynalite's strong reads everywhere). */
  staleReads?: ReturnType<typeof createStaleReads>;
  /** Tenants' simulated AWS accounts, for AWS destinations (absent: none are rehearsed). */
  aws?: LocalAwsAccounts;
}

/** What Secrets Manager asks IAM when `caller` reads the master key: the secret, and its key through the service. */
export const masterKeyRequests = (model: IamModel, caller: string): AccessRequest[] => {
  const secretArn = model.environments[caller]?.MASTER_KEY_SECRET_ARN;
  if (!secretArn) throw new Error(`${caller} has no MASTER_KEY_SECRET_ARN in the template`);
  const key = model.keys[secretArn];
  return [{ action: 'secretsmanager:GetSecretValue', resource: secretArn }, ...(key ? kmsViaService(model, 'secretsmanager', key, ['kms:Decrypt']) : [])];
};

/** What EventBridge Scheduler asks IAM of CreateSchedule: the schedule in its group, and passing the Scheduler's role. */
export const createScheduleRequests = (model: IamModel, group: string, name: string, roleArn: string): AccessRequest[] => [
  { action: 'scheduler:CreateSchedule', resource: `arn:aws:scheduler:${model.region}:${model.account}:schedule/${group}/${name}` },
  { action: 'iam:PassRole', resource: roleArn, context: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
];

/** What EventBridge Scheduler asks IAM of DeleteSchedule: the schedule in its group. */
export const deleteScheduleRequests = (model: IamModel, group: string, name: string): AccessRequest[] => [
  { action: 'scheduler:DeleteSchedule', resource: `arn:aws:scheduler:${model.region}:${model.account}:schedule/${group}/${name}` },
];

/**
 * The in-process stand-ins for Secrets Manager and EventBridge Scheduler ask IAM what the real
 * services would ask (the bundles' wire stand-ins, `./bundles/aws-stand-ins`, ask the same).
 */
const guardedMasterKey = (box: SecretBoxProvider, caller: FunctionName, iam: Authorizer): SecretBoxProvider => ({
  async get() {
    await iam.check(caller, masterKeyRequests(iam.model, caller));
    return box.get();
  },
});

/** What EventBridge asks IAM of PutEvents: the action on each bus the entries name (by name or ARN). */
export const putEventsRequests = (model: Pick<IamModel, 'region' | 'account'>, entries: Array<{ EventBusName?: string | undefined }>): AccessRequest[] =>
  [...new Set(entries.map((e) => e.EventBusName ?? 'default'))].map((bus) => ({
    action: 'events:PutEvents',
    resource: bus.startsWith('arn:') ? bus : `arn:aws:events:${model.region}:${model.account}:event-bus/${bus}`,
  }));

/**
 * EventBridge in process, for the worker's real adapter (`EventBridgeOperationsBus`): its
 * PutEvents goes to the local bus as the SDK would serialize it (a Date as epoch seconds),
 * asked of IAM first. The bundles reach the same bus over the wire (`./bundles/aws-stand-ins`).
 */
const inProcessEventBridge = (wiring: FunctionWiring, caller: FunctionName) =>
  ({
    async send(command: PutEventsCommand) {
      if (wiring.iam) await wiring.iam.check(caller, putEventsRequests(wiring.iam.model, command.input.Entries ?? []));
      return wiring.bus.put((command.input.Entries ?? []).map(({ Time, ...e }) => ({ ...e, ...(Time ? { Time: Time.getTime() / 1000 } : {}) })));
    },
  }) as unknown as EventBridgeClient;

const workerRetries =
  (wiring: FunctionWiring) =>
  (queue: DeliveryQueue): RetryScheduler => ({
    async schedule(message, delaySeconds) {
      if (delaySeconds <= MAX_SQS_DELAY_SECONDS) return queue.send(message, delaySeconds);
      const refusal = schedulerNameViolation(scheduleName(message));
      if (refusal) throw refusal;
      if (wiring.iam) {
        const env = wiring.iam.model.environments['delivery-worker'] ?? {};
        await wiring.iam.check('delivery-worker', createScheduleRequests(wiring.iam.model, env.SCHEDULE_GROUP_NAME ?? '', scheduleName(message), env.SCHEDULER_ROLE_ARN ?? ''));
      }
      await wiring.storeSchedule(message, delaySeconds);
    },
    async cancel(attempt) {
      if (wiring.iam) {
        const env = wiring.iam.model.environments['delivery-worker'] ?? {};
        await wiring.iam.check('delivery-worker', deleteScheduleRequests(wiring.iam.model, env.SCHEDULE_GROUP_NAME ?? '', scheduleName(attempt)));
      }
      return wiring.removeSchedule(attempt);
    },
  });

/**
 * Each function's ports, built with exactly the adapters its Lambda handler gives it
 * (`lambdas/<name>/handler.ts`), and with SDK clients that carry its role: under IAM
 * enforcement every call is checked against that role's policies in the template.
 */
export const functionPorts = (wiring: FunctionWiring): Record<FunctionName, Ports> => {
  const { config, clients, egress, iam } = wiring;
  const as = (caller: FunctionName): ClientOptions => ({
    ...clients,
    instrument: (service, client) => {
      if (service !== 'dynamodb') limitSqsClient(client as SQSClient, wiring.model);
      else wiring.staleReads?.apply(client as DynamoDBClient);
      if (iam) guardClient(client as DynamoDBClient | SQSClient, service === 'dynamodb' ? 'dynamodb' : 'sqs', caller, iam);
      clients.instrument?.(service, client);
    },
  });
  const masterKey = (caller: FunctionName) => (iam ? guardedMasterKey(wiring.masterKey, caller, iam) : wiring.masterKey);
  const destinations = (caller: DestinationCaller) => {
    const aws = wiring.aws;
    const d = aws ? awsDestinations(config, { sts: aws.stsFor(caller), clients: aws.clients }) : undefined;
    return d ? { destinations: d } : {};
  };
  const build = (caller: FunctionName, adapters: (options: ClientOptions) => Partial<ClientOptions>) => {
    const options = as(caller);
    return createPorts(config, { ...options, ...adapters(options) });
  };
  return {
    'account-webhooks': build('account-webhooks', () => ({ secretBox: masterKey('account-webhooks'), targets: targetChecks(config, egress), throttle: tenantRateLimit(config) })),
    'admin-webhooks': build('admin-webhooks', (o) => ({
      secretBox: masterKey('admin-webhooks'),
      queue: sqsDeliveryQueue(config, o),
      history: dynamoHistory(config),
      targets: targetChecks(config, egress),
      throttle: tenantRateLimit(config),
      ...destinations('admin-webhooks'),
    })),
    platform: build('platform', (o) => ({ queue: sqsDeliveryQueue(config, o), ordered: sqsOrderedQueue(config, o), history: dynamoHistory(config), eventData: createEventDataValidator })),
    'eventbridge-ingest': build('eventbridge-ingest', (o) => ({ queue: sqsDeliveryQueue(config, o), ordered: sqsOrderedQueue(config, o), history: dynamoHistory(config), eventData: createEventDataValidator })),
    'delivery-worker': build('delivery-worker', (o) => ({
      secretBox: masterKey('delivery-worker'),
      queue: sqsDeliveryQueue(config, o),
      ordered: sqsOrderedQueue(config, o),
      history: dynamoHistory(config),
      retries: workerRetries(wiring),
      delivery: webhookDelivery(config, egress),
      operations: new EventBridgeOperationsBus(inProcessEventBridge(wiring, 'delivery-worker'), config.operationsBusName ?? ''),
      ...destinations('delivery-worker'),
    })),
  };
};
