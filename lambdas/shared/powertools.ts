import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createLazyTracing, type TracingChunk } from './tracing';

/** One Logger, Metrics and Tracer for every function: one service name, one namespace. */
export const SERVICE_NAME = 'hookpost';
export const METRICS_NAMESPACE = 'Hookpost';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE });
/**
 * Powertools Tracer, loaded on the first sampled invocation (see `./tracing.ts`) from the chunk
 * the function construct bundles beside `index.mjs`. The URL is computed so that esbuild leaves
 * the import alone instead of inlining the X-Ray SDK.
 */
const TRACING_CHUNK = './xray-tracing.mjs'; // the file lib/bundling.mjs writes (TRACING_CHUNK there)
export const tracing = createLazyTracing({
  serviceName: SERVICE_NAME,
  load: () => import(new URL(TRACING_CHUNK, import.meta.url).href) as Promise<TracingChunk>,
  onLoadError: (error) => logger.warn('X-Ray tracing unavailable: the Tracer chunk did not load', { error: String(error) }),
});

/**
 * Flushes stored metrics as EMF after each invocation, and stays silent when a request
 * recorded none (Powertools' logMetrics warns on every such request).
 */
export const flushMetrics = () => {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
};
