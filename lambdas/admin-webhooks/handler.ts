import { createPorts } from '../shared/aws-ports';
import { awsDestinations, dynamoHistory, secretsManagerBox, sqsDeliveryQueue, targetChecks, tenantRateLimit } from '../shared/aws-optional-ports';
import { loadConfig } from '../shared/config';
import { createAdminWebhooksHandler } from './app';

const config = loadConfig();
export const handler = createAdminWebhooksHandler(
  createPorts(config, {
    secretBox: secretsManagerBox(config),
    queue: sqsDeliveryQueue(config),
    history: dynamoHistory(config),
    destinations: awsDestinations(config),
    targets: targetChecks(config),
    throttle: tenantRateLimit(config),
  }),
);
