import { createPorts } from '../shared/aws-ports';
import { loadConfig } from '../shared/config';
import { createAdminWebhooksHandler } from './app';

export const handler = createAdminWebhooksHandler(createPorts(loadConfig()));
