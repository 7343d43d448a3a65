import { createPorts } from '../shared/aws-ports';
import { loadConfig, requireScheduler } from '../shared/config';
import { createDeliveryWorkerHandler } from './app';

export const handler = createDeliveryWorkerHandler(createPorts(requireScheduler(loadConfig())));
