import { createEventDataValidator } from '../shared/adapters/event-data-validator';
import { createPorts } from '../shared/aws-ports';
import { dynamoHistory, sqsDeliveryQueue, sqsOrderedQueue } from '../shared/aws-optional-ports';
import { loadConfig } from '../shared/config';
import { createPlatformHandler } from './app';

const config = loadConfig();
export const handler = createPlatformHandler(createPorts(config, { queue: sqsDeliveryQueue(config), ordered: sqsOrderedQueue(config), history: dynamoHistory(config), eventData: createEventDataValidator }));
