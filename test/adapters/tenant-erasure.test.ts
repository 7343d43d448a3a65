import { PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capacityMeter } from '../../bench/counting';
import { DynamoDeliveryStore } from '../../lambdas/shared/adapters/dynamo-delivery-store';
import { DynamoConfigStore } from '../../lambdas/shared/adapters/dynamo-stores';
import { keys, TABLE_KEYS } from '../../lambdas/shared/adapters/tables';
import { DynamoErasureStore } from '../../lambdas/shared/adapters/tenant-erasure-store';
import { documentClient } from '../../lambdas/shared/aws-ports';
import type { Endpoint } from '../../lambdas/shared/domain/model';
import type { EraseMessage, Ports } from '../../lambdas/shared/domain/ports';
import { continueErasure, requestTenantErasure } from '../../lambdas/shared/domain/tenant-erasure';
import { FULL_SCOPE } from '../../lambdas/shared/domain/portal-scope';
import { ensureTables, startDynamo } from '../../local/emulators';
import { deliveryRecord } from '../support/delivery-records';

/**
 * The erasure's store on dynalite, step by step (`../e2e/tenant-erasure.test.ts` runs it whole
 * through the local runtime): what an erasure reads follows what it deletes, never the tables
 * (a tenant beside one a hundred times its size costs the same); a step run twice deletes
 * nothing twice and the erasure still ends; a data directory from before erasure gets the
 * index keys and markers the erasure needs.
 */
const names = { configs: 'configs', deliveries: 'deliveries' };
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
let measure: ReturnType<typeof capacityMeter>['measure'];
let configs: DynamoConfigStore;
let history: DynamoDeliveryStore;

const endpoint = (tenantId: string, id: string): Endpoint => ({
  id,
  tenantId,
  surface: 'admin',
  url: `https://${id}.example/h`,
  events: ['price.alert'],
  status: 'active',
  sealedSecret: `v1.${'s'.repeat(120)}`,
  createdAt: '2026-02-16T12:00:00.000Z',
  updatedAt: '2026-02-16T12:00:00.000Z',
});

/** A tenant with a webhook, `n` deliveries to it and `n` stored events. */
const seed = async (tenantId: string, n: number) => {
  await configs.createTenant({ id: tenantId, name: tenantId, createdAt: '2026-02-16T12:00:00.000Z' });
  await configs.createEndpoint(endpoint(tenantId, 'wh_1'));
  for (let i = 0; i < n; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, n - i) }, async (_, j) => {
        const d = deliveryRecord({ tenantId, endpointId: 'wh_1', eventId: `evt_${i + j}` }, i + j, 'succeeded');
        await history.createDelivery(d);
        await history.putEvent({ id: d.eventId, tenantId, type: 'price.alert', data: { i: i + j, note: 'x'.repeat(200) }, createdAt: d.createdAt, requestHash: 'h' });
      }),
    );
  }
};

/** Ports enough for an erasure, its queue a list the test drains (or replays). */
const erasurePorts = (settings: Partial<Ports['settings']> = {}) => {
  const sent: EraseMessage[] = [];
  const ports = {
    clock: { now: () => new Date('2026-02-17T00:00:00.000Z') },
    tenants: configs,
    erasures: new DynamoErasureStore(documentClient(dynamo.client), names.configs, names.deliveries, 30),
    queue: { send: async (m: EraseMessage) => void sent.push(m) },
    retries: { cancel: async () => false },
    settings: { erasureStepItems: 50, erasureRatePerSecond: 1000, erasureSettleSeconds: 0, ...settings },
  } as unknown as Ports;
  return { ports, sent };
};

/** Erases a tenant to the end: every step the queue receives, in turn. Answers the steps. */
const eraseWhole = async (tenantId: string) => {
  const { ports, sent } = erasurePorts();
  await requestTenantErasure(ports, tenantId, { actor: { type: 'platform', id: 'arn:aws:iam::000000000000:user/test' }, source: { ip: null, userAgent: null } });
  let steps = 0;
  for (let m = sent.shift(); m; m = sent.shift()) {
    await continueErasure(ports, m);
    steps++;
  }
  return { steps, erasure: (await ports.erasures.getErasure(tenantId))! };
};

const itemsOf = async (tenantId: string) => {
  const db = documentClient(dynamo.client);
  const found: string[] = [];
  for (const table of [names.configs, names.deliveries]) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) if (JSON.stringify(item).includes(tenantId)) found.push(`${item.pk} ${item.sk}`);
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return found;
};

beforeAll(async () => {
  dynamo = await startDynamo();
  await ensureTables(dynamo.client, names);
  measure = capacityMeter(dynamo.client).measure;
  configs = new DynamoConfigStore(documentClient(dynamo.client), names.configs);
  history = new DynamoDeliveryStore(documentClient(dynamo.client), names.deliveries, 30);
}, 60_000);
afterAll(() => dynamo?.stop());

describe('a tenant\'s erasure, step by step', () => {
  it('reads what it deletes: a tenant beside one a hundred times its size costs what it costs alone', async () => {
    await seed('alone', 40);
    const alone = await measure(() => eraseWhole('alone'));
    await seed('small', 40);
    await seed('huge', 4000);
    const beside = await measure(() => eraseWhole('small'));
    expect(alone.result.erasure.counts).toMatchObject({ webhooks: 1, deliveries: 40, events: 40 });
    expect(beside.result.erasure.counts).toMatchObject({ webhooks: 1, deliveries: 40, events: 40 });
    expect(beside.units).toBeLessThanOrEqual(alone.units * 1.1);
    expect(await itemsOf('small')).toEqual(['ERASURE#small ERASURE']);
    expect((await itemsOf('huge')).length).toBe(1 + 1 + 1 + 4000 + 4000); // tenant, webhook, pointer, deliveries, events
    // Capacity units a deleted item (reads and writes, the receipt's too), for docs/scale.md.
    const perItem = beside.units / (40 * 2 + 3);
    console.log(`erasure: ${beside.units.toFixed(1)} capacity units for ${40 * 2 + 3} items (${perItem.toFixed(2)} an item), ${beside.result.steps} steps`);
    expect(perItem).toBeLessThan(3);
  }, 120_000);

  it('a step run twice (its message redelivered after a crash) deletes nothing twice, and the erasure ends with exact counts', async () => {
    await seed('twice', 30);
    const { ports, sent } = erasurePorts({ erasureStepItems: 7 });
    await requestTenantErasure(ports, 'twice', { actor: { type: 'platform', id: 'arn:test' }, source: { ip: null, userAgent: null } });
    let replayed = 0;
    for (let m = sent.shift(); m; m = sent.shift()) {
      await continueErasure(ports, m);
      // Every third step comes back: its deletes were made, its next step was queued.
      if (replayed++ % 3 === 0) await continueErasure(ports, m);
    }
    const erasure = (await ports.erasures.getErasure('twice'))!;
    expect(erasure.status).toBe('done');
    expect(erasure.counts).toMatchObject({ webhooks: 1, deliveries: 30, events: 30, api_keys: 0 });
    expect(await itemsOf('twice')).toEqual(['ERASURE#twice ERASURE']);
    // A step of an erasure already done does nothing.
    await continueErasure(ports, { kind: 'erase', tenantId: 'twice', phase: 'keys' });
    expect((await ports.erasures.getErasure('twice'))!.counts).toEqual(erasure.counts);
  }, 60_000);

  it('what a request in flight at the mark writes after the first pass (a key, a link, a webhook) is erased by the pass after the settle', async () => {
    await seed('raced', 3);
    const { ports, sent } = erasurePorts({ erasureSettleSeconds: 90 });
    await requestTenantErasure(ports, 'raced', { actor: { type: 'platform', id: 'arn:test' }, source: { ip: null, userAgent: null } });
    let m = sent.shift();
    for (; m && m.phase !== 'settled-keys'; m = sent.shift()) await continueErasure(ports, m);
    expect(m?.phase).toBe('settled-keys');
    // The first pass is done; the next step waits for the settle (what the queue was asked).
    // Meanwhile requests that read the tenant before its mark finish their writes:
    await configs.putApiKey({ keyId: 'key_late', tenantId: 'raced', keyHash: 'late-hash', createdAt: '2026-02-17T00:00:00.000Z' });
    await configs.putPortalLink({ tokenHash: 'late-link', tenantId: 'raced', scope: FULL_SCOPE, expiresAt: '2026-02-17T01:00:00.000Z' });
    await configs.createEndpoint(endpoint('raced', 'wh_late'));
    for (; m; m = sent.shift()) await continueErasure(ports, m);
    expect(await itemsOf('raced')).toEqual(['ERASURE#raced ERASURE']);
    expect(await configs.findApiKey('late-hash')).toBeUndefined();
  }, 60_000);

  it('a data directory from before erasure: its sessions, links, pointers, events and recoveries get the index key, and a deleted webhook\'s history its marker', async () => {
    const db = documentClient(dynamo.client);
    const legacy = 'legacy';
    await configs.createTenant({ id: legacy, name: legacy, createdAt: '2026-02-16T12:00:00.000Z' });
    const put = (table: string, item: Record<string, unknown>) => db.send(new PutCommand({ TableName: table, Item: item }));
    await put(names.configs, { ...keys.apiKeyLookup('h1'), type: 'session', tenant_id: legacy, key_id: 'ses_1', key_hash: 'h1', created_at: '2026-02-16T12:00:00.000Z', ends_at: '2026-02-16T13:00:00.000Z' });
    await put(names.configs, { ...keys.portalLink('t1'), type: 'portal_link', tenant_id: legacy, read_only: false, ends_at: '2026-02-16T13:00:00.000Z' });
    await put(names.configs, { ...keys.subscription(legacy, 'price.alert', 'wh_old'), at: '2026-02-16T12:00:00.000Z' });
    await put(names.deliveries, { ...keys.event(legacy, 'evt_old'), type: 'event', id: 'evt_old', tenant_id: legacy });
    await put(names.deliveries, { ...keys.recovery(legacy, 'rcv_old'), type: 'recovery', id: 'rcv_old', tenant_id: legacy });
    const d = deliveryRecord({ tenantId: legacy, endpointId: 'wh_deleted', eventId: 'evt_old' }, 1, 'succeeded');
    await history.createDelivery(d);
    const { indexTenantItems } = await import('../../local/backfill');
    expect(await indexTenantItems(dynamo.client, names)).toBe(6);
    expect(await indexTenantItems(dynamo.client, names)).toBe(0);
    const indexed = async (table: string) => {
      let n = 0;
      for (const p of keys.tenantItemsPartitions(legacy)) {
        const { Items } = await db.send(new QueryCommand({ TableName: table, IndexName: TABLE_KEYS.tenantItemsIndex.name, KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': TABLE_KEYS.tenantItemsIndex.partitionKey }, ExpressionAttributeValues: { ':p': p } }));
        n += Items?.length ?? 0;
      }
      return n;
    };
    expect(await indexed(names.configs)).toBe(3);
    expect(await indexed(names.deliveries)).toBe(2);
    const { erasure } = await eraseWhole(legacy);
    expect(erasure.counts).toMatchObject({ portal_sessions: 1, portal_links: 1, events: 1, recoveries: 1, deliveries: 1 });
    expect(await itemsOf(legacy)).toEqual([`ERASURE#${legacy} ERASURE`]);
  }, 60_000);
});
