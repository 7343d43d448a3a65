import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { $ZodError } from 'zod/v4/core';
import { isLosslessNumber, NumberOutOfRangeError, parseExact } from '../domain/exact-json';
import { DomainError, HeadersTooLargeError, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../domain/errors';
import { flushMetrics, logger, metrics, tracing } from '../powertools';
import { LIMITS } from './schemas';
import { type RouteGroup, routeKeyOf, routesOf } from './routes';
import { type Actor, type AuditLog, type AuditRecord, newAuditRecord, type RequestSource } from '../domain/audit';
import { checkScope, type PortalScope } from '../domain/portal-scope';
import type { Clock } from '../domain/ports';

export interface ApiRequest {
  body: unknown;
  query: Record<string, string>;
  params: Record<string, string>;
  headers: Record<string, string | undefined>;
  /** The tenant the API key belongs to, on tenant routes. */
  tenantId: string;
  /** Who asks: the tenant's key or portal session, the platform's IAM principal, or nobody yet (a public route). */
  actor: Actor;
  /** Where the request came from, as API Gateway saw it. */
  source: RequestSource;
  /** A portal session's scope (absent for an API key: it may do everything): checked before the route runs; lists filter by it. */
  scope?: PortalScope;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A body sent as is (an HTML page), with its own content-type in `headers`. */
  raw?: string;
  /** The change this request made, for the audit trail (never sent): written once the handler has answered. */
  audit?: AuditNote;
}

/** What a changing route says of its change; who, when and from where the handler adds. */
export interface AuditNote extends Pick<AuditRecord, 'action' | 'webhookId' | 'target' | 'before' | 'after'> {
  /** The tenant it concerns (the platform's routes name it in the path). @default the request's tenant */
  tenantId?: string;
  /** Who acted, when the request's own caller is not it (a portal link opens a session). @default the request's actor */
  actor?: Actor;
}

export type RouteHandler = (request: ApiRequest) => Promise<ApiResponse>;

export type Authenticator = (bearer: string | undefined, orgId: string | undefined, method: string) => Promise<{ tenantId: string; actor: Actor; scope?: PortalScope }>;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: { 'content-type': 'application/json', ...headers },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

type ZodError = $ZodError;

const zodMessage = (err: ZodError): string =>
  err.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');

const zodCode = (err: ZodError): string =>
  (err.issues.map((i) => (i as { params?: { code?: string } }).params?.code).find(Boolean) as string | undefined) ??
  'validation_error';

/** Maps every failure to `{"error":{"code","message"}}` once; a raw error never reaches a client. */
export const errorResponse = (err: unknown): APIGatewayProxyStructuredResultV2 => {
  if (err instanceof $ZodError) return json(400, { error: { code: zodCode(err), message: zodMessage(err) } });
  if (err instanceof DomainError) return json(err.status, { error: { code: err.code, message: err.message, ...err.details } }, err.headers);
  logger.error('unhandled error', err as Error);
  return json(500, { error: { code: 'internal_error', message: 'Something went wrong on our side; it has been logged.' } });
};

/**
 * Writes a change's audit record. The change is made by then: a record that cannot be written
 * is logged at ERROR and counted (`AuditRecordNotWritten`, alarmed), and the answer stands.
 */
const writeAudit = async (audit: { log: AuditLog; clock: Clock }, note: AuditNote, who: { tenantId: string; actor: Actor; source: RequestSource }) => {
  const { tenantId = who.tenantId, actor = who.actor, ...rest } = note;
  const record = newAuditRecord(audit.clock.now(), { tenantId, actor, source: who.source, ...rest });
  try {
    await audit.log.record(record);
  } catch (err) {
    logger.error('could not write an audit record', { ...record, error: String(err) } as never);
    metrics.addMetric('AuditRecordNotWritten', 'Count', 1);
  }
};

const errorMapper = (): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> => ({
  onError: async (request) => {
    request.response = errorResponse(request.error);
  },
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text; bytes that are not UTF-8 are refused, never rewritten to U+FFFD. */
const decodeBody = (event: APIGatewayProxyEventV2): string | undefined => {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  if (!event.isBase64Encoded) return event.body;
  try {
    return utf8.decode(Buffer.from(event.body, 'base64'));
  } catch {
    throw new ValidationError('The request body is not valid UTF-8', 'invalid_encoding');
  }
};

/**
 * The first string in a parsed body (a key or a value) that is not well-formed Unicode: a lone
 * surrogate, which `"\ud800"` in JSON text can spell. DynamoDB stores only UTF-8, which has no
 * form for it, so it is refused at the door rather than failing or changing later.
 */
const illFormedPath = (value: unknown, path: string): string | undefined => {
  if (typeof value === 'string') return value.isWellFormed() ? undefined : path || 'the body';
  if (value === null || typeof value !== 'object' || isLosslessNumber(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (!key.isWellFormed()) return at;
    const found = illFormedPath(child, at);
    if (found) return found;
  }
  return undefined;
};

/** Enforces the 1 MB body limit and parses JSON; a body that is not JSON is a 400. */
export const parseJsonBody = (event: APIGatewayProxyEventV2): unknown => {
  const raw = decodeBody(event);
  if (raw === undefined) return undefined;
  if (Buffer.byteLength(raw, 'utf8') > LIMITS.bodyBytes) {
    throw new PayloadTooLargeError(`Request bodies are limited to ${LIMITS.bodyBytes} bytes`);
  }
  const contentType = event.headers?.['content-type'];
  if (contentType && !/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
    throw new UnsupportedMediaTypeError('Send the body as application/json');
  }
  if (nestingDepth(raw) > LIMITS.jsonDepth) {
    throw new ValidationError(`JSON nested deeper than ${LIMITS.jsonDepth} levels is refused`, 'json_too_deep');
  }
  let parsed: unknown;
  try {
    // Numbers are kept exact: event data reaches receivers as it was published.
    parsed = parseExact(raw);
  } catch (e) {
    if (e instanceof NumberOutOfRangeError) throw new ValidationError(e.message, 'number_out_of_range');
    throw new ValidationError('The request body is not valid JSON', 'invalid_json');
  }
  const illFormed = illFormedPath(parsed, '');
  if (illFormed) throw new ValidationError(`${illFormed} holds a lone surrogate: strings must be valid Unicode`, 'invalid_encoding');
  return parsed;
};

/** The deepest nesting of arrays and objects in JSON text, counted before parsing (strings skipped). */
export const nestingDepth = (text: string): number => {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91 /* { [ */) deepest = Math.max(deepest, ++depth);
    else if (c === 125 || c === 93 /* } ] */) depth--;
  }
  return deepest;
};

const headerBytes = (headers: Record<string, string | undefined>): number =>
  Object.entries(headers).reduce((sum, [name, value]) => sum + name.length + (value?.length ?? 0) + 4, 0);

/** Path parameters are ids: anything else cannot name a stored record, so it is not found. */
const PATH_PARAM = /^[A-Za-z0-9._:-]{1,128}$/;

const bearerOf = (authorization: string | undefined): string | undefined => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
};

/**
 * Builds the Lambda handler of one route group: Powertools and header normalisation as middy
 * middleware, then routing by API Gateway's route key, tenant authentication, JSON parsing,
 * and one error mapping.
 */
export const createApiHandler = (
  group: RouteGroup,
  handlers: Record<string, RouteHandler>,
  authenticate: Authenticator | undefined,
  audit?: { log: AuditLog; clock: Clock },
) => {
  const specs = new Map(routesOf(group).map((r) => [routeKeyOf(r), r]));
  for (const key of specs.keys()) if (!handlers[key]) throw new Error(`No handler for route ${key}`);

  const dispatch = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const spec = specs.get(event.routeKey);
    const handle = handlers[event.routeKey];
    if (!spec || !handle) throw new NotFoundError(`Route ${event.routeKey}`);
    const headers = event.headers ?? {};
    if (headerBytes(headers) > LIMITS.headerBytes) {
      throw new HeadersTooLargeError(`Request headers are limited to ${LIMITS.headerBytes} bytes`);
    }
    for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
      if (!PATH_PARAM.test(value ?? '')) throw new DomainError(404, 'not_found', `Nothing has that ${name}`);
    }
    let tenantId = '';
    let scope: PortalScope | undefined;
    // The platform's routes are IAM-authorized: API Gateway names the caller's principal.
    const iam = (event.requestContext as { authorizer?: { iam?: { userArn?: string } } }).authorizer?.iam;
    let actor: Actor = spec.auth === 'platform' ? { type: 'platform', id: iam?.userArn ?? 'unknown' } : { type: 'portal_link', id: 'anonymous' };
    if (spec.auth === 'tenant') {
      if (!authenticate) throw new Error(`Route group ${group} has tenant routes but no authenticator`);
      ({ tenantId, actor, scope } = await authenticate(bearerOf(headers.authorization), headers['x-org-id'], event.requestContext.http.method));
      logger.appendKeys({ tenant_id: tenantId });
      // What a portal link grants, for every route alike (issue 29): a capability, listed webhooks.
      checkScope(scope, { ...(spec.capability ? { capability: spec.capability } : {}), ...(spec.unlisted ? { unlisted: true } : {}), ...(event.pathParameters?.id ? { webhookId: event.pathParameters.id } : {}) });
    }
    const source: RequestSource = { ip: event.requestContext.http.sourceIp || null, userAgent: event.requestContext.http.userAgent || null };
    const body = parseJsonBody(event);
    const result = await handle({
      body,
      query: (event.queryStringParameters ?? {}) as Record<string, string>,
      params: (event.pathParameters ?? {}) as Record<string, string>,
      headers,
      tenantId,
      actor,
      source,
      ...(scope ? { scope } : {}),
    });
    if (result.audit && audit) await writeAudit(audit, result.audit, { tenantId, actor, source });
    if (result.raw !== undefined) return { statusCode: result.status, headers: result.headers ?? {}, body: result.raw };
    return json(result.status, result.body, result.headers);
  };

  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(tracing.middleware())
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics())
    .use(httpHeaderNormalizer())
    .use(errorMapper())
    .handler(dispatch);
};
