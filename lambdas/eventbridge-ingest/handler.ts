import { createPorts } from '../shared/aws-ports';
import { loadConfig } from '../shared/config';
import { createEventBridgeIngestHandler } from './app';

export const handler = createEventBridgeIngestHandler(createPorts(loadConfig()));
