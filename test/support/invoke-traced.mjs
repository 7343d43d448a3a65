// Runs a bundled function the way Lambda does, in its own process: the X-Ray daemon is a UDP
// socket of the parent test, each invocation gets its own trace header. Prints one JSON line.
// usage: node invoke-traced.mjs <asset dir> <daemon port> <sampled flags, e.g. 0,1,1>
import https from 'node:https';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, port, flags] = process.argv.slice(2);
Object.assign(process.env, {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'hookpost-docs',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  LAMBDA_TASK_ROOT: dir,
  _HANDLER: 'index.handler',
  AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}`,
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_TRACE_ENABLED: 'true',
});
const unpatchedRequest = https.request;
const { handler } = await import(pathToFileURL(join(dir, 'index.mjs')).href);
const results = [];
let n = 0;
for (const flag of flags.split(',')) {
  n++;
  process.env._X_AMZN_TRACE_ID = `Root=1-6741a000-00000000000000000000000${n};Parent=00000000000000a${n};Sampled=${flag}`;
  const response = await handler(
    { version: '2.0', routeKey: 'GET /openapi.json', rawPath: '/openapi.json', rawQueryString: '', headers: {}, requestContext: { http: { method: 'GET', path: '/openapi.json' }, requestId: `r${n}` }, isBase64Encoded: false },
    { awsRequestId: `req-${n}`, functionName: 'hookpost-docs', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:hookpost-docs', memoryLimitInMB: '512', functionVersion: '$LATEST', getRemainingTimeInMillis: () => 29_000 },
  );
  // The Tracer patches https when it loads (captureHTTPsRequests): the sign that the chunk was imported.
  results.push({ status: response.statusCode, tracerLoaded: https.request !== unpatchedRequest });
}
await new Promise((r) => setTimeout(r, 200)); // UDP sends are fire-and-forget
process.stdout.write(JSON.stringify(results));
