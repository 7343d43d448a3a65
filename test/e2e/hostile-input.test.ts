import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime } from '../support/service';
import { ROUTES, routeKeyOf } from '../../lambdas/shared/http/routes';
import { LIMITS } from '../../lambdas/shared/http/schemas';
import { DUMMY_AWS } from '../../local/emulators';
import { LOCAL_TABLES, type LocalRuntime } from '../../local/runtime';
import { apiClient } from '../support/client';

/**
 * Hostile input over every route: whatever arrives, the answer is a 4xx or a success with the
 * error shape `{"error":{"code","message"}}` for the former, never a 5xx; and a refused request
 * writes nothing (both tables and the queue are compared before and after). The worker does not
 * run here, so every change to the stores is the API's own.
 */
const KEY = 'hpk_fuzz_key_0123456789abcdef0123456789';
const ADMIN = 'hpadmin_fuzz_key_0123456789';

let runtime: LocalRuntime;
let dynamo: DynamoDBClient;
let sqs: SQSClient;
const ids: Record<string, string> = { tenant_id: 'fuzz', key_id: 'key_none', recovery_id: 'rcv_none', delivery_id: 'dlv_none' };

beforeAll(async () => {
  runtime = await startTestRuntime('fuzz', {
    apiKeys: [{ tenantId: 'fuzz', key: KEY }],
    adminKey: ADMIN,
    worker: false,
    tenantRateLimit: { requests: 1_000_000, windowSeconds: 60 },
  });
  dynamo = new DynamoDBClient({ ...DUMMY_AWS, endpoint: runtime.emulators.dynamodb });
  sqs = new SQSClient({ ...DUMMY_AWS, endpoint: runtime.emulators.sqs });
  const created = await apiClient(runtime.url).call('POST', '/api/v1/admin/webhooks', {
    key: KEY,
    body: { url: 'https://fuzz.example/hook', events: ['price.alert'] },
  });
  ids.id = created.body.id;
}, 60_000);
afterAll(async () => {
  dynamo?.destroy();
  sqs?.destroy();
  await runtime?.stop();
});

/** Everything stored, but the rate-limit counters every tenant request bumps. */
const snapshot = async (): Promise<string> => {
  const items: string[] = [];
  for (const table of [LOCAL_TABLES.configs, LOCAL_TABLES.deliveries]) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.send(new ScanCommand({ TableName: table, ...(start ? { ExclusiveStartKey: start as never } : {}) }));
      for (const item of page.Items ?? []) if (!item.pk?.S?.startsWith('RATE#')) items.push(JSON.stringify(item));
      start = page.LastEvaluatedKey;
    } while (start);
  }
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: runtime.emulators.queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return JSON.stringify([items.sort(), Attributes]);
};

/** Statuses API Gateway answers itself, in its own `{"message"}` shape. */
const GATEWAY_ANSWERS = new Set([403, 404, 413]);

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

/** Path parameters: the real ids, and anything else an attacker might send. */
const pathParam = (name: string) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(ids[name] ?? 'x') },
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom('..', '%', '%ZZ', '\u0000', 'a/b', ' ', 'x'.repeat(1500), 'TENANT#fuzz', 'ENDPOINT#x', '__proto__', 'constructor'),
  );

/** Bodies: arbitrary JSON, near-valid bodies with a field replaced, raw text, depth bombs, and nothing. */
const VALID: Record<string, Record<string, unknown>> = {
  'POST /v1/webhooks/register': { url: 'https://fuzz.example/a', event_types: ['research.completed'] },
  'POST /api/v1/admin/webhooks': { url: 'https://fuzz.example/b', events: ['price.alert'] },
  'PATCH /api/v1/admin/webhooks/{id}': { events: ['price.alert'] },
  'POST /v1/events': { tenant_id: 'fuzz', type: 'price.alert', data: { a: 1 } },
  'POST /v1/events/batch': { events: [{ tenant_id: 'fuzz', type: 'price.alert', data: {} }] },
  'POST /v1/tenants': { id: 'fuzz-2' },
  'POST /api/v1/admin/webhooks/{id}/recover': { since: '2020-01-01T00:00:00Z' },
  'POST /v1/tenants/{tenant_id}/webhooks/{id}/recover': { since: '2020-01-01T00:00:00Z' },
};
const body = (key: string) => {
  const valid = VALID[key] ?? {};
  const mutated = fc
    .tuple(fc.constantFrom(...Object.keys(valid), 'extra', '__proto__'), fc.jsonValue({ maxDepth: 4 }))
    .map(([field, value]) => JSON.stringify({ ...valid, [field]: value }));
  return fc.oneof(
    { weight: 3, arbitrary: mutated },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)) },
    fc.string({ maxLength: 200 }),
    fc.constantFrom(
      deep(LIMITS.jsonDepth + 1),
      deep(5000),
      `{"data":${deep(100)}}`,
      JSON.stringify({ ...valid, url: `https://fuzz.example/${'a'.repeat(LIMITS.urlLength)}` }),
      JSON.stringify({ ...valid, events: Array.from({ length: 500 }, () => 'price.alert') }),
      JSON.stringify({ ...valid, data: { big: 'x'.repeat(300 * 1024) } }),
      JSON.stringify({ events: Array.from({ length: LIMITS.batchSize + 1 }, () => VALID['POST /v1/events']) }),
      'null',
      '',
    ),
    fc.constant(undefined),
  );
};

/** Headers, mostly sane; now and then oversized, mistyped or naming another organization. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
const headers = fc
  .record({
    'content-type': fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8', 'application/vnd.api+json'),
    ),
    'x-org-id': rarely(fc.oneof(fc.string({ maxLength: 30 }), fc.constant('y'.repeat(3000)))),
    'idempotency-key': rarely(fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constant('k'.repeat(300)))),
    'x-padding': rarely(fc.constant('p'.repeat(12_000))),
  })
  .map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>);

const auth = fc.oneof({ weight: 8, arbitrary: fc.constant('right') }, fc.constantFrom('none', 'garbage', 'long'));

// Deleting routes last, so the others meet the real webhook rather than a 404.
const ordered = [...ROUTES].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));

describe('hostile input over every route', () => {
  for (const route of ordered) {
    const key = routeKeyOf(route);
    it(`${key}: never a 5xx, and a refused request writes nothing`, async () => {
      const call = apiClient(runtime.url).call;
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      await fc.assert(
        fc.asyncProperty(fc.tuple(...names.map(pathParam)), body(key), headers, auth, async (params, raw, extra, who) => {
          let i = 0;
          const path = route.path.replace(/\{\w+\}/g, () => encodeURIComponent(params[i++]!));
          const bearer = { right: route.auth === 'platform' ? ADMIN : KEY, none: undefined, garbage: 'not-a-key', long: 'k'.repeat(5000) }[who];
          const before = await snapshot();
          const sendBody = raw !== undefined && route.method !== 'GET'; // fetch sends no body with a GET
          const res = await call(route.method, path, { ...(bearer ? { key: bearer } : {}), headers: extra, ...(sendBody ? { raw } : {}) }).catch(
            (err: Error) => ({ status: 0, headers: new Headers(), body: { transport: err.message } }),
          );
          expect(res.status, `${route.method} ${path} -> ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(200);
          expect(res.status, `${route.method} ${path} -> ${JSON.stringify(res.body)}`).toBeLessThan(500);
          if (res.status >= 400) {
            // Node's own HTTP parser answers an oversized header block with a bare 431; API
            // Gateway answers its own refusals (no route, no signature, too large) as
            // `{"message"}`; everything the handlers refuse has the service's error shape.
            if (GATEWAY_ANSWERS.has(res.status) && res.body && typeof res.body === 'object' && !('error' in res.body)) {
              expect(res.body, `${route.method} ${path}`).toEqual({ message: expect.any(String) });
            } else if (res.status !== 431 || res.body !== undefined) {
              expect(res.body, `${route.method} ${path}`).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
            }
            expect(await snapshot(), `${route.method} ${path} answered ${res.status} but wrote`).toBe(before);
          }
        }),
        { numRuns: 40, seed: 20261123 + ROUTES.indexOf(route), endOnFailure: true },
      );
    }, 120_000);
  }
});
