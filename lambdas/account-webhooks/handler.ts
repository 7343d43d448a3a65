import { createPorts } from '../shared/aws-ports';
import { loadConfig } from '../shared/config';
import { createAccountWebhooksHandler } from './app';

export const handler = createAccountWebhooksHandler(createPorts(loadConfig()));
