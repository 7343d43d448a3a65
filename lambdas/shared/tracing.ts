import { getStringFromEnv, isRequestXRaySampled } from '@aws-lambda-powertools/commons/utils/env';
import type { MiddlewareObj, Request } from '@middy/core';
import type { XRayTracing } from './xray-tracing';

export interface TracingChunk {
  createXRayTracing(serviceName: string, coldStart: boolean): XRayTracing;
}

export interface LazyTracingOptions {
  serviceName: string;
  /** Imports the Tracer chunk (on Lambda, the `xray-tracing.mjs` file beside the bundle). */
  load: () => Promise<TracingChunk>;
  /**
   * Whether to trace the current invocation: Lambda sampled it and `POWERTOOLS_TRACE_ENABLED`
   * is not false. @default `tracedInvocation`
   */
  sampled?: () => boolean;
  /** Told once if the chunk cannot be loaded; the function then runs untraced. */
  onLoadError?: (error: unknown) => void;
}

export interface LazyTracing {
  /** Registers an SDK client: captured now if the Tracer is loaded, else when it loads. */
  captureAWSv3Client<T>(client: T): T;
  /** `captureLambdaHandler` for sampled invocations; nothing at all for the others. */
  middleware(): MiddlewareObj<any, any, Error, any>;
  readonly loaded: boolean;
}

/**
 * Read per invocation with Powertools' own helpers, and as the Tracer reads its switch: only
 * `false` turns tracing off (any other value, even a typo, must not fail an invocation).
 */
export const tracedInvocation = (): boolean =>
  getStringFromEnv({ key: 'POWERTOOLS_TRACE_ENABLED', defaultValue: 'true' }).toLowerCase() !== 'false' && isRequestXRaySampled();

/**
 * Powertools Tracer, loaded the first time Lambda samples an invocation of the container.
 *
 * X-Ray records only sampled invocations (default rule: the first request each second and 5%
 * of the rest), and on the others the X-Ray SDK sends nothing; the AWS SDK propagates the trace
 * header on its own. So an unsampled cold start skips the X-Ray SDK (a fifth of a bundle's
 * bytes, see bench/results.md), and a container pays for it once, in its first sampled
 * invocation, which the trace itself then shows. From then on every invocation goes through
 * `captureLambdaHandler`, sampled or not, exactly as with a Tracer built at load.
 */
export const createLazyTracing = (options: LazyTracingOptions): LazyTracing => {
  const sampled = options.sampled ?? tracedInvocation;
  const clients: unknown[] = [];
  const traced = new WeakSet<Request>();
  let xray: XRayTracing | undefined;
  let loading: Promise<void> | undefined;
  let invocations = 0;

  const load = (coldStart: boolean) =>
    (loading ??= options.load().then(
      (chunk) => {
        const tracing = chunk.createXRayTracing(options.serviceName, coldStart);
        for (const client of clients) tracing.tracer.captureAWSv3Client(client);
        xray = tracing;
      },
      (error: unknown) => options.onLoadError?.(error), // never retried: the function runs untraced
    ));

  return {
    captureAWSv3Client<T>(client: T): T {
      clients.push(client);
      xray?.tracer.captureAWSv3Client(client);
      return client;
    },
    middleware: () => ({
      before: async (request) => {
        const coldStart = invocations++ === 0;
        if (!xray && sampled()) await load(coldStart);
        if (!xray) return;
        traced.add(request);
        await xray.middleware.before?.(request);
      },
      after: async (request) => {
        if (traced.has(request)) await xray?.middleware.after?.(request);
      },
      onError: async (request) => {
        if (traced.has(request)) await xray?.middleware.onError?.(request);
      },
    }),
    get loaded() {
      return xray !== undefined;
    },
  };
};
