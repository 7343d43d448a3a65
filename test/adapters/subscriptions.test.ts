import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoConfigStore } from '../../lambdas/shared/adapters/dynamo-stores';
import { documentClient } from '../../lambdas/shared/aws-ports';
import type { Endpoint } from '../../lambdas/shared/domain/model';
import { ensureTables, startDynamo } from '../../local/emulators';
import { capacityMeter } from '../../bench/counting';

/**
 * A publish reads only the endpoints subscribed to its type: a tenant with thousands of
 * endpoints and a fan-out of one costs about what a tenant with ten does (read units as
 * DynamoDB reports them).
 */
const names = { configs: 'configs', deliveries: 'deliveries' };
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
let store: DynamoConfigStore;

let measure: ReturnType<typeof capacityMeter>['measure'];

const endpoint = (tenantId: string, id: string, events: string[] | null): Endpoint => ({
  id,
  tenantId,
  surface: 'admin',
  url: `https://${id}.example/h`,
  events,
  status: 'active',
  sealedSecret: `v1.${'s'.repeat(120)}`,
  createdAt: '2026-02-16T12:00:00.000Z',
  updatedAt: '2026-02-16T12:00:00.000Z',
});

/** `n` endpoints subscribed to other types, one to `order.paid`. */
const tenantOf = async (tenantId: string, n: number) => {
  for (let i = 0; i < n - 1; i++) await store.createEndpoint(endpoint(tenantId, `wh_${i}`, [`other.${i % 7}`]));
  await store.createEndpoint(endpoint(tenantId, 'wh_paid', ['order.paid']));
};

beforeAll(async () => {
  dynamo = await startDynamo();
  await ensureTables(dynamo.client, names);
  measure = capacityMeter(dynamo.client).measure;
  store = new DynamoConfigStore(documentClient(dynamo.client), names.configs);
  await tenantOf('small', 10);
  await tenantOf('large', 1000);
}, 120_000);
afterAll(() => dynamo?.stop());

describe('subscriptions', () => {
  it('a publish to a tenant of 1,000 endpoints reads what one to a tenant of 10 does', async () => {
    const small = await measure(() => store.listSubscribed('small', 'order.paid'));
    const large = await measure(() => store.listSubscribed('large', 'order.paid'));
    expect(small.result.map((e) => e.id)).toEqual(['wh_paid']);
    expect(large.result.map((e) => e.id)).toEqual(['wh_paid']);
    expect(large.units).toBeLessThanOrEqual(small.units * 1.2);
    const all = await measure(() => store.listEndpoints('large'));
    expect(large.units * 20).toBeLessThan(all.units);
  });

  it('removes the pointers of types an endpoint left, once its change is well after them', async () => {
    await store.createEndpoint(endpoint('v', 'wh_v', ['v.one', 'v.two']));
    await store.updateEndpoint('v', 'wh_v', { events: ['v.two'], updatedAt: '2026-02-17T00:00:00.000Z' });
    const pointers = async (type: string) =>
      (await documentClient(dynamo.client).send(new QueryCommand({ TableName: names.configs, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `SUBS#v#${type}` } }))).Items ?? [];
    expect(await pointers('v.one')).toEqual([]);
    expect((await pointers('v.two')).map((p) => p.at)).toEqual(['2026-02-17T00:00:00.000Z']);
    await store.deleteEndpoint('v', 'wh_v');
    expect(await pointers('v.two')).toEqual([]);
  });

  it('follows every change of what an endpoint subscribes to, and endpoints of every type', async () => {
    await store.createEndpoint(endpoint('t', 'wh_a', ['a.one', 'a.two']));
    await store.createEndpoint(endpoint('t', 'wh_all', null));
    const ids = async (type: string) => (await store.listSubscribed('t', type)).map((e) => e.id).sort();
    expect(await ids('a.one')).toEqual(['wh_a', 'wh_all']);
    expect(await ids('b.one')).toEqual(['wh_all']);
    await store.updateEndpoint('t', 'wh_a', { events: ['b.one'], updatedAt: '2026-02-17T00:00:00.000Z' });
    expect(await ids('a.one')).toEqual(['wh_all']);
    expect(await ids('b.one')).toEqual(['wh_a', 'wh_all']);
    await store.updateEndpoint('t', 'wh_all', { events: ['a.two'], updatedAt: '2026-02-17T00:00:00.000Z' });
    expect(await ids('b.one')).toEqual(['wh_a']);
    expect(await ids('a.two')).toEqual(['wh_all']);
    await store.updateEndpoint('t', 'wh_a', { status: 'disabled', updatedAt: '2026-02-17T00:00:00.000Z' });
    expect((await store.listSubscribed('t', 'b.one')).map((e) => [e.id, e.status])).toEqual([['wh_a', 'disabled']]);
    expect(await store.deleteEndpoint('t', 'wh_a')).toMatchObject({ id: 'wh_a' });
    expect(await ids('b.one')).toEqual([]);
  });

  it('what it returns is the endpoint as stored now (a rotated secret, a health change)', async () => {
    await store.createEndpoint(endpoint('u', 'wh_r', ['r.one']));
    await store.rotateSecret('u', 'wh_r', endpoint('u', 'wh_r', null).sealedSecret, { sealedSecret: 'v1.new', previous: [], updatedAt: '2026-02-18T00:00:00.000Z' });
    await store.markFailing('u', 'wh_r', '2026-02-18T00:00:00.000Z');
    expect(await store.listSubscribed('u', 'r.one')).toEqual([await store.getEndpoint('u', 'wh_r')]);
  });
});

describe('a data directory from before subscription pointers', () => {
  it('gets the pointers its endpoints need when the local runtime starts', async () => {
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const { keys } = await import('../../lambdas/shared/adapters/tables');
    const { backfillSubscriptionPointers } = await import('../../local/backfill');
    const old = endpoint('w', 'wh_old', ['o.one']);
    // Written as an older version wrote it: the endpoint item alone.
    await documentClient(dynamo.client).send(
      new PutCommand({ TableName: names.configs, Item: { ...keys.endpoint('w', 'wh_old'), id: 'wh_old', tenant_id: 'w', surface: 'admin', url: old.url, events: old.events, status: 'active', sealed_secret: old.sealedSecret, created_at: old.createdAt, updated_at: old.updatedAt } }),
    );
    expect(await store.listSubscribed('w', 'o.one')).toEqual([]);
    expect(await backfillSubscriptionPointers(dynamo.client, names.configs)).toBeGreaterThan(0);
    expect((await store.listSubscribed('w', 'o.one')).map((e) => e.id)).toEqual(['wh_old']);
  });
});
