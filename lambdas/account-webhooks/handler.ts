import { createPorts } from '../shared/aws-ports';
import { secretsManagerBox, targetChecks, tenantRateLimit } from '../shared/aws-optional-ports';
import { loadConfig } from '../shared/config';
import { createAccountWebhooksHandler } from './app';

const config = loadConfig();
export const handler = createAccountWebhooksHandler(
  createPorts(config, { secretBox: secretsManagerBox(config), targets: targetChecks(config), throttle: tenantRateLimit(config) }),
);
