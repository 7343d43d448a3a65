import { createPorts } from '../shared/aws-ports';
import { dynamoHistory, sqsDeliveryQueue } from '../shared/aws-optional-ports';
import { loadConfig } from '../shared/config';
import { createEventBridgeIngestHandler } from './app';

const config = loadConfig();
export const handler = createEventBridgeIngestHandler(createPorts(config, { queue: sqsDeliveryQueue(config), history: dynamoHistory(config) }));
