import { createPorts } from '../shared/aws-ports';
import { secretsManagerBox, sqsDeliveryQueue, targetChecks, tenantRateLimit } from '../shared/aws-optional-ports';
import { loadConfig } from '../shared/config';
import { createAdminWebhooksHandler } from './app';

const config = loadConfig();
export const handler = createAdminWebhooksHandler(
  createPorts(config, {
    secretBox: secretsManagerBox(config),
    queue: sqsDeliveryQueue(config),
    targets: targetChecks(config),
    throttle: tenantRateLimit(config),
  }),
);
