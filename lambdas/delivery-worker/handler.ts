import { createPorts } from '../shared/aws-ports';
import { awsDestinations, dynamoHistory, eventBridgeOperations, eventBridgeSchedulerRetries, secretsManagerBox, sqsDeliveryQueue, sqsOrderedQueue, webhookDelivery } from '../shared/aws-optional-ports';
import { loadConfig, requireScheduler } from '../shared/config';
import { createDeliveryWorkerHandler } from './app';

const config = requireScheduler(loadConfig());
export const handler = createDeliveryWorkerHandler(
  createPorts(config, {
    secretBox: secretsManagerBox(config),
    queue: sqsDeliveryQueue(config),
    ordered: sqsOrderedQueue(config),
    history: dynamoHistory(config),
    destinations: awsDestinations(config),
    retries: eventBridgeSchedulerRetries(config),
    delivery: webhookDelivery(config),
    operations: eventBridgeOperations(config),
  }),
);
