import { DeleteScheduleCommand, GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsRetryScheduler, scheduleName } from '../../lambdas/shared/adapters/retry-scheduler';
import { SecretsManagerBoxProvider } from '../../lambdas/shared/adapters/master-key';
import type { AttemptMessage } from '../../lambdas/shared/domain/ports';
import { SCHEDULER_MAX_INPUT_BYTES, startAwsStandIns } from '../../local/bundles/aws-stand-ins';
import { createLocalEventBus } from '../../local/event-bus';
import { EventBridgeOperationsBus } from '../../lambdas/shared/adapters/eventbridge-operations';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { createAuthorizer } from '../../local/iam/authorizer';
import { loadStackModel } from '../../local/iam/rehearsal';
import { stackTemplate } from '../../local/iam/stack-template';
import type { IamModel } from '../../local/iam/template-model';

/**
 * Secrets Manager and EventBridge Scheduler have no emulator: the bundles talk to these
 * stand-ins over the services' own wire protocols, through the real SDK clients and the very
 * adapters the functions use, and are answered (and refused) as the services answer.
 */
const MASTER_KEY = 'a-local-master-key-of-43-characters-0123456';
const CALLERS = { AKIAWORKER: 'delivery-worker', AKIAPLATFORM: 'platform', AKIAACCOUNT: 'account-webhooks' };
const schedules = new Map<string, { due: number; input: string }>();
let model: IamModel;
const ingested: string[] = [];
/** The local bus with the template's ingest rule; its ingest target only notes what reached it. */
const bus = createLocalEventBus({
  get rulePattern() {
    return model.ingestRulePattern;
  },
  ingest: () => async (event) => void ingested.push(event['detail-type']),
});
let standIns: Awaited<ReturnType<typeof startAwsStandIns>>;

const names = {
  queueUrl: 'http://127.0.0.1:1/000000000000/hookpost-delivery',
  region: 'us-east-1',
  configTable: 'hookpost-configs',
  deliveriesTable: 'hookpost-deliveries',
  deliveryQueue: 'hookpost-delivery',
  deadLetterQueue: 'hookpost-delivery-dlq',
};
const as = (accessKeyId: string) => ({ region: 'us-east-1', endpoint: standIns.endpoint, credentials: { accessKeyId, secretAccessKey: 'local' } });
const message = (deliveryId: string): AttemptMessage => ({ kind: 'attempt', tenantId: 'acme', endpointId: 'wh_1', deliveryId, attempt: 3, trigger: 'automatic' });
const worker = () => model.environments['delivery-worker']!;
const retriesAs = (accessKeyId: string, clock = { now: () => new Date('2026-02-16T12:00:00Z') }) =>
  new AwsRetryScheduler(
    { send: () => Promise.reject(new Error('not the queue')) },
    new SchedulerClient(as(accessKeyId)),
    { groupName: worker().SCHEDULE_GROUP_NAME!, queueArn: worker().DELIVERY_QUEUE_ARN!, roleArn: worker().SCHEDULER_ROLE_ARN!, deadLetterArn: worker().SCHEDULER_DLQ_ARN! },
    clock,
  );

beforeAll(async () => {
  model = await loadStackModel(names);
  standIns = await startAwsStandIns({
    model,
    iam: createAuthorizer(model),
    callers: CALLERS,
    masterKey: MASTER_KEY,
    createSchedule: async (name, due, input) => {
      if (schedules.has(name)) return false;
      schedules.set(name, { due, input });
      return true;
    },
    removeSchedule: async (name) => schedules.delete(name),
    putEvents: (entries) => bus.put(entries),
  });
});
afterAll(() => standIns?.stop());

describe('Secrets Manager stand-in', () => {
  it('answers GetSecretValue of the master key to a function whose role may read it, through Powertools Parameters', async () => {
    const provider = new SecretsManagerBoxProvider(new SecretsManagerClient(as('AKIAWORKER')), worker().MASTER_KEY_SECRET_ARN!);
    await expect(provider.get()).resolves.toBeDefined();
    const out = await new SecretsManagerClient(as('AKIAACCOUNT')).send(new GetSecretValueCommand({ SecretId: worker().MASTER_KEY_SECRET_ARN! }));
    expect(out.SecretString).toBe(MASTER_KEY);
  });

  it('refuses an unknown secret, an unknown access key, and a role the template does not let read it', async () => {
    const secretId = worker().MASTER_KEY_SECRET_ARN!;
    await expect(new SecretsManagerClient(as('AKIAWORKER')).send(new GetSecretValueCommand({ SecretId: `${secretId}-other` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(new SecretsManagerClient(as('AKIANOBODY')).send(new GetSecretValueCommand({ SecretId: secretId }))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    // The platform function has no master key in its environment, and no grant on the secret.
    await expect(new SecretsManagerClient(as('AKIAPLATFORM')).send(new GetSecretValueCommand({ SecretId: secretId }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('a template whose worker role lost its grant on the secret is refused with AccessDeniedException', async () => {
    const template = structuredClone(await stackTemplate()) as { Resources: Record<string, any> };
    for (const r of Object.values(template.Resources)) {
      if (r.Type !== 'AWS::IAM::Policy') continue;
      r.Properties.PolicyDocument.Statement = r.Properties.PolicyDocument.Statement.filter((s: any) => ![s.Action].flat().includes('secretsmanager:GetSecretValue'));
    }
    const denied = await loadStackModel({ ...names, template });
    const strict = await startAwsStandIns({ model: denied, iam: createAuthorizer(denied), callers: CALLERS, masterKey: 'k', createSchedule: async () => true, removeSchedule: async () => true, putEvents: async () => ({}) });
    try {
      const client = new SecretsManagerClient({ ...as('AKIAWORKER'), endpoint: strict.endpoint });
      await expect(client.send(new GetSecretValueCommand({ SecretId: worker().MASTER_KEY_SECRET_ARN! }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining('is not authorized to perform: secretsmanager:GetSecretValue'),
      });
    } finally {
      await strict.stop();
    }
  });
});

describe('EventBridge Scheduler stand-in', () => {
  it('takes the worker adapter\'s CreateSchedule: one-time, UTC, in the group, to the delivery queue, due when asked', async () => {
    await retriesAs('AKIAWORKER').schedule(message('dlv_a'), 3600);
    expect(schedules.get(scheduleName(message('dlv_a')))).toEqual({ due: Date.parse('2026-02-16T13:00:00Z'), input: JSON.stringify(message('dlv_a')) });
  });

  it('answers ConflictException for a name taken (the adapter takes it as already scheduled)', async () => {
    await retriesAs('AKIAWORKER').schedule(message('dlv_b'), 3600);
    await expect(retriesAs('AKIAWORKER').schedule(message('dlv_b'), 7200)).resolves.toBeUndefined();
    expect(schedules.get(scheduleName(message('dlv_b')))!.due).toBe(Date.parse('2026-02-16T13:00:00Z'));
  });

  it('refuses what the Scheduler refuses: a long name, an input over its quota, another group, a caller without the grant', async () => {
    await expect(retriesAs('AKIAWORKER').schedule(message(`dlv_${'x'.repeat(60)}`), 3600)).rejects.toMatchObject({ name: 'ValidationException' });
    const big = { ...message('dlv_c'), tenantId: 'x'.repeat(SCHEDULER_MAX_INPUT_BYTES) };
    await expect(retriesAs('AKIAWORKER').schedule(big, 3600)).rejects.toMatchObject({ name: 'ValidationException' });
    // The platform's role has no scheduler:CreateSchedule nor iam:PassRole of the Scheduler's role.
    await expect(retriesAs('AKIAPLATFORM').schedule(message('dlv_d'), 3600)).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('is not authorized to perform: scheduler:CreateSchedule'),
    });
    expect(schedules.has(scheduleName(message('dlv_d')))).toBe(false);
    const otherGroup = new AwsRetryScheduler(
      { send: () => Promise.reject(new Error('not the queue')) },
      new SchedulerClient(as('AKIAWORKER')),
      { groupName: 'elsewhere', queueArn: worker().DELIVERY_QUEUE_ARN!, roleArn: worker().SCHEDULER_ROLE_ARN!, deadLetterArn: worker().SCHEDULER_DLQ_ARN! },
      { now: () => new Date() },
    );
    await expect(otherGroup.schedule(message('dlv_e'), 3600)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('takes the worker adapter\'s DeleteSchedule (a tenant\'s erasure): in the group, once; refuses a caller without the grant', async () => {
    await retriesAs('AKIAWORKER').schedule(message('dlv_f'), 3600);
    await expect(retriesAs('AKIAPLATFORM').cancel(message('dlv_f'))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('is not authorized to perform: scheduler:DeleteSchedule'),
    });
    expect(schedules.has(scheduleName(message('dlv_f')))).toBe(true);
    await expect(retriesAs('AKIAWORKER').cancel(message('dlv_f'))).resolves.toBe(true);
    expect(schedules.has(scheduleName(message('dlv_f')))).toBe(false);
    // Gone (or never there, or run): ResourceNotFoundException, which the adapter answers as false.
    await expect(retriesAs('AKIAWORKER').cancel(message('dlv_f'))).resolves.toBe(false);
    await expect(new SchedulerClient(as('AKIAWORKER')).send(new DeleteScheduleCommand({ Name: scheduleName(message('dlv_f')), GroupName: 'elsewhere' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('answers an operation it does not stand in for with a clear error', async () => {
    await expect(new SchedulerClient(as('AKIAWORKER')).send(new GetScheduleCommand({ Name: 'x' }))).rejects.toThrow(/do not serve/);
  });
});

describe('EventBridge stand-in (the stack\'s bus)', () => {
  const event = { type: 'delivery.failed' as const, time: '2026-02-16T12:00:00.000Z', detail: { tenant_id: 'acme', webhook_id: 'wh_1', reason: 'retries_exhausted' } };

  it('takes the worker adapter\'s PutEvents: source hookpost.operations, left alone by the ingest rule', async () => {
    await new EventBridgeOperationsBus(new EventBridgeClient(as('AKIAWORKER')), worker().OPERATIONS_BUS_NAME!).emit(event);
    expect(bus.events.at(-1)).toMatchObject({ source: 'hookpost.operations', 'detail-type': 'delivery.failed', time: '2026-02-16T12:00:00.000Z', detail: event.detail });
    expect(ingested).toEqual([]);
    // Anything else put on the bus is the ingest function's, by the same rule.
    const out = await new EventBridgeClient(as('AKIAWORKER')).send(new PutEventsCommand({ Entries: [{ EventBusName: 'hookpost', Source: 'platform.orders', DetailType: 'order.created', Detail: '{"tenant_id":"acme","data":{}}' }] }));
    expect(out.FailedEntryCount).toBe(0);
    expect(ingested).toEqual(['order.created']);
  });

  it('refuses a role without events:PutEvents on the bus, and reports a refused entry as the adapter\'s error', async () => {
    // The platform function has no grant on the bus: only the worker puts operational events.
    await expect(new EventBridgeOperationsBus(new EventBridgeClient(as('AKIAPLATFORM')), 'hookpost').emit(event)).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('is not authorized to perform: events:PutEvents'),
    });
    // Nor on another bus, for the worker.
    await expect(new EventBridgeOperationsBus(new EventBridgeClient(as('AKIAWORKER')), 'elsewhere').emit(event)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    // PutEvents answers 200 with the entry refused: the adapter makes it an error.
    const huge = { ...event, detail: { ...event.detail, note: 'x'.repeat(260 * 1024) } };
    await expect(new EventBridgeOperationsBus(new EventBridgeClient(as('AKIAWORKER')), worker().OPERATIONS_BUS_NAME!).emit(huge)).rejects.toThrow(/refused the delivery.failed event: InvalidArgument/);
  });
});
