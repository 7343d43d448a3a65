import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** One Logger, Metrics and Tracer for every function: one service name, one namespace. */
export const SERVICE_NAME = 'hookpost';
export const METRICS_NAMESPACE = 'Hookpost';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE });
export const tracer = new Tracer({ serviceName: SERVICE_NAME });

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
