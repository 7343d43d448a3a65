import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/**
 * The event catalogue through the local runtime (issue 28): a folder of the platform's own types,
 * one in each validation mode; a malformed publish refused with its violations in enforce mode
 * (single, batch, EventBridge) and delivered in warn mode; the catalogue read by tenants and
 * operators; a type's example sent to a webhook.
 */
const KEY = 'hpk_catalogue_test_key_0123456789abcdef';
const ADMIN = 'hpadmin_catalogue_test_0123456789';
const SCHEMA = 'https://json-schema.org/draft/2020-12/schema';
const orderSchema = {
  $schema: SCHEMA,
  type: 'object',
  properties: { order_id: { type: 'string', minLength: 1 }, total: { type: 'integer', minimum: 0 }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
  required: ['order_id', 'total'],
};
const CATALOGUE = {
  'order.paid.json': { type: 'order.paid', description: 'An order was paid.', version: 3, validation: 'enforce', schema: orderSchema, example: { order_id: 'ord_1042', total: 4200, currency: 'EUR' } },
  'order.refunded.json': { type: 'order.refunded', description: 'An order was refunded.', version: 1, validation: 'warn', schema: orderSchema, example: { order_id: 'ord_1042', total: 4200 } },
  'order.viewed.json': { type: 'order.viewed', description: 'An order page was opened.', version: 1, validation: 'off', schema: orderSchema },
};
let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];
let hook: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookpost-catalogue-e2e-'));
  for (const [file, entry] of Object.entries(CATALOGUE)) writeFileSync(join(dir, file), JSON.stringify(entry, null, 2));
  receiver = await startReceiver();
  runtime = await startTestRuntime('catalogue', { apiKeys: [{ tenantId: 'acme', key: KEY }], adminKey: ADMIN, catalogueDir: dir });
  api = apiClient(runtime.url).call;
  hook = (await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/orders`, events: ['order.paid', 'order.refunded', 'order.viewed'] } })).body.id;
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

const publish = (type: string, data: unknown) => api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'acme', type, data } });
const received = (type: string) => receiver.received.filter((r) => r.path === '/orders' && JSON.parse(r.body.toString()).event === type).map((r) => JSON.parse(r.body.toString()).data);

describe('schemas checked at publish', () => {
  it('enforce: a malformed event is refused with each violation (pointer and message), and nothing is delivered', async () => {
    const refused = await publish('order.paid', { order_id: '', total: 12.5, currency: 'euro' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'schema_violation', message: expect.stringMatching(/^data does not match the schema of order.paid \(version 3\): /) });
    expect(refused.body.error.violations).toEqual([
      { pointer: '/data/order_id', message: 'must NOT have fewer than 1 characters' },
      { pointer: '/data/total', message: 'must be integer' },
      { pointer: '/data/currency', message: 'must match pattern "^[A-Z]{3}$"' },
    ]);
    const ok = await publish('order.paid', { order_id: 'ord_7', total: 700 });
    expect(ok.status).toBe(202);
    await receiver.waitFor((r) => r.path === '/orders' && r.body.includes('ord_7'));
    expect(received('order.paid')).toEqual([{ order_id: 'ord_7', total: 700 }]);
  });

  it('enforce: a batch with one malformed event is refused whole, the pointer naming its index', async () => {
    const batch = await api('POST', '/v1/events/batch', {
      key: ADMIN,
      body: { events: [{ tenant_id: 'acme', type: 'order.paid', data: { order_id: 'ord_8', total: 800 } }, { tenant_id: 'acme', type: 'order.paid', data: { order_id: 'ord_9' } }] },
    });
    expect(batch.status).toBe(400);
    expect(batch.body.error.violations).toEqual([{ pointer: '/events/1/data/total', message: "must have required property 'total'" }]);
    // The batch's good event was not published either.
    await publish('order.viewed', { marker: 'after-batch' });
    await receiver.waitFor((r) => r.path === '/orders' && r.body.includes('after-batch'));
    expect(receiver.received.some((r) => r.body.includes('ord_8'))).toBe(false);
  });

  it('warn and off: a malformed event is accepted and delivered', async () => {
    expect((await publish('order.refunded', { total: 'all of it' })).status).toBe(202);
    expect((await publish('order.viewed', { anything: true })).status).toBe(202);
    await receiver.waitFor((r) => r.path === '/orders' && (r.body.includes('all of it') || r.body.includes('"anything"')), 2);
  });

  it('enforce on the EventBridge bus too: the entry fails (to the DLQ after its retries); a valid one is delivered', async () => {
    const eventBridge = new EventBridgeClient({ endpoint: runtime.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const out = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'hookpost', Source: 'shop', DetailType: 'order.paid', Detail: JSON.stringify({ tenant_id: 'acme', data: { order_id: 'ord_bus_bad' } }) },
          { EventBusName: 'hookpost', Source: 'shop', DetailType: 'order.paid', Detail: JSON.stringify({ tenant_id: 'acme', data: { order_id: 'ord_bus_ok', total: 1 } }) },
        ],
      }),
    );
    expect(out.Entries!.map((e) => e.ErrorCode ?? 'ok')).toEqual(['TargetInvocationFailed', 'ok']);
    await receiver.waitFor((r) => r.path === '/orders' && r.body.includes('ord_bus_ok'));
    expect(receiver.received.some((r) => r.body.includes('ord_bus_bad'))).toBe(false);
  });
});

describe('the catalogue, read', () => {
  it('tenants and operators read each type with its description, schema, version, mode and example; hookpost\'s own types follow', async () => {
    const tenant = await api('GET', '/api/v1/admin/event-types', { key: KEY });
    const operator = await api('GET', '/v1/event-types', { key: ADMIN });
    expect(operator.body).toEqual(tenant.body);
    expect(tenant.body.data.map((t: { type: string; system: boolean }) => [t.type, t.system])).toEqual([
      ['order.paid', false],
      ['order.refunded', false],
      ['order.viewed', false],
      ['webhook.disabled', true],
    ]);
    expect(tenant.body.data[0]).toEqual({ object: 'event_type', ...CATALOGUE['order.paid.json'], system: false });
    expect(tenant.body.data[2].example).toBeNull();
  });

  it("a type's example is sent to one webhook as a test; a type without one is a 400", async () => {
    const sent = await api('POST', `/api/v1/admin/webhooks/${hook}/test`, { key: KEY, body: { event_type: 'order.paid' } });
    expect(sent).toMatchObject({ status: 202, body: { type: 'order.paid' } });
    const [got] = await receiver.waitFor((r) => r.path === '/orders' && r.body.includes(sent.body.event_id));
    expect(JSON.parse(got!.body.toString())).toMatchObject({ event: 'order.paid', data: CATALOGUE['order.paid.json'].example });
    const none = await api('POST', `/api/v1/admin/webhooks/${hook}/test`, { key: KEY, body: { event_type: 'order.viewed' } });
    expect(none).toMatchObject({ status: 400, body: { error: { code: 'no_example' } } });
    expect((await api('POST', `/api/v1/admin/webhooks/${hook}/test`, { key: KEY, body: { event_type: 'nope.never' } })).status).toBe(400);
    // Without a body: hookpost's own test event, as before.
    expect((await api('POST', `/api/v1/admin/webhooks/${hook}/test`, { key: KEY })).body.type).toBe('webhook.test');
    await waitUntil(async () => ((await api('GET', `/api/v1/admin/webhooks/${hook}/deliveries`, { key: KEY })).body.data.length > 0 ? true : undefined));
  });
});
