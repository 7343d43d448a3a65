import { loadDocsConfig } from '../shared/config';
import { createDocsHandler } from './app';

export const handler = createDocsHandler(loadDocsConfig());
