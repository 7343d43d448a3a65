import { createPorts } from '../shared/aws-ports';
import { loadConfig } from '../shared/config';
import { createPlatformHandler } from './app';

export const handler = createPlatformHandler(createPorts(loadConfig()));
