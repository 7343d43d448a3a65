import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoConfigStore, DynamoDeliveryStore } from './adapters/dynamo-stores';
import { dnsResolver } from './adapters/dns-resolver';
import { createEgressRules, createTargetPolicy } from './domain/target-policy';
import { DynamoDeliverySlots, DynamoRateLimiter, unlimitedSlots } from './adapters/dynamo-limits';
import { REQUEST_TIMEOUT_MS, NodeHttpSender } from './adapters/http-sender';
import { MAX_SQS_DELAY_SECONDS } from './adapters/retry-scheduler';
import type { Config } from './config';
import type { Clock, DeliveryQueue, Ports, RetryScheduler, SecretBoxProvider } from './domain/ports';
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

/** For functions that never schedule beyond SQS's delay (the API functions). */
const queueOnlyRetries = (queue: DeliveryQueue): RetryScheduler => ({
  async schedule(message, delaySeconds) {
    if (delaySeconds > MAX_SQS_DELAY_SECONDS) throw new Error('This function has no EventBridge Scheduler settings');
    await queue.send(message, delaySeconds);
  },
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
  const deliveryStore = new DynamoDeliveryStore(doc, config.deliveriesTableName, config.retentionDays);
  const secretBox = options.secretBox ?? noMasterKey;
  const clock: Clock = { now: () => new Date() };
  const queue = options.queue ?? noQueue;
  const retries = options.retries ? options.retries(queue, clock) : queueOnlyRetries(queue);
  // One set of egress rules: checked at registration and inside every delivery's connection.
  const egress = createEgressRules({ allowPrivateTargets: config.allowPrivateTargets, allowedCidrs: config.allowedTargetCidrs });
  const cap = config.maxConcurrentDeliveriesPerEndpoint;
  return {
    clock,
    tenants: configStore,
    endpoints: configStore,
    events: deliveryStore,
    deliveries: deliveryStore,
    queue,
    retries,
    http: new NodeHttpSender({ egress: { rules: egress, resolver: dnsResolver } }),
    secretBox,
    targets: createTargetPolicy(egress, dnsResolver),
    throttle: new DynamoRateLimiter(doc, config.configTableName, config.tenantRateLimit, clock),
    // A lease outlives the request timeout by a margin: only a crashed container's lapses.
    slots: cap > 0 ? new DynamoDeliverySlots(doc, config.deliveriesTableName, cap, REQUEST_TIMEOUT_MS / 1000 + 10, clock) : unlimitedSlots,
    settings: {
      eventTypes: config.eventTypes,
      retrySchedule: config.retrySchedule,
      retentionDays: config.retentionDays,
      recoveryRatePerSecond: config.recoveryRatePerSecond,
      disableAfterFailingSeconds: config.disableAfterFailingSeconds,
    },
  };
};
