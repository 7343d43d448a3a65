import { createEventDataValidator } from '../shared/adapters/event-data-validator';
import { createPorts } from '../shared/aws-ports';
import { dynamoHistory, sqsDeliveryQueue, sqsOrderedQueue } from '../shared/aws-optional-ports';
import { loadConfig } from '../shared/config';
import { createEventBridgeIngestHandler } from './app';

const config = loadConfig();
export const handler = createEventBridgeIngestHandler(createPorts(config, { queue: sqsDeliveryQueue(config), ordered: sqsOrderedQueue(config), history: dynamoHistory(config), eventData: createEventDataValidator }));
