import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';

/**
 * Powertools Tracer and its middleware: the whole X-Ray SDK. Bundled on its own, as
 * `xray-tracing.mjs` beside each function's `index.mjs` (lib/constructs/hookpost-function.ts),
 * and imported only when Lambda samples an invocation (`./tracing.ts`), so an unsampled cold
 * start never parses it.
 */
class HookpostTracer extends Tracer {
  /** Loaded after the container's first invocation: that invocation was the cold start, not this one. */
  markWarm(): void {
    this.coldStart = false;
  }
}

export interface XRayTracing {
  tracer: Pick<Tracer, 'captureAWSv3Client'>;
  // biome-ignore lint: middy's request types are the handler's own
  middleware: MiddlewareObj<any, any, Error, any>;
}

export const createXRayTracing = (serviceName: string, coldStart: boolean): XRayTracing => {
  const tracer = new HookpostTracer({ serviceName });
  if (!coldStart) tracer.markWarm();
  // Responses stay out of the trace: the API's responses carry signing secrets.
  return { tracer, middleware: captureLambdaHandler(tracer, { captureResponse: false }) };
};
