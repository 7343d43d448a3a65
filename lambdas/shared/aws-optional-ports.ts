import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { AwsDestinationSender, awsClientFactory, type ClientFactory } from './adapters/aws-destination-sender';
import { dnsResolver } from './adapters/dns-resolver';
import { DynamoDeliverySlots, DynamoEndpointPacing, DynamoRateLimiter, unlimitedSlots } from './adapters/dynamo-limits';
import { NodeHttpSender, REQUEST_TIMEOUT_MS } from './adapters/http-sender';
import { OAuthTokenCache } from './adapters/oauth-tokens';
import { DynamoDeliveryStore } from './adapters/dynamo-delivery-store';
import type { RetentionOf } from './adapters/tenant-retention';
import { EventBridgeOperationsBus } from './adapters/eventbridge-operations';
import { SecretsManagerBoxProvider } from './adapters/master-key';
import { AwsRetryScheduler } from './adapters/retry-scheduler';
import { SqsDeliveryQueue } from './adapters/sqs-queue';
import { SqsOrderedQueue } from './adapters/sqs-ordered-queue';
import { type ClientOptions, sdkCommon } from './aws-ports';
import { type Config, given, type requireScheduler } from './config';
import type { Clock, DeliveryQueue, DeliverySlots, DeliveryStore, DestinationSender, DestinationSettings, EndpointPacing, EventStore, HttpSender, RateLimiter, RetryScheduler, SecretBoxProvider, TokenSource } from './domain/ports';
import { createEgressRules, createTargetPolicy, type EgressRules, type TargetPolicy } from './domain/target-policy';
import { tracing } from './powertools';

/**
 * The AWS adapters only some functions need, apart from `createPorts` so that a function's
 * bundle holds only the SDK clients and code it calls (see the bench's cold-start section).
 * Each throws at cold start if the stack did not give the function its resource.
 */
export const secretsManagerBox = (config: Config): SecretBoxProvider =>
  new SecretsManagerBoxProvider(
    tracing.captureAWSv3Client(new SecretsManagerClient({})),
    given(config.masterKeySecretArn, 'MASTER_KEY_SECRET_ARN'),
  );

/** For the worker, whose config `requireScheduler` has checked at cold start. */
export const eventBridgeSchedulerRetries =
  (config: ReturnType<typeof requireScheduler>) =>
  (queue: DeliveryQueue, clock: Clock): RetryScheduler =>
    new AwsRetryScheduler(queue, tracing.captureAWSv3Client(new SchedulerClient({})), config.scheduler, clock);

/** The stack's event bus, where the worker puts operational events. */
export const eventBridgeOperations = (config: Config): EventBridgeOperationsBus =>
  new EventBridgeOperationsBus(tracing.captureAWSv3Client(new EventBridgeClient({})), given(config.operationsBusName, 'OPERATIONS_BUS_NAME'));

/** The FIFO queue of ordered endpoints, for the worker and the functions that publish. */
export const sqsOrderedQueue = (
  config: Config,
  options: Pick<ClientOptions, 'region' | 'credentials' | 'sqsEndpoint' | 'instrument'> = {},
): SqsOrderedQueue => {
  const queueUrl = given(config.orderedQueueUrl, 'ORDERED_QUEUE_URL');
  const sqs = tracing.captureAWSv3Client(new SQSClient({ ...sdkCommon(options), ...(options.sqsEndpoint ? { endpoint: options.sqsEndpoint } : {}) }));
  options.instrument?.('sqs', sqs);
  return new SqsOrderedQueue(sqs, queueUrl);
};

/** The delivery queue, for the functions that publish, fan out or retry. */
export const sqsDeliveryQueue = (
  config: Config,
  options: Pick<ClientOptions, 'region' | 'credentials' | 'sqsEndpoint' | 'instrument'> = {},
): SqsDeliveryQueue => {
  const queueUrl = given(config.deliveryQueueUrl, 'DELIVERY_QUEUE_URL');
  const sqs = tracing.captureAWSv3Client(new SQSClient({ ...sdkCommon(options), ...(options.sqsEndpoint ? { endpoint: options.sqsEndpoint } : {}) }));
  options.instrument?.('sqs', sqs);
  return new SqsDeliveryQueue(sqs, queueUrl);
};

/** Which addresses webhooks may go to: one rule set for registration checks and for every connection. */
export const egressRules = (config: Config): EgressRules =>
  createEgressRules({ allowPrivateTargets: config.allowPrivateTargets, allowedCidrs: config.allowedTargetCidrs });

/** Checks of a webhook URL at registration (DNS included), for the tenant routes. */
export const targetChecks = (config: Config, rules = egressRules(config)): TargetPolicy => createTargetPolicy(rules, dnsResolver);

/** The per-tenant request limit of the tenant routes, shared by every container through DynamoDB. */
export const tenantRateLimit =
  (config: Config) =>
  (doc: DynamoDBDocumentClient, clock: Clock): RateLimiter =>
    new DynamoRateLimiter(doc, config.configTableName, config.tenantRateLimit, clock);

/**
 * What the worker delivers with: the HTTP sender, whose connections are checked against the
 * egress rules, the per-endpoint cap on deliveries in flight, and endpoints' rate limits.
 */
export const webhookDelivery =
  (config: Config, rules = egressRules(config)) =>
  (doc: DynamoDBDocumentClient, clock: Clock): { http: HttpSender; tokens: TokenSource; slots: DeliverySlots; pacing: EndpointPacing } => {
    const cap = config.maxConcurrentDeliveriesPerEndpoint;
    const table = given(config.deliveriesTableName, 'DELIVERIES_TABLE_NAME');
    const http = new NodeHttpSender({ egress: { rules, resolver: dnsResolver } });
    return {
      pacing: new DynamoEndpointPacing(doc, table),
      http,
      // Token endpoints are reached through the same sender: the same egress rules and DNS pinning.
      tokens: new OAuthTokenCache(http),
      // A lease outlives the request timeout by a margin: only a crashed container's lapses.
      slots: cap > 0 ? new DynamoDeliverySlots(doc, given(config.deliveriesTableName, 'DELIVERIES_TABLE_NAME'), cap, REQUEST_TIMEOUT_MS / 1000 + 10, clock) : unlimitedSlots,
    };
  };

/** Events and the delivery history, in the deliveries table. */
export const dynamoHistory =
  (config: Config) =>
  (doc: DynamoDBDocumentClient, retentionOf: RetentionOf): EventStore & DeliveryStore =>
    new DynamoDeliveryStore(doc, given(config.deliveriesTableName, 'DELIVERIES_TABLE_NAME'), retentionOf);

/** The role chain's first hop: the function's role assumes the stack's destination role (the only role it may assume). */
const HOP_SESSION_SECONDS = 3600;
/** STS answers in milliseconds; these bound a stuck connection (the SDK's own default waits without end). */
const STS_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 5_000 };

/**
 * AWS destinations (issue 26), for the worker (writes) and the tenant routes (the check): STS
 * calls signed as the stack's destination role, which the SDK's temporary-credentials provider
 * assumes and renews before it lapses; the targets' clients kept per session. Undefined when
 * the stack gave the function no destination role. Locally, `sts` and `clients` are the
 * stand-ins'.
 */
export const awsDestinations = (
  config: Config,
  local: { sts?: STSClient; clients?: ClientFactory } = {},
): { sender: DestinationSender; settings: DestinationSettings } | undefined => {
  const d = config.destinations;
  if (!d) return undefined;
  const sts =
    local.sts ??
    tracing.captureAWSv3Client(
      new STSClient({
        credentials: fromTemporaryCredentials({
          params: { RoleArn: d.roleArn, RoleSessionName: `hookpost-${process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function'}`.slice(0, 64), DurationSeconds: HOP_SESSION_SECONDS },
          clientConfig: { requestHandler: STS_TIMEOUTS },
        }),
        // A session is shared by a burst of attempts: an STS that does not answer must not hold them all for the SDK's unbounded default.
        requestHandler: STS_TIMEOUTS,
      }),
    );
  const clients = local.clients ?? awsClientFactory({ configure: (client) => tracing.captureAWSv3Client(client) });
  return {
    sender: new AwsDestinationSender({ sts, clients, source: d.source, principalArn: d.roleArn }),
    settings: { principalArn: d.roleArn, platformAccount: d.platformAccount, ...(d.allowedAccounts ? { allowedAccounts: d.allowedAccounts } : {}), source: d.source },
  };
};
