import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { join, resolve } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createAccountWebhooksHandler } from '../lambdas/account-webhooks/app';
import { createAdminWebhooksHandler } from '../lambdas/admin-webhooks/app';
import { createDeliveryWorkerHandler } from '../lambdas/delivery-worker/app';
import { createEventBridgeIngestHandler } from '../lambdas/eventbridge-ingest/app';
import { eventBridgeRoute } from './eventbridge';
import { createLocalEventBus, LOCAL_EVENT_BUS } from './event-bus';
import type { Context } from 'aws-lambda';
import type { IngestEvent } from '../lambdas/eventbridge-ingest/app';
import { createPlatformHandler } from '../lambdas/platform/app';
import { createDocsHandler } from '../lambdas/docs/app';
import { parsePortalSettings } from '../lambdas/shared/portal-settings';
import { type ClientOptions, createPorts } from '../lambdas/shared/aws-ports';
import { dynamoHistory, egressRules, sqsDeliveryQueue } from '../lambdas/shared/aws-optional-ports';
import { type Config, DEFAULT_DESTINATION_SOURCE, DEFAULT_DISABLE_AFTER_FAILING_SECONDS, DEFAULT_ERASURE, DEFAULT_OVERDUE_MARGIN_SECONDS, DEFAULT_RECOVERY_RATE, DEFAULT_RETRY_SCHEDULE, DEFAULT_TENANT_RATE_LIMIT, WORKER_TIMEOUT_SECONDS } from '../lambdas/shared/config';
import { checkCatalogue } from '../lambdas/shared/adapters/event-data-validator';
import { readCatalogueDir } from '../lambdas/shared/catalogue-source';
import { namesOnly } from '../lambdas/shared/domain/event-catalogue';
import { StaticBoxProvider } from '../lambdas/shared/adapters/master-key';
import { SqsDeliveryQueue } from '../lambdas/shared/adapters/sqs-queue';
import { migrateLocalData } from './backfill';
import { createLocalScheduler } from './local-scheduler';
import type { Ports } from '../lambdas/shared/domain/ports';
import type { RouteGroup } from '../lambdas/shared/http/routes';
import { ensureTenant, issueApiKey } from '../lambdas/shared/domain/tenants';
import { type ApiLambda, createLocalApiServer } from './api-gateway';
import type { LocalCredentials } from './sigv4';
import { DUMMY_AWS, ensureTables, startEmulatorThread, type TableNames } from './emulators';
import { startSqsPoller, type SqsLambda } from './sqs-poller';
import { type FunctionName, functionPorts } from './functions';
import { createAuthorizer } from './iam/authorizer';
import { invokeCheck, loadStackModel } from './iam/rehearsal';
import { createQueues, LOCAL_QUEUES } from './queues';
import { limitSqsClient } from './service-limits';
import { createStaleReads } from './stale-reads';
import { guardClient } from './iam/sdk-guard';
import { type BundleOptions, startBundledFunctions } from './bundles/bundled-functions';
import { defaultAccounts, type LocalAwsAccounts, type SimulatedAccount, startLocalAwsAccounts } from './aws-accounts';
import type { BundledStack } from './bundles/synth';

export interface LocalRuntimeOptions {
  dataDir: string;
  /** API port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** Tenants and keys to create at start; empty = one generated dev tenant. @default [] */
  apiKeys?: Array<{ tenantId: string; key: string }>;
  adminKey?: string;
  /** @default the five-step schedule */
  retrySchedule?: number[];
  /** @default true */
  allowPrivateTargets?: boolean;
  /** CIDRs allowed as targets when private targets are refused. @default [] */
  allowedTargetCidrs?: string[];
  /** Tenant API requests per window. @default 1200 per 60 s */
  tenantRateLimit?: { requests: number; windowSeconds: number };
  /** Deliveries in flight at once per endpoint. @default 0 (no cap) */
  maxConcurrentDeliveriesPerEndpoint?: number;
  /** The catalogue by names alone (no schemas). @default the catalogue folder's types */
  eventTypes?: string[];
  /** The catalogue folder (one `<type>.json` each, with its schema and example). @default `catalogue/`, the seed types' */
  catalogueDir?: string;
  /** Disable an endpoint whose every attempt failed for this long (default five days). */
  disableAfterFailingSeconds?: number;
  /** A waiting delivery this late is re-driven by the sweep. @default 300 */
  overdueMarginSeconds?: number;
  /** A tenant's erasure's pace and settle (tests shorten the settle: nothing of theirs runs for a minute). @default DEFAULT_ERASURE */
  erasure?: Partial<Config['erasure']>;
  /** How often the sweep runs (a recurring schedule sends it every minute on AWS). @default 60 */
  sweepIntervalSeconds?: number;
  /** Observers for benchmarks: every SDK client the handlers use, and every invocation. */
  observe?: {
    client?: NonNullable<ClientOptions['instrument']>;
    /** `event`: what the function was given; `startedAt`: `performance.now()` when it began. */
    invocation?: (functionName: string, durationMs: number, event: unknown, startedAt: number) => void;
  };
  /** Store every event's payload (the stack's `keepEventPayloads`). @default false */
  keepEventPayloads?: boolean;
  /** The dashboard's branding and who may frame it, as the stack's portal properties. */
  portal?: Parameters<typeof parsePortalSettings>[0];
  /** Sees each operational event the worker puts on the bus (`npm start` prints them). */
  onOperationalEvent?: (event: IngestEvent) => void;
  /** Visibility timeout of the local delivery queue, in seconds (how soon a crashed batch returns). */
  visibilityTimeoutSeconds?: number;
  /** The delivery worker's timeout in process, in seconds (tests shorten it; see `workerTimeouts`). @default the visibility timeout, at most the template's 60 */
  workerTimeoutSeconds?: number;
  /** Run the delivery worker and the retry scheduler; false serves the API alone. @default true */
  worker?: boolean;
  /**
   * Check every AWS call against the synthesized template's IAM policies, as AWS would
   * (`{ template }`: against this template instead, for tests of what a missing grant does).
   * @default true, unless HOOKPOST_IAM=off
   */
  iam?: boolean | { template: { Resources: Record<string, unknown> } };
  /**
   * Rehearse DynamoDB's eventual consistency: eventually consistent reads do not see items
   * written less than this many milliseconds ago (dynalite itself is always consistent).
   * @default 0 (off), HOOKPOST_STALE_READS_MS
   */
  staleReadsMs?: number;
  /**
   * Run the bundles `cdk synth` produced (`synthBundles` in `./bundles/synth`) instead of the
   * handlers' sources: each function in processes of its own with the template's environment,
   * Secrets Manager and EventBridge Scheduler over their wire protocols. The template is theirs.
   */
  bundles?: BundledStack & BundleOptions;
  /**
   * AWS destinations (issue 26), rehearsed: tenants' simulated AWS accounts (`./aws-accounts`),
   * reached through the STS stand-in by the handlers in process (not by bundles). false: none,
   * and webhooks are URLs only, as a stack with `awsDestinations: false`.
   * @default one account, 444455556666, with a bus, queues and topics named orders
   */
  destinations?: false | { accounts?: SimulatedAccount[]; allowedAccounts?: string[]; source?: string; /** The simulated accounts' port on 127.0.0.1. @default 0 (a free one) */ port?: number };
}

export interface LocalRuntime {
  url: string;
  port: number;
  adminKey: string;
  /** Sign platform calls with these (SigV4, service execute-api, region us-east-1), as with IAM credentials on AWS. */
  platformCredentials: LocalCredentials;
  tenants: Array<{ tenantId: string; key: string }>;
  dataDir: string;
  /** The operator's ports (no role, no worker adapters): seeding and reading the stores. */
  ports: Ports;
  /** Each function's own ports, as its handler gets them (the bench invokes the worker directly). */
  functions: Record<FunctionName, Ports>;
  /**
   * Events on the stack's bus that no local rule took, oldest first: hookpost's operational
   * events (`delivery.failed`, `webhook.failing` …), which on AWS the platform's rules route.
   */
  operationalEvents: IngestEvent[];
  /** Tenants' simulated AWS accounts: their stand-ins' endpoint, what their targets took, their STS. */
  aws?: Pick<LocalAwsAccounts, 'endpoint' | 'received' | 'sts'>;
  /** The emulators' endpoints, for tests that read the stores directly, and how busy their thread is. */
  emulators: { dynamodb: string; sqs: string; queueUrl: string; eventLoopUtilization: (since?: import('node:perf_hooks').EventLoopUtilization) => import('node:perf_hooks').EventLoopUtilization };
  stop(): Promise<void>;
}

export const LOCAL_TABLES: TableNames = { configs: 'hookpost-configs', deliveries: 'hookpost-deliveries' };
export { LOCAL_QUEUES };

interface LocalState {
  masterKey: string;
  adminKey: string;
  devTenant: { tenantId: string; key: string };
  /** The platform's credential pair: SigV4 on the platform routes, as IAM on AWS. */
  platformCredentials: LocalCredentials;
}

const newPlatformCredentials = (): LocalCredentials => ({
  accessKeyId: `AKIALOCAL${randomBytes(6).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64url'),
});

/** Keys generated once and kept in the data directory, so a restart keeps them. */
const loadState = (dataDir: string): LocalState => {
  const file = join(dataDir, 'local.json');
  let state: Partial<LocalState> = {};
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalState>;
  } catch {
    // a new data directory
  }
  const complete: LocalState = {
    masterKey: state.masterKey ?? randomBytes(32).toString('base64url'),
    adminKey: state.adminKey ?? `hpadmin_${randomBytes(24).toString('base64url')}`,
    devTenant: state.devTenant ?? { tenantId: 'dev', key: `hpk_${randomBytes(32).toString('base64url')}` },
    // Data directories from before SigV4 get their pair on the next start.
    platformCredentials: state.platformCredentials ?? newPlatformCredentials(),
  };
  if (JSON.stringify(complete) !== JSON.stringify(state)) writeFileSync(file, JSON.stringify(complete, null, 2), { mode: 0o600 });
  return complete;
};

const listen = (server: Server, port: number, host = '127.0.0.1'): Promise<number> =>
  new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolvePort((server.address() as AddressInfo).port));
  });

const close = (server: Server): Promise<void> =>
  new Promise((r) => {
    server.close(() => r());
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  });

/**
 * The whole service on one machine: DynamoDB on dynalite and SQS on fauxqs (both over the real
 * wire protocol, both persisted under `dataDir`), the master key in a local file where
 * Secrets Manager has no emulator, and the very same handlers behind an API Gateway stand-in
 * and an SQS event source stand-in.
 */
/** How soon a crashed local batch returns, by default: sooner than the template's six minutes. */
const LOCAL_VISIBILITY_TIMEOUT_SECONDS = 40;

/**
 * The worker's timeout and the queues' visibility timeout, under Lambda's rule for an SQS event
 * source: a visibility timeout under the function's timeout is refused (a batch would be sent
 * again while its invocation still runs). In process the worker's timeout is the local
 * visibility timeout's 40 s, stricter than the template's 60 s; the bundles keep the template's.
 */
export const workerTimeouts = (options: Pick<LocalRuntimeOptions, 'workerTimeoutSeconds' | 'visibilityTimeoutSeconds' | 'bundles'>) => {
  const workerTimeoutSeconds =
    options.bundles?.functions['delivery-worker']?.timeoutSeconds ?? options.workerTimeoutSeconds ?? Math.min(WORKER_TIMEOUT_SECONDS, options.visibilityTimeoutSeconds ?? LOCAL_VISIBILITY_TIMEOUT_SECONDS);
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? Math.max(LOCAL_VISIBILITY_TIMEOUT_SECONDS, workerTimeoutSeconds);
  if (visibilityTimeoutSeconds < workerTimeoutSeconds) {
    throw new Error(`InvalidParameterValueException: Queue visibility timeout: ${visibilityTimeoutSeconds} seconds is less than Function timeout: ${workerTimeoutSeconds} seconds`);
  }
  return { workerTimeoutSeconds, visibilityTimeoutSeconds };
};

/** The seed types' catalogue, shipped in the repository and the package. */
export const SEED_CATALOGUE_DIR = join(import.meta.dirname, '..', 'catalogue');

export const startLocalRuntime = async (given: LocalRuntimeOptions): Promise<LocalRuntime> => {
  const options = {
    port: 0,
    apiKeys: [],
    retrySchedule: DEFAULT_RETRY_SCHEDULE,
    allowPrivateTargets: true,
    ...given,
  };
  // The folder's catalogue, checked as the stack checks it at synth (schemas compile, examples match); or names alone.
  const catalogue = given.eventTypes ? namesOnly(given.eventTypes) : readCatalogueDir(given.catalogueDir ?? SEED_CATALOGUE_DIR);
  checkCatalogue(catalogue);
  options.iam ??= process.env.HOOKPOST_IAM !== 'off';
  const { workerTimeoutSeconds, visibilityTimeoutSeconds } = workerTimeouts(options);
  const dataDir = resolve(options.dataDir);
  mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
  mkdirSync(join(dataDir, 'sqs'), { recursive: true });
  const state = loadState(dataDir);
  const adminKey = options.adminKey ?? state.adminKey;

  const emulators = await startEmulatorThread({ dynamoPath: join(dataDir, 'dynamodb'), sqsDataDir: join(dataDir, 'sqs') });
  const { dynamo, sqs } = emulators;
  await ensureTables(dynamo.client, LOCAL_TABLES);
  await migrateLocalData(dynamo.client, LOCAL_TABLES);
  const queues = await createQueues(sqs.client, visibilityTimeoutSeconds);

  const config: Config = {
    configTableName: LOCAL_TABLES.configs,
    deliveriesTableName: LOCAL_TABLES.deliveries,
    deliveryQueueUrl: queues.queueUrl,
    eventTypes: catalogue.map((e) => e.type),
    catalogue,
    retrySchedule: options.retrySchedule,
    retentionDays: 30,
    allowPrivateTargets: options.allowPrivateTargets,
    allowedTargetCidrs: options.allowedTargetCidrs ?? [],
    tenantRateLimit: options.tenantRateLimit ?? DEFAULT_TENANT_RATE_LIMIT,
    maxConcurrentDeliveriesPerEndpoint: options.maxConcurrentDeliveriesPerEndpoint ?? 0,
    recoveryRatePerSecond: DEFAULT_RECOVERY_RATE,
    disableAfterFailingSeconds: options.disableAfterFailingSeconds ?? DEFAULT_DISABLE_AFTER_FAILING_SECONDS,
    overdueMarginSeconds: options.overdueMarginSeconds ?? DEFAULT_OVERDUE_MARGIN_SECONDS,
    erasure: { ...DEFAULT_ERASURE, ...options.erasure },
    keepEventPayloads: options.keepEventPayloads ?? false,
    operationsBusName: LOCAL_EVENT_BUS,
    orderedQueueUrl: queues.orderedQueueUrl,
  };
  // The template, read always (queue limits, names); its IAM enforced unless turned off.
  const model = await loadStackModel({
    queueUrl: queues.queueUrl,
    region: DUMMY_AWS.region,
    configTable: LOCAL_TABLES.configs,
    deliveriesTable: LOCAL_TABLES.deliveries,
    deliveryQueue: LOCAL_QUEUES.delivery,
    deadLetterQueue: LOCAL_QUEUES.dlq,
    ...(options.bundles ? { template: options.bundles.template } : typeof options.iam === 'object' ? { template: options.iam.template } : {}),
  });
  const iam = options.iam === false ? undefined : createAuthorizer(model);
  const destinations = options.destinations === false || options.bundles || !model.roles.destinations ? undefined : (options.destinations ?? {});
  const aws = destinations
    ? await startLocalAwsAccounts({ model, accounts: destinations.accounts ?? defaultAccounts(DUMMY_AWS.region), sqs: sqs.client, sqsEndpoint: sqs.endpoint, region: DUMMY_AWS.region, stateFile: join(dataDir, 'aws-roles.json'), ...(destinations.port ? { port: destinations.port } : {}) })
    : undefined;
  if (destinations && model.roles.destinations) {
    config.destinations = {
      roleArn: model.roles.destinations.arn,
      platformAccount: model.account,
      ...(destinations.allowedAccounts ? { allowedAccounts: destinations.allowedAccounts } : {}),
      source: destinations.source ?? DEFAULT_DESTINATION_SOURCE,
    };
  }
  /** An SQS client acting as a role of the stack (the event source mapping, the Scheduler). */
  const roleClients: SQSClient[] = [];
  const sqsAs = (caller: string): SQSClient => {
    const client = limitSqsClient(new SQSClient({ ...DUMMY_AWS, endpoint: sqs.endpoint }), model);
    roleClients.push(client);
    // The event source's and the Scheduler's requests (polls, deletes, sends) are SQS requests on AWS too.
    options.observe?.client?.('sqs-event-source', client);
    return iam ? guardClient(client, 'sqs', caller, iam) : client;
  };
  // The Scheduler sends due retries and the minute's sweep to the queue as its own role.
  const schedulerQueue = new SqsDeliveryQueue(sqsAs('scheduler'), queues.queueUrl);
  const localScheduler = await createLocalScheduler(dynamo.client, schedulerQueue, { now: () => new Date() });
  const clientOptions: ClientOptions = {
    ...(options.observe?.client ? { instrument: options.observe.client } : {}),
    ...DUMMY_AWS,
    dynamodbEndpoint: dynamo.endpoint,
    sqsEndpoint: sqs.endpoint,
  };
  const egress = egressRules(config);
  const masterKey = new StaticBoxProvider(state.masterKey);
  const staleMs = options.staleReadsMs ?? Number(process.env.HOOKPOST_STALE_READS_MS ?? 0);
  const staleReads = staleMs > 0 ? createStaleReads(staleMs) : undefined;
  // The ingest rule's target is built below, with the other handlers.
  let ingestHandler: ((event: IngestEvent, context: Context) => Promise<unknown>) | undefined;
  const bus = createLocalEventBus({
    rulePattern: model.ingestRulePattern,
    ingest: () => ingestHandler!,
    ...(iam ? { authorizeInvoke: () => iam.check('events.amazonaws.com', [{ action: 'lambda:InvokeFunction', resource: iam.model.functionArns['eventbridge-ingest']!, context: { 'aws:SourceArn': iam.model.arns.ingestRule } }]) } : {}),
    ...(options.onOperationalEvent ? { onUnrouted: options.onOperationalEvent } : {}),
  });
  const fns = functionPorts({
    config,
    model,
    bus,
    clients: clientOptions,
    egress,
    masterKey,
    storeSchedule: localScheduler.scheduler.schedule,
    removeSchedule: localScheduler.scheduler.cancel,
    ...(iam ? { iam } : {}),
    ...(aws ? { aws } : {}),
    ...(staleReads ? { staleReads } : {}),
  });
  // The operator's view (seeding tenants, tests reading the stores): every adapter, no role.
  const ports = createPorts(config, {
    ...clientOptions,
    queue: sqsDeliveryQueue(config, clientOptions),
    history: dynamoHistory(config),
    secretBox: masterKey,
  });

  const tenants = options.apiKeys.length > 0 ? options.apiKeys : [state.devTenant];
  for (const { tenantId, key } of tenants) {
    // A tenant being erased gets no key back (the erasure deleted it); once erased, it is seeded anew.
    if ((await ports.erasures.getErasure(tenantId))?.status === 'erasing') {
      console.warn(`hookpost: tenant ${tenantId} is being erased; its key from HOOKPOST_API_KEYS is not seeded`);
      continue;
    }
    await ensureTenant(ports, { id: tenantId });
    await issueApiKey(ports, tenantId, key);
  }

  const bundled = options.bundles
    ? await startBundledFunctions(options.bundles, {
        model,
        ...(iam ? { iam } : {}),
        endpoints: { dynamodb: dynamo.endpoint, sqs: sqs.endpoint },
        masterKey: state.masterKey,
        createSchedule: localScheduler.create,
        removeSchedule: localScheduler.remove,
        putEvents: (entries) => bus.put(entries),
      })
    : undefined;
  /** The function's bundle when running bundles; else the handler built from source. */
  const run = <H>(name: string, source: () => H): H => (bundled ? (bundled.invoke(name) as H) : source());

  const timed = <F extends (...args: never[]) => Promise<unknown>>(name: string, fn: F): F => {
    const observe = options.observe?.invocation;
    if (!observe) return fn;
    return (async (...args: Parameters<F>) => {
      const started = performance.now();
      try {
        return await fn(...args);
      } finally {
        observe(name, performance.now() - started, args[0], started);
      }
    }) as F;
  };
  const handlers: Record<RouteGroup, ApiLambda> = {
    'account-webhooks': timed('account-webhooks', run('account-webhooks', () => createAccountWebhooksHandler(fns['account-webhooks']) as unknown as ApiLambda)),
    'admin-webhooks': timed('admin-webhooks', run('admin-webhooks', () => createAdminWebhooksHandler(fns['admin-webhooks']) as unknown as ApiLambda)),
    platform: timed('platform', run('platform', () => createPlatformHandler(fns.platform) as unknown as ApiLambda)),
    docs: timed('docs', run('docs', () => createDocsHandler({ eventTypes: ports.settings.eventTypes, catalogue: ports.settings.catalogue, portal: parsePortalSettings(options.portal ?? {}) }) as unknown as ApiLambda)),
  };
  ingestHandler = timed('eventbridge-ingest', run('eventbridge-ingest', () => createEventBridgeIngestHandler(fns['eventbridge-ingest']) as never));
  let ready = false;
  const api = createLocalApiServer({
    handlers,
    adminKey,
    platformCredentials: state.platformCredentials,
    region: DUMMY_AWS.region,
    isReady: () => ready,
    ...(iam ? { authorizeInvoke: invokeCheck(iam, 'apigateway.amazonaws.com') } : {}),
    extraRoutes: eventBridgeRoute(bus),
  });
  const port = await listen(api, options.port);
  const runWorker = options.worker ?? true;
  // The worker's two event sources, each polling with the function's own role, as Lambda does:
  // the delivery queue, and the FIFO queue one message an invocation (as the template's).
  const workerSource = (queueUrl: string, queueArn: string, extra: { batchSize?: number; label: string }) =>
    startSqsPoller({
      sqs: sqsAs('delivery-worker'),
      queueUrl,
      queueArn,
      handler: timed('delivery-worker', run('delivery-worker', () => createDeliveryWorkerHandler(fns['delivery-worker']) as unknown as SqsLambda)),
      functionName: 'hookpost-delivery-worker',
      timeoutMs: workerTimeoutSeconds * 1000,
      ...(extra.batchSize ? { batchSize: extra.batchSize } : {}),
      onError: (err) => console.error(`local delivery worker${extra.label}:`, err),
    });
  const poller = runWorker ? workerSource(queues.queueUrl, queues.queueArn, { label: '' }) : undefined;
  const orderedPoller = runWorker ? workerSource(queues.orderedQueueUrl, queues.orderedQueueArn, { batchSize: 1, label: ' (ordered)' }) : undefined;
  if (runWorker) localScheduler.start(1000, (err) => console.error('local scheduler:', err));
  // The recurring schedule's stand-in: a sweep message on the delivery queue, as on AWS.
  const sweeps = runWorker
    ? setInterval(() => {
        schedulerQueue.send({ kind: 'sweep' }).catch((err) => console.error('local sweep schedule:', err));
      }, (options.sweepIntervalSeconds ?? 60) * 1000)
    : undefined;
  ready = true;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    adminKey,
    platformCredentials: state.platformCredentials,
    tenants,
    dataDir,
    ports,
    functions: fns,
    operationalEvents: bus.events,
    ...(aws ? { aws: { endpoint: aws.endpoint, received: aws.received, sts: aws.sts } } : {}),
    emulators: { dynamodb: dynamo.endpoint, sqs: sqs.endpoint, queueUrl: queues.queueUrl, eventLoopUtilization: emulators.eventLoopUtilization },
    async stop() {
      ready = false;
      clearInterval(sweeps);
      await close(api);
      await poller?.stop();
      await orderedPoller?.stop();
      await localScheduler.stop();
      await bundled?.stop();
      await aws?.stop();
      for (const client of roleClients) client.destroy();
      await emulators.stop();
    },
  };
};
