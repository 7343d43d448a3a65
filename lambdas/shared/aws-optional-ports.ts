import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dnsResolver } from './adapters/dns-resolver';
import { DynamoDeliverySlots, DynamoRateLimiter, unlimitedSlots } from './adapters/dynamo-limits';
import { NodeHttpSender, REQUEST_TIMEOUT_MS } from './adapters/http-sender';
import { SecretsManagerBoxProvider } from './adapters/master-key';
import { AwsRetryScheduler } from './adapters/retry-scheduler';
import { SqsDeliveryQueue } from './adapters/sqs-queue';
import { type ClientOptions, sdkCommon } from './aws-ports';
import type { Config } from './config';
import type { Clock, DeliveryQueue, DeliverySlots, HttpSender, RateLimiter, RetryScheduler, SecretBoxProvider } from './domain/ports';
import { createEgressRules, createTargetPolicy, type EgressRules, type TargetPolicy } from './domain/target-policy';
import { tracing } from './powertools';

/**
 * The AWS adapters only some functions need, apart from `createPorts` so that a function's
 * bundle holds only the SDK clients it calls (see the bench's cold-start section).
 */
export const secretsManagerBox = (config: Config): SecretBoxProvider => {
  if (!config.masterKeySecretArn) throw new Error('Missing environment variable MASTER_KEY_SECRET_ARN');
  return new SecretsManagerBoxProvider(tracing.captureAWSv3Client(new SecretsManagerClient({})), config.masterKeySecretArn);
};

export const eventBridgeSchedulerRetries =
  (config: Config) =>
  (queue: DeliveryQueue, clock: Clock): RetryScheduler => {
    if (!config.scheduler) throw new Error('Missing environment variable SCHEDULE_GROUP_NAME');
    return new AwsRetryScheduler(queue, tracing.captureAWSv3Client(new SchedulerClient({})), config.scheduler, clock);
  };

/** The delivery queue, for the functions that publish, fan out or retry. */
export const sqsDeliveryQueue = (
  config: Config,
  options: Pick<ClientOptions, 'region' | 'credentials' | 'sqsEndpoint' | 'instrument'> = {},
): SqsDeliveryQueue => {
  if (!config.deliveryQueueUrl) throw new Error('Missing environment variable DELIVERY_QUEUE_URL');
  const sqs = tracing.captureAWSv3Client(new SQSClient({ ...sdkCommon(options), ...(options.sqsEndpoint ? { endpoint: options.sqsEndpoint } : {}) }));
  options.instrument?.('sqs', sqs);
  return new SqsDeliveryQueue(sqs, config.deliveryQueueUrl);
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
 * egress rules, and the per-endpoint cap on deliveries in flight.
 */
export const webhookDelivery =
  (config: Config, rules = egressRules(config)) =>
  (doc: DynamoDBDocumentClient, clock: Clock): { http: HttpSender; slots: DeliverySlots } => {
    const cap = config.maxConcurrentDeliveriesPerEndpoint;
    return {
      http: new NodeHttpSender({ egress: { rules, resolver: dnsResolver } }),
      // A lease outlives the request timeout by a margin: only a crashed container's lapses.
      slots: cap > 0 ? new DynamoDeliverySlots(doc, config.deliveriesTableName, cap, REQUEST_TIMEOUT_MS / 1000 + 10, clock) : unlimitedSlots,
    };
  };
