import { isUtf8 } from 'node:buffer';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type RouteGroup, ROUTES, routeKeyOf, type RouteSpec } from '../lambdas/shared/http/routes';
import { localContext } from './lambda-context';
import { type LocalCredentials, verifySigV4 } from './sigv4';

export type ApiLambda = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** API Gateway's own payload limit for HTTP APIs; the handlers enforce the service's 1 MB. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;
/** Lambda's synchronous invocation limits, on the whole event API Gateway builds and on the result (6 MiB, and 100 bytes more for a result). */
export const LAMBDA_MAX_REQUEST = 6 * 1024 * 1024;
export const LAMBDA_MAX_RESPONSE = LAMBDA_MAX_REQUEST + 100;

interface CompiledRoute {
  spec: RouteSpec;
  pattern: RegExp;
  names: string[];
}

const compile = (spec: RouteSpec): CompiledRoute => {
  const names: string[] = [];
  const source = spec.path.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  // Exact, as HTTP API matches: `/v1/webhooks/` is another route (none).
  return { spec, pattern: new RegExp(`^${source}$`), names };
};

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
};

/**
 * API Gateway's own answers, in its own shape (`{"message": …}`, not the service's
 * `{"error": …}`): the handlers never see these requests.
 */
const gateway = {
  notFound: (res: ServerResponse) => send(res, 404, { message: 'Not Found' }),
  forbidden: (res: ServerResponse, message = 'Forbidden') => send(res, 403, { message }, { 'x-amzn-errortype': 'ForbiddenException' }),
  integrationFailed: (res: ServerResponse) => send(res, 500, { message: 'Internal Server Error' }),
  /** The event is larger than Lambda accepts. */
  tooLongForLambda: (res: ServerResponse) => send(res, 413, { message: 'Request Too Long' }, { 'x-amzn-errortype': 'BadRequestException' }),
  /** The body is larger than API Gateway accepts: a plain-text answer. */
  tooLarge: (res: ServerResponse) => {
    res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`HTTP content length exceeded ${GATEWAY_MAX_BODY} bytes.`);
  },
};

const readBody = (req: IncomingMessage): Promise<Buffer | 'too_large'> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > GATEWAY_MAX_BODY) {
        resolve('too_large');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Stands in for API Gateway: matches the route table, turns the request into a payload 2.0
 * event and invokes the route group's handler. Platform routes (IAM on AWS) take the admin
 * key here, and arrive at the handler with an IAM authorizer context as on AWS.
 */
export const createLocalApiServer = (options: {
  handlers: Record<RouteGroup, ApiLambda>;
  adminKey: string;
  /** The platform's local credential pair: platform routes take a SigV4 signature with it, as IAM on AWS. */
  platformCredentials: LocalCredentials;
  region: string;
  isReady: () => boolean;
  /** Asked before a route's function is invoked (its resource policy, under IAM enforcement); a refusal is API Gateway's 500. */
  authorizeInvoke?: (group: RouteGroup, spec: RouteSpec) => Promise<void>;
  /** Other AWS stand-ins on the same port (EventBridge PutEvents); true when they answered. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}): Server => {
  const routes = ROUTES.map(compile);
  return createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && url.pathname === '/health') {
        send(res, options.isReady() ? 200 : 503, { status: options.isReady() ? 'ok' : 'starting' });
        return;
      }
      if (await options.extraRoutes?.(req, res)) return;
      let matched: { route: CompiledRoute; params: Record<string, string> } | undefined;
      for (const route of routes) {
        if (route.spec.method !== req.method) continue;
        const m = route.pattern.exec(url.pathname);
        if (!m) continue;
        const params: Record<string, string> = {};
        try {
          route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
        } catch {
          break; // a malformed escape names no record: no route, as API Gateway answers
        }
        matched = { route, params };
        break;
      }
      if (!matched) {
        gateway.notFound(res);
        return;
      }
      const body = await readBody(req);
      if (body === 'too_large') {
        gateway.tooLarge(res);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
      }
      // API Gateway tells the function how the client reached it, as it does on AWS (https there).
      headers['x-forwarded-proto'] = 'http';
      headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
      const { spec } = matched.route;
      let caller = { accessKey: 'local-admin-key', userArn: 'arn:aws:iam::000000000000:user/local-admin' };
      if (spec.auth === 'platform') {
        // IAM on AWS: a SigV4 signature (the local credential pair here); locally also the admin key, for curl.
        const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
        if (!bearer || !sameSecret(bearer, options.adminKey)) {
          const signed = await verifySigV4({ method: req.method!, url, headers, body }, options.platformCredentials, options.region);
          if (!signed.ok) {
            gateway.forbidden(res, signed.message);
            return;
          }
          caller = { accessKey: signed.accessKeyId, userArn: 'arn:aws:iam::000000000000:user/hookpost-local-platform' };
        }
      }
      const now = new Date();
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
      const event = {
        version: '2.0',
        routeKey: routeKeyOf(spec),
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
        ...(Object.keys(matched.params).length ? { pathParameters: matched.params } : {}),
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          domainName: headers.host ?? 'localhost',
          domainPrefix: 'local',
          http: {
            method: req.method!,
            path: url.pathname,
            protocol: `HTTP/${req.httpVersion}`,
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            userAgent: headers['user-agent'] ?? '',
          },
          requestId: randomUUID(),
          routeKey: routeKeyOf(spec),
          stage: '$default',
          time: now.toUTCString(),
          timeEpoch: now.getTime(),
          ...(spec.auth === 'platform'
            ? { authorizer: { iam: { accessKey: caller.accessKey, accountId: '000000000000', callerId: caller.accessKey, principalOrgId: null, userArn: caller.userArn, userId: caller.accessKey, cognitoIdentity: null } } }
            : {}),
        },
        // Text as text; bytes that are not UTF-8 go base64-encoded, as API Gateway passes binary
        // bodies, so the handler sees them exactly (and refuses them) rather than U+FFFD.
        ...(body.length === 0 ? { isBase64Encoded: false } : isUtf8(body) ? { body: body.toString('utf8'), isBase64Encoded: false } : { body: body.toString('base64'), isBase64Encoded: true }),
      } as unknown as APIGatewayProxyEventV2;
      if (Buffer.byteLength(JSON.stringify(event)) > LAMBDA_MAX_REQUEST) {
        gateway.tooLongForLambda(res);
        return;
      }
      try {
        await options.authorizeInvoke?.(spec.group, spec);
      } catch (err) {
        // What HTTP API answers when it may not invoke the integration's function.
        console.error(`local API gateway: ${(err as Error).message}`);
        gateway.integrationFailed(res);
        return;
      }
      const result = await options.handlers[spec.group](event, localContext(`hookpost-${spec.group}`, 29_000));
      // Lambda refuses a response over its 6 MB; API Gateway then answers its 500.
      if (Buffer.byteLength(JSON.stringify(result)) > LAMBDA_MAX_RESPONSE) {
        console.error(`local API gateway: ${spec.group} returned more than Lambda's ${LAMBDA_MAX_RESPONSE} bytes`);
        gateway.integrationFailed(res);
        return;
      }
      res.writeHead(result.statusCode ?? 200, (result.headers ?? {}) as Record<string, string>);
      res.end(result.body);
    } catch (err) {
      console.error('local API gateway: handler failed', err);
      if (!res.headersSent) gateway.integrationFailed(res);
      else res.end();
    }
  });
};
