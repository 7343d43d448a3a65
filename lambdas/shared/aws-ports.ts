import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoConfigStore } from './adapters/dynamo-stores';
import { DynamoAuditLog } from './adapters/dynamo-audit';
import { DynamoErasureStore } from './adapters/tenant-erasure-store';
import { type RetentionOf, tenantRetention } from './adapters/tenant-retention';
import { MAX_SQS_DELAY_SECONDS } from './adapters/retry-scheduler';
import type { Config } from './config';
import type { Clock, DeliveryQueue, DeliverySlots, DeliveryStore, DestinationSender, DestinationSettings, EndpointPacing, EventStore, OrderedQueue, HttpSender, Ports, RateLimiter, RetryScheduler, SecretBoxProvider, TokenSource } from './domain/ports';
import type { OperationsBus } from './domain/operational-events';
import { type CatalogueEntry, type EventDataValidator, noDataValidation } from './domain/event-catalogue';
import type { TargetPolicy } from './domain/target-policy';
import { tracing } from './powertools';

export interface ClientOptions {
  /** Emulator endpoints and dummy credentials for local runs; absent on Lambda. */
  region?: string;
  dynamodbEndpoint?: string;
  sqsEndpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * The master key, for the functions that seal or open endpoint secrets (Secrets Manager on
   * AWS, `./aws-optional-ports`; a local file in the local runtime). Given by the function, so
   * a function that does not need it does not even bundle its client.
   */
  secretBox?: SecretBoxProvider;
  /**
   * The delivery queue, for the functions that publish, fan out or retry (`sqsDeliveryQueue`
   * in `./aws-optional-ports`); the account routes never send to it.
   */
  queue?: DeliveryQueue;
  /** Retries beyond SQS's 15 minutes, for the worker (EventBridge Scheduler on AWS; the local stand-in). */
  retries?: (queue: DeliveryQueue, clock: Clock) => RetryScheduler;
  /**
   * Events and the delivery history (`dynamoHistory`), for every function but the account
   * routes, which never read or write them.
   */
  history?: (doc: DynamoDBDocumentClient, retentionOf: RetentionOf) => EventStore & DeliveryStore;
  /** Checks of webhook URLs at registration, for the tenant routes (`targetChecks`). */
  targets?: TargetPolicy;
  /** The per-tenant request limit of the tenant routes (`tenantRateLimit`). */
  throttle?: (doc: DynamoDBDocumentClient, clock: Clock) => RateLimiter;
  /** The HTTP sender, the per-endpoint cap and rate limits, for the worker (`webhookDelivery`). */
  delivery?: (doc: DynamoDBDocumentClient, clock: Clock) => { http: HttpSender; tokens: TokenSource; slots: DeliverySlots; pacing: EndpointPacing };
  /** AWS destinations: the worker writes to them, the tenant routes check them (`awsDestinations`). */
  destinations?: { sender: DestinationSender; settings: DestinationSettings };
  /** The FIFO queue of ordered endpoints, for the worker and the publishers (`sqsOrderedQueue`). */
  ordered?: OrderedQueue;
  /** The stack's event bus for operational events, for the worker (`eventBridgeOperations`). */
  operations?: OperationsBus;
  /** Events' data checked against the catalogue's schemas, for the functions that publish (`createEventDataValidator`). */
  eventData?: (catalogue: readonly CatalogueEntry[]) => EventDataValidator;
  /** Sees each SDK client once it is built (benchmarks count requests with a middleware). */
  instrument?: (service: 'dynamodb' | 'sqs' | 'sqs-event-source', client: DynamoDBClient | SQSClient) => void;
}

/** For functions that are not given the master key (they never seal or open a secret). */
const noMasterKey: SecretBoxProvider = {
  get: () => Promise.reject(new Error('This function has no access to the master key (MASTER_KEY_SECRET_ARN)')),
};

/** For functions that are not given the delivery queue (they never publish or retry). */
const noQueue: DeliveryQueue = {
  send: () => Promise.reject(new Error('This function has no delivery queue (DELIVERY_QUEUE_URL)')),
};

const unavailable = (what: string) => () => Promise.reject(new Error(`This function does not ${what}`));

/** For functions that never deliver a webhook, register a URL or serve the tenant API. */
const noDelivery = {
  http: { post: unavailable('deliver webhooks') },
  tokens: { token: unavailable('fetch OAuth tokens for receivers') },
  slots: { acquire: unavailable('deliver webhooks'), release: unavailable('deliver webhooks') },
  pacing: { take: unavailable('deliver webhooks') },
};
/** For functions that are not given the deliveries table: every method refuses. */
const noHistory = new Proxy({} as EventStore & DeliveryStore, {
  get: (_, method) => () => Promise.reject(new Error(`This function has no delivery history (DELIVERIES_TABLE_NAME): ${String(method)}`)),
});
const noDestinations: DestinationSender = { send: unavailable('write to AWS destinations'), check: unavailable('check AWS destinations') };
const noTargets: TargetPolicy = { check: unavailable('register webhook URLs') };
const noThrottle: RateLimiter = { take: unavailable('serve the tenant API') };
const noOrdered: OrderedQueue = { send: unavailable('put deliveries in order (ORDERED_QUEUE_URL)'), hold: unavailable('hold ordered deliveries') };
const noOperations: OperationsBus = { emit: unavailable('put operational events (OPERATIONS_BUS_NAME)') };

/** For functions that never schedule beyond SQS's delay (the API functions). */
const queueOnlyRetries = (queue: DeliveryQueue): RetryScheduler => ({
  async schedule(message, delaySeconds) {
    if (delaySeconds > MAX_SQS_DELAY_SECONDS) throw new Error('This function has no EventBridge Scheduler settings');
    await queue.send(message, delaySeconds);
  },
  cancel: unavailable('delete retry schedules'),
});

/** Region and credentials of the SDK clients: given for local runs, from Lambda's environment on AWS. */
export const sdkCommon = (options: Pick<ClientOptions, 'region' | 'credentials'>) => ({
  ...(options.region ? { region: options.region } : {}),
  ...(options.credentials ? { credentials: options.credentials } : {}),
});

export const documentClient = (client: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

/** Builds the real adapters once per container (never inside a request). */
export const createPorts = (config: Config, options: ClientOptions = {}): Ports => {
  const common = sdkCommon(options);
  const dynamo = tracing.captureAWSv3Client(
    new DynamoDBClient({ ...common, ...(options.dynamodbEndpoint ? { endpoint: options.dynamodbEndpoint } : {}) }),
  );
  options.instrument?.('dynamodb', dynamo);
  const doc = documentClient(dynamo);
  const configStore = new DynamoConfigStore(doc, config.configTableName);
  // Each tenant's retention (its own, else the stack's), one cache for every store that sets a TTL.
  const retentionOf = tenantRetention(configStore, config.retentionDays);
  const history = options.history?.(doc, retentionOf) ?? noHistory;
  const secretBox = options.secretBox ?? noMasterKey;
  const clock: Clock = { now: () => new Date() };
  const queue = options.queue ?? noQueue;
  const retries = options.retries ? options.retries(queue, clock) : queueOnlyRetries(queue);
  const { http, tokens, slots, pacing } = options.delivery?.(doc, clock) ?? noDelivery;
  return {
    clock,
    tenants: configStore,
    endpoints: configStore,
    events: history,
    deliveries: history,
    queue,
    ordered: options.ordered ?? noOrdered,
    retries,
    http,
    tokens,
    eventData: options.eventData?.(config.catalogue) ?? noDataValidation,
    audit: new DynamoAuditLog(doc, config.configTableName, retentionOf),
    erasures: new DynamoErasureStore(doc, config.configTableName, config.deliveriesTableName, config.retentionDays),
    destinations: options.destinations?.sender ?? noDestinations,
    secretBox,
    targets: options.targets ?? noTargets,
    throttle: options.throttle?.(doc, clock) ?? noThrottle,
    slots,
    pacing,
    operations: options.operations ?? noOperations,
    settings: {
      eventTypes: config.eventTypes,
      catalogue: config.catalogue,
      retrySchedule: config.retrySchedule,
      retentionDays: config.retentionDays,
      recoveryRatePerSecond: config.recoveryRatePerSecond,
      erasureStepItems: config.erasure.stepItems,
      erasureRatePerSecond: config.erasure.ratePerSecond,
      erasureSettleSeconds: config.erasure.settleSeconds,
      disableAfterFailingSeconds: config.disableAfterFailingSeconds,
      overdueMarginSeconds: config.overdueMarginSeconds,
      keepEventPayloads: config.keepEventPayloads,
      ...(options.destinations ? { destinations: options.destinations.settings } : {}),
    },
  };
};
