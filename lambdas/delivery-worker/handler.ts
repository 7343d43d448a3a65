import { createPorts } from '../shared/aws-ports';
import { loadConfig } from '../shared/config';
import { createDeliveryWorkerHandler } from './app';

export const handler = createDeliveryWorkerHandler(createPorts(loadConfig()));
