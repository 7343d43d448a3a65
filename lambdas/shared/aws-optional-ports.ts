import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerBoxProvider } from './adapters/master-key';
import { AwsRetryScheduler } from './adapters/retry-scheduler';
import { SqsDeliveryQueue } from './adapters/sqs-queue';
import { type ClientOptions, sdkCommon } from './aws-ports';
import type { Config } from './config';
import type { Clock, DeliveryQueue, RetryScheduler, SecretBoxProvider } from './domain/ports';
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
