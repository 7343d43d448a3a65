import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime } from '../support/service';
import { ROUTES } from '../../lambdas/shared/http/routes';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';

/**
 * GET /openapi.json describes every route, and the real responses of a walk through every
 * route match the schemas it states (checked against the served document by openapi-backend,
 * not by the zod schemas it was generated from).
 */
const KEY = 'hpk_openapi_key_0123456789abcdef0123456789';
const ADMIN = 'hpadmin_openapi_key_0123456789';

let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];
let doc: any;
const ajv = new Ajv2020({ strict: false, validateFormats: false });

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.respondWith((r) => (r.path === '/fail' ? { status: 500, body: 'no' } : { status: 200, body: '{"ok":true}' }));
  runtime = await startTestRuntime('openapi', {
    apiKeys: [{ tenantId: 'acme', key: KEY }],
    adminKey: ADMIN,
    retrySchedule: [1],
  });
  api = apiClient(runtime.url).call;
  doc = (await api('GET', '/openapi.json')).body;
  ajv.addSchema({ $id: 'doc', ...doc }, 'doc');
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

const checked = new Set<string>();

/**
 * Calls a route; the client checks its answer against the document (test/support/openapi-check:
 * openapi-backend, status and body and headers), and this walk notes which routes it reached.
 */
const call = async (method: string, template: string, path: string, options: Parameters<typeof api>[2] = {}) => {
  const res = await api(method, path, options);
  expect(doc.paths[template]?.[method.toLowerCase()], `${method} ${template} is documented`).toBeDefined();
  checked.add(`${method} ${template}`);
  return res;
};

describe('OpenAPI 3.1', () => {
  it('is served at GET /openapi.json and describes every route of the route table', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const route of ROUTES) expect(doc.paths[route.path]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined();
    // One shape per catalogue type: its name, and its data as its schema (issue 28).
    const publish = doc.paths['/v1/events'].post.requestBody.content['application/json'].schema;
    const priceAlert = publish.oneOf.find((s: any) => s.properties.type.const === 'price.alert');
    expect(publish.oneOf).toHaveLength(12);
    expect(priceAlert.required).toEqual(['tenant_id', 'type', 'data']);
    expect(priceAlert.additionalProperties).toBe(false);
    expect(priceAlert.properties.data).toEqual({ $ref: '#/components/schemas/EventData_price_alert' });
    expect(doc.components.schemas.EventData_price_alert).toMatchObject({ type: 'object', required: ['product_id', 'price'], description: expect.stringContaining('schema version 1; publish validation: warn') });
    const batchItem = doc.paths['/v1/events/batch'].post.requestBody.content['application/json'].schema.properties.events.items;
    expect(batchItem.oneOf.map((s: any) => Object.keys(s.properties).sort())[0]).toEqual(['data', 'idempotency_key', 'tenant_id', 'type']);
    expect(doc.paths['/api/v1/admin/webhooks'].post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
  });

  it('is a valid OpenAPI 3.1 document (the official schema, by @seriousme/openapi-schema-validator), and says what generators need', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([]);
    expect(validator.version).toBe('3.1');
    expect(doc.info.version).toBe((await import('../../package.json', { with: { type: 'json' } })).default.version);
    // The API's own answers (the catalogue's event data schemas are the platform's to type).
    const schemaTexts = JSON.stringify(Object.fromEntries(Object.entries(doc.components.schemas).filter(([name]) => !name.startsWith('EventData_'))));
    // Answers are open to added fields; requests stay closed.
    expect(schemaTexts).not.toContain('"additionalProperties":false');
    // Whole numbers are integers: no count, code or duration is typed `number`.
    const numbers = [...schemaTexts.matchAll(/"(\w+)":\{(?:"anyOf":\[\{)?"type":"number"/g)].map((m) => m[1]);
    expect(numbers).toEqual(['success_rate']);
    expect(doc.components.securitySchemes.sigv4['x-amazon-apigateway-authtype']).toBe('awsSigv4');
    const offset = doc.paths['/api/v1/admin/webhooks/{id}/deliveries'].get.parameters.find((p: any) => p.name === 'offset');
    expect(offset.schema.maximum).toBe(1000);
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        for (const [status, response] of Object.entries<any>(op.responses)) {
          const content = response.content?.['application/json'];
          if (!content?.schema?.$ref || status === '200' && path === '/openapi.json') continue;
          // Every operation shows an example of each JSON answer, and the example is what the schema describes.
          expect(content.example, `${method} ${path} ${status} has an example`).toBeDefined();
          const validate = ajv.compile({ $ref: `doc${content.schema.$ref}` });
          expect(validate(content.example), `${method} ${path} ${status}: ${JSON.stringify(validate.errors)}`).toBe(true);
        }
      }
    }
  });

  it('matches the real responses of every route', async () => {
    const t = (path: string) => path; // readability: the template is the path with its {params}
    const account = await call('POST', t('/v1/webhooks/register'), '/v1/webhooks/register', { key: KEY, body: { url: `${receiver.url}/account`, event_types: null } });
    expect(account.status).toBe(200);
    await call('GET', '/v1/webhooks', '/v1/webhooks', { key: KEY });
    await call('POST', '/v1/webhooks/rotate-secret', '/v1/webhooks/rotate-secret', { key: KEY, body: { grace_period_seconds: 60 } });
    const ok = await call('POST', '/api/v1/admin/webhooks', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/ok`, events: ['price.alert'] } });
    const failing = await call('POST', '/api/v1/admin/webhooks', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/fail`, events: ['price.alert'] } });
    const id = failing.body.id as string;
    await call('GET', '/api/v1/admin/webhooks', '/api/v1/admin/webhooks', { key: KEY });
    await call('GET', '/api/v1/admin/webhooks/{id}', `/api/v1/admin/webhooks/${id}`, { key: KEY });
    await call('PATCH', '/api/v1/admin/webhooks/{id}', `/api/v1/admin/webhooks/${ok.body.id}`, { key: KEY, body: { events: ['price.alert', 'list.analyzed'] } });
    await call('POST', '/api/v1/admin/webhooks/{id}/rotate-secret', `/api/v1/admin/webhooks/${ok.body.id}/rotate-secret`, { key: KEY });
    await call('POST', '/api/v1/admin/webhooks/{id}/test', `/api/v1/admin/webhooks/${ok.body.id}/test`, { key: KEY });
    // Erasing an event's payload (issue 28): the lookup says so.
    const erasable = await api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'acme', type: 'price.alert', data: { secret: 'x' } }, headers: { 'idempotency-key': 'erase-me' } });
    expect((await call('DELETE', '/api/v1/admin/events/{event_id}/data', `/api/v1/admin/events/${erasable.body.id}/data`, { key: KEY })).body).toMatchObject({ data: null, erased_at: expect.any(String) });
    await call('DELETE', '/v1/tenants/{tenant_id}/events/{event_id}/data', `/v1/tenants/acme/events/${erasable.body.id}/data`, { key: ADMIN });
    expect((await call('DELETE', '/api/v1/admin/events/{event_id}/data', '/api/v1/admin/events/evt_01jdz8k3m0x9y8z7w6v5u4t3s2/data', { key: KEY })).status).toBe(404);
    // A tenant's own retention (issue 28).
    expect((await call('PATCH', '/v1/tenants/{tenant_id}', '/v1/tenants/acme', { key: ADMIN, body: { retention_days: 45 } })).body).toMatchObject({ retention_days: 45 });
    expect((await call('PATCH', '/v1/tenants/{tenant_id}', '/v1/tenants/nobody', { key: ADMIN, body: { retention_days: 45 } })).status).toBe(404);
    await call('PATCH', '/v1/tenants/{tenant_id}', '/v1/tenants/acme', { key: ADMIN, body: { retention_days: null } });
    // The audit trail (issue 28), by the tenant and the operators.
    await call('GET', '/api/v1/admin/audit-log', '/api/v1/admin/audit-log?limit=5', { key: KEY });
    await call('GET', '/v1/tenants/{tenant_id}/audit-log', `/v1/tenants/acme/audit-log?webhook_id=${ok.body.id}&action=webhook.updated`, { key: ADMIN });
    // The catalogue (issue 28): read by tenants and operators; a type's example as a test event.
    await call('GET', '/api/v1/admin/event-types', '/api/v1/admin/event-types', { key: KEY });
    await call('GET', '/v1/event-types', '/v1/event-types', { key: ADMIN });
    await call('POST', '/api/v1/admin/webhooks/{id}/test', `/api/v1/admin/webhooks/${ok.body.id}/test`, { key: KEY, body: { event_type: 'price.alert' } });
    // Receiver auth (issue 27): a webhook with Basic credentials and a credential header, and an ed25519 webhook's key set.
    const authed = await call('POST', '/api/v1/admin/webhooks', '/api/v1/admin/webhooks', {
      key: KEY,
      body: { url: `${receiver.url}/authed`, events: ['price.alert'], headers: { 'X-Api-Key': 'k-1', 'X-Region': 'eu' }, auth: { type: 'basic', username: 'u', password: 'p' } },
    });
    expect(authed.body).toMatchObject({ sensitive_headers: { 'X-Api-Key': {} }, auth: { type: 'basic', password: {} } });
    const ed = await call('POST', '/api/v1/admin/webhooks', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/ed`, events: ['price.alert'], signature_scheme: 'ed25519' } });
    await call('GET', '/v1/jwks/{tenant_id}/{id}', ed.body.jwks_path, {});
    expect((await call('GET', '/v1/jwks/{tenant_id}/{id}', `/v1/jwks/acme/${ok.body.id}`, {})).status).toBe(404);
    // An AWS destination (issue 26): its trust, the webhook with its destination, its check (the role does not exist), a URL webhook's check refused.
    const queue = 'https://sqs.us-east-1.amazonaws.com/444455556666/orders';
    await call('GET', '/api/v1/admin/destinations/trust', '/api/v1/admin/destinations/trust', { key: KEY });
    await call('GET', '/api/v1/admin/destinations/trust', `/api/v1/admin/destinations/trust?type=sqs&target=${encodeURIComponent(queue)}`, { key: KEY });
    const destination = await call('POST', '/api/v1/admin/webhooks', '/api/v1/admin/webhooks', {
      key: KEY,
      body: { destination: { type: 'sqs', target: queue, role_arn: 'arn:aws:iam::444455556666:role/not-made-yet' }, events: ['list.failed'] },
    });
    expect(destination.status).toBe(201);
    const check = await call('POST', '/api/v1/admin/webhooks/{id}/check', `/api/v1/admin/webhooks/${destination.body.id}/check`, { key: KEY });
    expect(check.body).toMatchObject({ ok: false, problem: 'role_not_assumable' });
    expect((await call('POST', '/api/v1/admin/webhooks/{id}/check', `/api/v1/admin/webhooks/${ok.body.id}/check`, { key: KEY })).status).toBe(400);
    await call('POST', '/v1/events', '/v1/events', { key: ADMIN, body: { tenant_id: 'acme', type: 'price.alert', data: { p: 1 } } });
    await call('POST', '/v1/events/batch', '/v1/events/batch', { key: ADMIN, body: { events: [{ tenant_id: 'acme', type: 'list.analyzed', data: {} }] } });
    const failed = await waitUntil(async () => {
      const page = (await api('GET', `/api/v1/admin/webhooks/${id}/deliveries?status=failed`, { key: KEY })).body;
      return page.data[0];
    }, 20_000, 'a failed delivery');
    await call('GET', '/api/v1/admin/webhooks/{id}/deliveries', `/api/v1/admin/webhooks/${id}/deliveries?limit=5`, { key: KEY });
    await call('GET', '/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}', `/api/v1/admin/webhooks/${id}/deliveries/${failed.id}`, { key: KEY });
    await call('GET', '/api/v1/admin/failed-deliveries', '/api/v1/admin/failed-deliveries?limit=5', { key: KEY });
    await call('GET', '/api/v1/admin/events/{event_id}', `/api/v1/admin/events/${failed.event_id}`, { key: KEY });
    await call('GET', '/api/v1/admin/webhooks/{id}/health', `/api/v1/admin/webhooks/${id}/health`, { key: KEY });
    await call('POST', '/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/retry', `/api/v1/admin/webhooks/${id}/deliveries/${failed.id}/retry`, { key: KEY });
    const recovery = await call('POST', '/api/v1/admin/webhooks/{id}/recover', `/api/v1/admin/webhooks/${id}/recover`, { key: KEY, body: { since: '2020-01-01T00:00:00Z' } });
    await call('GET', '/api/v1/admin/webhooks/{id}/recoveries/{recovery_id}', `/api/v1/admin/webhooks/${id}/recoveries/${recovery.body.id}`, { key: KEY });
    await call('POST', '/v1/tenants', '/v1/tenants', { key: ADMIN, body: { id: 'globex' } });
    const issued = await call('POST', '/v1/tenants/{tenant_id}/keys', '/v1/tenants/globex/keys', { key: ADMIN });
    await call('DELETE', '/v1/tenants/{tenant_id}/keys/{key_id}', `/v1/tenants/globex/keys/${issued.body.id}`, { key: ADMIN });
    await call('GET', '/v1/tenants/{tenant_id}/erasure', '/v1/tenants/globex/erasure', { key: ADMIN }); // 404: not erased
    await call('DELETE', '/v1/tenants/{tenant_id}', '/v1/tenants/globex', { key: ADMIN });
    await call('GET', '/v1/tenants/{tenant_id}/erasure', '/v1/tenants/globex/erasure', { key: ADMIN });
    const portal = await call('POST', '/v1/tenants/{tenant_id}/portal-sessions', '/v1/tenants/acme/portal-sessions', { key: ADMIN, body: { read_only: true } });
    await call('POST', '/api/v1/portal/sessions', '/api/v1/portal/sessions', { body: { token: /#portal=(.+)$/.exec(portal.body.url)![1] } });
    await call('GET', '/v1/tenants/{tenant_id}/webhooks', '/v1/tenants/acme/webhooks', { key: ADMIN });
    await call('GET', '/v1/tenants/{tenant_id}/failed-deliveries', '/v1/tenants/acme/failed-deliveries?limit=5', { key: ADMIN });
    await call('GET', '/v1/tenants/{tenant_id}/events/{event_id}', `/v1/tenants/acme/events/${failed.event_id}`, { key: ADMIN });
    await call('GET', '/v1/tenants/{tenant_id}/webhooks/{id}/deliveries', `/v1/tenants/acme/webhooks/${id}/deliveries`, { key: ADMIN });
    await call('GET', '/v1/tenants/{tenant_id}/webhooks/{id}/deliveries/{delivery_id}', `/v1/tenants/acme/webhooks/${id}/deliveries/${failed.id}`, { key: ADMIN });
    const opRetry = await call('POST', '/v1/tenants/{tenant_id}/webhooks/{id}/deliveries/{delivery_id}/retry', `/v1/tenants/acme/webhooks/${id}/deliveries/${failed.id}/retry`, { key: ADMIN });
    // Accepted, or refused because the tenant's retry of it is still on its way.
    expect([202, 409]).toContain(opRetry.status);
    const opRecovery = await call('POST', '/v1/tenants/{tenant_id}/webhooks/{id}/recover', `/v1/tenants/acme/webhooks/${id}/recover`, { key: ADMIN, body: { since: '2020-01-01T00:00:00Z' } });
    await call('GET', '/v1/tenants/{tenant_id}/webhooks/{id}/recoveries/{recovery_id}', `/v1/tenants/acme/webhooks/${id}/recoveries/${opRecovery.body.id}`, { key: ADMIN });
    await call('GET', '/openapi.json', '/openapi.json');
    await call('GET', '/dashboard', '/dashboard');
    // Errors have the documented shape too.
    await call('GET', '/api/v1/admin/webhooks/{id}', '/api/v1/admin/webhooks/wh_nope', { key: KEY });
    await call('POST', '/api/v1/admin/webhooks', '/api/v1/admin/webhooks', { key: KEY, body: { url: 'nope', events: [] } });
    await call('DELETE', '/api/v1/admin/webhooks/{id}', `/api/v1/admin/webhooks/${id}`, { key: KEY });
    await call('DELETE', '/v1/webhooks', '/v1/webhooks', { key: KEY });
    for (const route of ROUTES) expect(checked.has(`${route.method} ${route.path}`), `${route.method} ${route.path} was exercised`).toBe(true);
  }, 60_000);
});
