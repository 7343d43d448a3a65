import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerBoxProvider } from './adapters/master-key';
import { AwsRetryScheduler } from './adapters/retry-scheduler';
import type { Config } from './config';
import type { Clock, DeliveryQueue, RetryScheduler, SecretBoxProvider } from './domain/ports';
import { tracer } from './powertools';

/**
 * The AWS adapters only some functions need, apart from `createPorts` so that a function's
 * bundle holds only the SDK clients it calls (see the bench's cold-start section).
 */
export const secretsManagerBox = (config: Config): SecretBoxProvider => {
  if (!config.masterKeySecretArn) throw new Error('Missing environment variable MASTER_KEY_SECRET_ARN');
  return new SecretsManagerBoxProvider(tracer.captureAWSv3Client(new SecretsManagerClient({})), config.masterKeySecretArn);
};

export const eventBridgeSchedulerRetries =
  (config: Config) =>
  (queue: DeliveryQueue, clock: Clock): RetryScheduler => {
    if (!config.scheduler) throw new Error('Missing environment variable SCHEDULE_GROUP_NAME');
    return new AwsRetryScheduler(queue, tracer.captureAWSv3Client(new SchedulerClient({})), config.scheduler, clock);
  };
