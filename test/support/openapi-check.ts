import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import OpenAPIBackend, { type Document, type Operation } from 'openapi-backend';

/**
 * Every answer a test gets, checked against the `/openapi.json` the same runtime serves, by a
 * validator we did not write (openapi-backend: routing by the document's paths, the answer's
 * body and headers by its schemas; Ajv for JSON Schema 2020-12, which OpenAPI 3.1 uses). What is
 * ours is only the rule on top: a status must be documented for the operation, and a JSON
 * answer must have a JSON schema there.
 */
const backends = new Map<string, Promise<OpenAPIBackend>>();

const backendFor = (base: string): Promise<OpenAPIBackend> => {
  let backend = backends.get(base);
  if (!backend) {
    backend = (async () => {
      const res = await fetch(`${base}/openapi.json`);
      if (res.status !== 200) throw new Error(`GET ${base}/openapi.json answered ${res.status}`);
      const definition = (await res.json()) as Document;
      const api = new OpenAPIBackend({
        definition,
        // The document itself is checked against the official OpenAPI 3.1 schema in
        // test/e2e/openapi.test.ts (openapi-backend's own check reads 3.1 schemas as 3.0's).
        quick: true,
        validate: true,
        customizeAjv: (_ajv, options) => addFormats(new Ajv2020({ ...options, strict: false, allErrors: true })),
      });
      await api.init();
      return api;
    })();
    backends.set(base, backend);
    backend.catch(() => backends.delete(base));
  }
  return backend;
};

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** The operation `method path` is, or undefined for a path the document has no route for. */
const operationOf = (api: OpenAPIBackend, method: string, path: string): Operation | undefined => {
  const url = new URL(path, 'http://x');
  return api.router.matchOperation({ method: method.toLowerCase(), path: url.pathname, query: Object.fromEntries(url.searchParams), headers: {} });
};

/** Throws, naming what is wrong, when `answer` is not what the document says `method path` answers. */
export const checkAnswer = async (base: string, method: string, path: string, answer: Answer): Promise<void> => {
  const api = await backendFor(base);
  const where = `${method} ${path} → ${answer.status}`;
  const operation = operationOf(api, method, path);
  if (!operation) {
    // No route: API Gateway's own 404, or a refusal that comes before any routing (headers or
    // a body too large for the HTTP server or the gateway).
    if (answer.status === 404 && JSON.stringify(answer.body) === '{"message":"Not Found"}') return;
    if (answer.status === 431 || answer.status === 413) return;
    throw new Error(`${where}: the path is not in the OpenAPI document, and the answer is not API Gateway's 404`);
  }
  const documented = (operation.responses as Record<string, any>)[String(answer.status)];
  if (!documented) throw new Error(`${where}: status ${answer.status} is not documented for ${operation.operationId}`);
  const type = (answer.headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (answer.body !== undefined && answer.body !== '') {
    if (!documented.content?.[type]) throw new Error(`${where}: a ${type || 'typeless'} body, but the document describes ${Object.keys(documented.content ?? {}).join(', ') || 'none'}`);
  }
  // An empty body is allowed (OpenAPI cannot make content required); a body must be of a documented type and shape.
  if (answer.body !== undefined && answer.body !== '' && type === 'application/json') {
    const result = api.validateResponse(answer.body, operation, answer.status);
    if (!result.valid) throw new Error(`${where}: the body breaks the document: ${JSON.stringify(result.errors)} in ${JSON.stringify(answer.body).slice(0, 500)}`);
  }
  const headers = Object.fromEntries(answer.headers.entries());
  const headerResult = api.validateResponseHeaders(headers, operation, { statusCode: answer.status, setMatchType: 'any' as never });
  if (!headerResult.valid) throw new Error(`${where}: the headers break the document: ${JSON.stringify(headerResult.errors)}`);
};
