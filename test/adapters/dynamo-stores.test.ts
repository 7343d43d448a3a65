import { parseExact, stringifyExact } from '../../lambdas/shared/domain/exact-json';
import type { JsonValue } from '../../lambdas/shared/domain/python-json';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeliveryStore } from '../../lambdas/shared/adapters/dynamo-delivery-store';
import { DynamoConfigStore } from '../../lambdas/shared/adapters/dynamo-stores';
import { tenantRetention } from '../../lambdas/shared/adapters/tenant-retention';
import { keys } from '../../lambdas/shared/adapters/tables';
import { documentClient } from '../../lambdas/shared/aws-ports';
import { deliveryIdFor } from '../../lambdas/shared/domain/ids';
import type { Delivery, Endpoint } from '../../lambdas/shared/domain/model';
import { ensureTables, startDynamo } from '../../local/emulators';

const names = { configs: 'configs', deliveries: 'deliveries' };
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
let config: DynamoConfigStore;
let deliveries: DynamoDeliveryStore;

beforeAll(async () => {
  dynamo = await startDynamo();
  await ensureTables(dynamo.client, names);
  await ensureTables(dynamo.client, names); // idempotent on restart
  const doc = documentClient(dynamo.client);
  config = new DynamoConfigStore(doc, names.configs);
  deliveries = new DynamoDeliveryStore(doc, names.deliveries, 30);
});
afterAll(() => dynamo.stop());

const endpoint = (over: Partial<Endpoint> = {}): Endpoint => ({
  id: 'wh_1',
  tenantId: 'acme',
  surface: 'admin',
  url: 'https://a.example/h',
  events: ['price.alert'],
  status: 'active',
  sealedSecret: 'v1.sealed',
  createdAt: '2026-02-16T12:00:00.000Z',
  updatedAt: '2026-02-16T12:00:00.000Z',
  ...over,
});

const delivery = (id: string, createdAt: string, over: Partial<Delivery> = {}): Delivery => ({
  id,
  tenantId: 'acme',
  endpointId: 'wh_1',
  eventId: `evt_${id}`,
  eventType: 'price.alert',
  status: 'succeeded',
  retryCount: 0,
  nextAttemptAt: null,
  createdAt,
  updatedAt: createdAt,
  attempts: [
    { number: 1, attemptedAt: createdAt, statusCode: 200, responseTimeMs: 12, error: null, responseBody: 'ok', trigger: 'automatic' },
  ],
  ...over,
});

describe("an event's payload erased (issue 28)", () => {
  it('leaves a tombstone (made when nothing was stored) and marks its deliveries; the delivery records stay', async () => {
    const created = '2026-02-16T12:00:00.000Z';
    await deliveries.putEvent({ id: 'evt_er1', tenantId: 'erase', type: 'price.alert', data: { card: '4242' }, createdAt: created, requestHash: 'h1', idempotencyKey: 'k' });
    await deliveries.eraseEventData('erase', 'evt_er1', { type: 'price.alert', createdAt: created }, '2026-02-17T00:00:00.000Z');
    expect(await deliveries.getEvent('erase', 'evt_er1')).toEqual({ id: 'evt_er1', tenantId: 'erase', type: 'price.alert', data: null, createdAt: created, requestHash: 'h1', idempotencyKey: 'k', erasedAt: '2026-02-17T00:00:00.000Z' });
    await deliveries.eraseEventData('erase', 'evt_er2', { type: 'price.alert', createdAt: created }, '2026-02-17T00:00:00.000Z');
    expect(await deliveries.getEvent('erase', 'evt_er2')).toMatchObject({ id: 'evt_er2', type: 'price.alert', data: null, erasedAt: '2026-02-17T00:00:00.000Z' });
    const id = deliveryIdFor('evt_er1', 'wh_1', created);
    await deliveries.createDelivery(delivery(id, created, { tenantId: 'erase', eventId: 'evt_er1' }));
    const ref = { tenantId: 'erase', endpointId: 'wh_1', deliveryId: id };
    await deliveries.markEventErased([ref, { ...ref, deliveryId: deliveryIdFor('evt_none', 'wh_1', created) }], '2026-02-17T00:00:00.000Z');
    expect(await deliveries.getDelivery(ref)).toMatchObject({ id, status: 'succeeded', eventErasedAt: '2026-02-17T00:00:00.000Z' });
  });
});

describe("a tenant's own retention (issue 28)", () => {
  it('is the TTL of what is written for it from then on (within the minute a container keeps it); what is stored keeps its own', async () => {
    const doc = documentClient(dynamo.client);
    let now = 1_000_000;
    const store = new DynamoDeliveryStore(doc, names.deliveries, tenantRetention(config, 30, () => now));
    await config.createTenant({ id: 'kept', name: 'Kept', createdAt: '2026-01-01T00:00:00Z' });
    expect(await config.setTenantRetention('kept', 7)).toMatchObject({ id: 'kept', retentionDays: 7 });
    expect(await config.setTenantRetention('nobody', 7)).toBeUndefined();
    const ttlOf = async (tenantId: string, id: string) =>
      (await doc.send(new GetCommand({ TableName: names.deliveries, Key: keys.delivery({ tenantId, endpointId: 'wh_1', deliveryId: id }) }))).Item?.expires_at;
    const created = '2026-02-16T12:00:00.000Z';
    const base = Date.parse(created) / 1000;
    const first = deliveryIdFor('evt_r1', 'wh_1', created);
    await store.createDelivery(delivery(first, created, { tenantId: 'kept' }));
    expect(await ttlOf('kept', first)).toBe(base + 7 * 86_400);
    const other = deliveryIdFor('evt_r2', 'wh_1', created);
    await store.createDelivery(delivery(other, created, { tenantId: 'plain' }));
    expect(await ttlOf('plain', other)).toBe(base + 30 * 86_400);
    await config.setTenantRetention('kept', 90);
    const within = deliveryIdFor('evt_r3', 'wh_1', created);
    await store.createDelivery(delivery(within, created, { tenantId: 'kept' }));
    expect(await ttlOf('kept', within)).toBe(base + 7 * 86_400); // the container's minute
    now += 61_000;
    const after = deliveryIdFor('evt_r4', 'wh_1', created);
    await store.createDelivery(delivery(after, created, { tenantId: 'kept' }));
    expect(await ttlOf('kept', after)).toBe(base + 90 * 86_400);
    expect(await ttlOf('kept', first)).toBe(base + 7 * 86_400);
    await config.setTenantRetention('kept', null);
    expect((await config.getTenant('kept'))?.retentionDays).toBeUndefined();
  });
});

describe('DynamoConfigStore on dynalite', () => {
  it('keeps receiver auth and credential headers sealed as given, and notes a certificate notice once per certificate', async () => {
    const sealed = (s: string) => ({ sealed: `v1.${s}`, setAt: '2026-02-16T12:00:00.000Z' });
    const info = { subject: 'CN=a', issuer: 'CN=ca', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2026-03-01T00:00:00.000Z', fingerprint256: 'AA:BB' };
    const e = endpoint({ id: 'wh_auth', tenantId: 'auth-tenant', auth: { type: 'mtls', certificate: 'PEM', privateKey: sealed('key'), caBundle: 'CA', info }, sensitiveHeaders: { 'X-Api-Key': sealed('hdr') } });
    await config.createEndpoint(e);
    expect(await config.getEndpoint('auth-tenant', 'wh_auth')).toEqual(e);
    expect(await config.noteCertificateNotice('auth-tenant', 'wh_auth', 'CC:DD')).toBe(false); // not its certificate
    expect(await config.noteCertificateNotice('auth-tenant', 'wh_auth', 'AA:BB')).toBe(true);
    expect(await config.noteCertificateNotice('auth-tenant', 'wh_auth', 'AA:BB')).toBe(false);
    expect(await config.noteCertificateNotice('auth-tenant', 'wh_missing', 'AA:BB')).toBe(false);
    const oauth = { type: 'oauth2_client_credentials' as const, tokenUrl: 'https://idp/t', clientId: 'c', clientSecret: sealed('cs'), scope: 's', clientAuth: 'client_secret_post' as const };
    const updated = await config.updateEndpoint('auth-tenant', 'wh_auth', { auth: oauth, sensitiveHeaders: {}, updatedAt: '2026-02-17T00:00:00.000Z' });
    expect(updated).toMatchObject({ auth: oauth, certificateNoticeFor: 'AA:BB' });
    expect(updated!.sensitiveHeaders).toBeUndefined();
    expect((await config.updateEndpoint('auth-tenant', 'wh_auth', { auth: null, updatedAt: '2026-02-17T00:00:00.000Z' }))!.auth).toBeUndefined();
  });

  it('creates a tenant once and swaps the account pointer conditionally', async () => {
    expect(await config.createTenant({ id: 'acme', name: 'Acme', createdAt: '2026-01-01T00:00:00Z' })).toBe(true);
    expect(await config.createTenant({ id: 'acme', name: 'Again', createdAt: '2026-01-01T00:00:00Z' })).toBe(false);
    expect(await config.swapAccountWebhook('acme', undefined, 'wh_a')).toBe(true);
    expect(await config.swapAccountWebhook('acme', undefined, 'wh_b')).toBe(false);
    expect(await config.swapAccountWebhook('acme', 'wh_a', 'wh_b')).toBe(true);
    expect((await config.getTenant('acme'))?.accountWebhookId).toBe('wh_b');
    expect(await config.swapAccountWebhook('acme', 'wh_b', undefined)).toBe(true);
    expect((await config.getTenant('acme'))?.accountWebhookId).toBeUndefined();
    expect(await config.swapAccountWebhook('nobody', undefined, 'wh_x')).toBe(false);
  });

  it('stores API keys by hash, lists and deletes them', async () => {
    const key = { keyId: 'key_1', tenantId: 'acme', keyHash: 'h'.repeat(64), createdAt: '2026-01-01T00:00:00Z' };
    await config.putApiKey(key);
    expect(await config.findApiKey(key.keyHash)).toEqual(key);
    expect(await config.listApiKeys('acme')).toEqual([key]);
    await config.deleteApiKey(key);
    expect(await config.findApiKey(key.keyHash)).toBeUndefined();
    expect(await config.listApiKeys('acme')).toEqual([]);
  });

  it('creates, lists per tenant, updates (null events kept) and deletes endpoints', async () => {
    await config.createEndpoint(endpoint());
    await config.createEndpoint(endpoint({ id: 'wh_2', surface: 'account', events: null }));
    await config.createEndpoint(endpoint({ id: 'wh_9', tenantId: 'globex' }));
    await expect(config.createEndpoint(endpoint())).rejects.toThrow();
    expect((await config.listEndpoints('acme')).map((e) => e.id).sort()).toEqual(['wh_1', 'wh_2']);
    expect(await config.getEndpoint('acme', 'wh_2')).toMatchObject({ events: null, surface: 'account' });
    expect(await config.getEndpoint('globex', 'wh_1')).toBeUndefined();
    const updated = await config.updateEndpoint('acme', 'wh_2', { url: 'https://b.example/', events: ['price.alert'], updatedAt: 'later' });
    expect(updated).toMatchObject({ url: 'https://b.example/', events: ['price.alert'], updatedAt: 'later', status: 'active' });
    expect(await config.updateEndpoint('acme', 'wh_2', { events: null, updatedAt: 'later2' })).toMatchObject({ events: null });
    expect(await config.updateEndpoint('globex', 'wh_2', { status: 'disabled', updatedAt: 'x' })).toBeUndefined();
    expect(await config.deleteEndpoint('acme', 'wh_2')).toMatchObject({ id: 'wh_2', tenantId: 'acme' });
    expect(await config.deleteEndpoint('acme', 'wh_2')).toBeUndefined();
  });
});

describe('DynamoDeliveryStore on dynalite', () => {
  it('stores an event once with its exact data, and reads it back', async () => {
    const text = '{"n":1e-5,"big":12345678901234567890,"f":1.0,"z":-0.0,"i":7,"s":"Zoë","empty":"","deep":{"a":[[[[{"b":null}]]]]}}';
    const event = { id: 'evt_1', tenantId: 'acme', type: 'price.alert', data: parseExact(text) as JsonValue, createdAt: '2026-02-16T12:00:00Z', requestHash: 'h' };
    expect(await deliveries.putEvent(event)).toBe(true);
    expect(await deliveries.putEvent({ ...event, data: {} })).toBe(false);
    const read = (await deliveries.getEvent('acme', 'evt_1'))!;
    expect({ ...read, data: undefined }).toEqual({ ...event, data: undefined });
    expect(stringifyExact(read.data)).toBe(text); // every number as it was written
    expect(await deliveries.getEvent('globex', 'evt_1')).toBeUndefined();
  });

  it('stores event data deflated when that is smaller (write units go by item size), and reads it back exactly', async () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ sku: `SKU-${1000 + i}`, name: 'Organic cotton t-shirt', price: 19.99, quantity: i % 3, currency: 'EUR' }));
    const data = parseExact(stringifyExact({ order_id: 'ord_8f2a', customer: { id: 'cus_42', email: 'ada@example.com' }, items, total: 12345678901234567890n })) as JsonValue;
    const event = { id: 'evt_big', tenantId: 'acme', type: 'order.paid', data, createdAt: '2026-02-16T12:00:00Z', requestHash: 'h' };
    expect(await deliveries.putEvent(event)).toBe(true);
    const { Item } = await documentClient(dynamo.client).send(new GetCommand({ TableName: names.deliveries, Key: { pk: 'EVENT#acme#evt_big', sk: 'EVENT' } }));
    expect(Item!.data_json).toBeUndefined();
    expect(Item!.data_z).toBeInstanceOf(Uint8Array);
    expect((Item!.data_z as Uint8Array).byteLength * 3).toBeLessThan(Buffer.byteLength(stringifyExact(data)));
    expect(stringifyExact((await deliveries.getEvent('acme', 'evt_big'))!.data)).toBe(stringifyExact(data));
    // A small event stays text: deflating it would not save a byte.
    await deliveries.putEvent({ ...event, id: 'evt_small', data: { a: 1 } });
    const small = await documentClient(dynamo.client).send(new GetCommand({ TableName: names.deliveries, Key: { pk: 'EVENT#acme#evt_small', sk: 'EVENT' } }));
    expect(small.Item!.data_json).toBe('{"a":1}');
  });

  it('records a delivery once and pages the history newest first, saying whether more follow', async () => {
    for (let i = 0; i < 25; i++) {
      const at = new Date(Date.UTC(2026, 1, 16, 12, 0, i)).toISOString();
      expect(await deliveries.createDelivery(delivery(`dlv_${String(i).padStart(2, '0')}`, at))).toBe(true);
    }
    expect(await deliveries.createDelivery(delivery('dlv_00', '2026-02-17T00:00:00.000Z'))).toBe(false);
    await deliveries.createDelivery(delivery('dlv_other', '2026-02-16T13:00:00.000Z', { endpointId: 'wh_2' }));
    const first = await deliveries.listDeliveries('acme', 'wh_1', { offset: 0, limit: 10 });
    expect(first).toMatchObject({ hasMore: true, nextStartingAfter: 'dlv_15' });
    expect(first.deliveries.map((d) => d.id)).toEqual(Array.from({ length: 10 }, (_, i) => `dlv_${String(24 - i).padStart(2, '0')}`));
    const last = await deliveries.listDeliveries('acme', 'wh_1', { offset: 20, limit: 10 });
    expect(last.deliveries.map((d) => d.id)).toEqual(['dlv_04', 'dlv_03', 'dlv_02', 'dlv_01', 'dlv_00']);
    expect(last).toMatchObject({ hasMore: false, nextStartingAfter: null });
    expect(await deliveries.listDeliveries('globex', 'wh_1', { offset: 0, limit: 10 })).toEqual({ deliveries: [], hasMore: false, nextStartingAfter: null });
    const ref = { tenantId: 'acme', endpointId: 'wh_1', deliveryId: 'dlv_03' };
    expect(await deliveries.getDelivery(ref)).toEqual(delivery('dlv_03', new Date(Date.UTC(2026, 1, 16, 12, 0, 3)).toISOString()));
    expect(await deliveries.getDelivery({ ...ref, endpointId: 'wh_2' })).toBeUndefined();
    expect(await deliveries.getDelivery({ ...ref, tenantId: 'globex' })).toBeUndefined();
  });

  it('orders the history by event time to the millisecond, newest first', async () => {
    const times = ['2026-03-01T10:00:00.900Z', '2026-03-01T10:00:00.100Z', '2026-03-01T10:00:00.500Z', '2026-03-01T09:59:59.999Z'];
    for (const [i, at] of times.entries()) {
      await deliveries.createDelivery(delivery(deliveryIdFor(`evt_${i}`, 'wh_order', at), at, { endpointId: 'wh_order', eventId: `evt_${i}` }));
    }
    const page = await deliveries.listDeliveries('acme', 'wh_order', { offset: 0, limit: 10 });
    expect(page.deliveries.map((d) => d.eventId)).toEqual(['evt_0', 'evt_2', 'evt_1', 'evt_3']);
  });

  it('finds which deliveries exist, beyond one BatchGet page', async () => {
    const ids = [...Array.from({ length: 150 }, (_, i) => `dlv_missing_${i}`), 'dlv_00', 'dlv_24'];
    const refs = (tenantId: string) => ids.map((deliveryId) => ({ tenantId, endpointId: 'wh_1', deliveryId }));
    expect([...(await deliveries.existingDeliveryIds(refs('acme')))].sort()).toEqual(['dlv_00', 'dlv_24']);
    expect((await deliveries.existingDeliveryIds(refs('globex'))).size).toBe(0);
  });
});

describe('tenant existence', () => {
  it('is read once per tenant and container, and never remembers a no', async () => {
    const doc = documentClient(dynamo.client);
    const store = new DynamoConfigStore(doc, names.configs);
    let gets = 0;
    dynamo.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetItemCommand') gets++;
        return next(args);
      },
      { step: 'initialize', name: 'countGets' },
    );
    expect(await store.tenantExists('later')).toBe(false);
    expect(await store.tenantExists('later')).toBe(false);
    expect(gets).toBe(2);
    await store.createTenant({ id: 'later', name: 'Later', createdAt: '2026-01-01T00:00:00Z' });
    expect(await store.tenantExists('later')).toBe(true);
    expect(await store.tenantExists('later')).toBe(true);
    expect(gets).toBe(3);
    dynamo.client.middlewareStack.remove('countGets');
  });
});

describe('the publish path\'s reads of a tenant', () => {
  it('one read tells whether a tenant exists and whether it has ordered endpoints; then nothing until the ten seconds are up', async () => {
    const doc = documentClient(dynamo.client);
    const reads: string[] = [];
    doc.middlewareStack.add((next, context) => async (args) => {
      reads.push(String(context.commandName));
      return next(args);
    });
    const store = new DynamoConfigStore(doc, names.configs);
    await store.createTenant({ id: 'routed', name: 'routed', createdAt: '2026-02-16T12:00:00.000Z' });
    await store.countOrderedEndpoints('routed', 1);
    reads.length = 0;
    expect(await store.tenantExists('routed')).toBe(true);
    expect(await store.hasOrderedEndpoints('routed')).toBe(true);
    expect(await store.tenantExists('routed')).toBe(true);
    expect(reads).toEqual(['GetItemCommand']);
    expect(await store.tenantExists('nobody')).toBe(false);
    expect(await store.hasOrderedEndpoints('nobody')).toBe(false);
    expect(reads).toHaveLength(2);
  });
});
