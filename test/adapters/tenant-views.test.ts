import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capacityMeter } from '../../bench/counting';
import { DynamoDeliveryStore } from '../../lambdas/shared/adapters/dynamo-delivery-store';
import { documentClient } from '../../lambdas/shared/aws-ports';
import { deliveryIdFor } from '../../lambdas/shared/domain/ids';
import { at, deliveryRecord } from '../support/delivery-records';
import type { Delivery } from '../../lambdas/shared/domain/model';
import { ensureTables, startDynamo } from '../../local/emulators';

/**
 * The reads across a tenant's webhooks cost what they return (read units as DynamoDB reports
 * them): the failures page reads failed deliveries only, an event's lookup one item per
 * webhook, a health figure at most its sample of the window.
 */
const names = { configs: 'configs', deliveries: 'deliveries' };
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
let store: DynamoDeliveryStore;
let measure: ReturnType<typeof capacityMeter>['measure'];

const delivery = (tenantId: string, endpointId: string, i: number, status: Delivery['status']) => deliveryRecord({ tenantId, endpointId, eventId: `evt_${i}` }, i, status);

/** `n` events to each of `endpoints` webhooks of a tenant, every `failEvery`th failed. */
const seed = async (tenantId: string, endpoints: number, n: number, failEvery: number) => {
  const all = Array.from({ length: endpoints }, (_, e) => Array.from({ length: n }, (_, i) => delivery(tenantId, `wh_${e}`, i, i % failEvery === 7 ? 'failed' : 'succeeded'))).flat();
  for (let i = 0; i < all.length; i += 50) await Promise.all(all.slice(i, i + 50).map((d) => store.createDelivery(d)));
  return all;
};

let busy: Delivery[];
let quiet: Delivery[];
beforeAll(async () => {
  dynamo = await startDynamo();
  await ensureTables(dynamo.client, names);
  measure = capacityMeter(dynamo.client).measure;
  store = new DynamoDeliveryStore(documentClient(dynamo.client), names.deliveries, 30);
  busy = await seed('busy', 5, 400, 50); // 2,000 deliveries, 40 failed
  quiet = await seed('quiet', 2, 30, 10); // 60 deliveries, 6 failed
}, 120_000);
afterAll(() => dynamo?.stop());

const newestFirst = (ds: Delivery[]) => [...ds].sort((a, b) => b.id.localeCompare(a.id)).map((d) => d.id);

describe('reads across a tenant\'s webhooks', () => {
  it('a failures page reads only failed deliveries, whatever the history holds, and walks them all in order', async () => {
    const a = await measure(() => store.listTenantFailed('quiet', { limit: 20 }));
    const b = await measure(() => store.listTenantFailed('busy', { limit: 20 }));
    expect(a.result.deliveries.map((d) => d.id)).toEqual(newestFirst(quiet.filter((d) => d.status === 'failed')));
    expect(b.result.deliveries.map((d) => d.id)).toEqual(newestFirst(busy.filter((d) => d.status === 'failed')).slice(0, 20));
    expect(b.result.hasMore).toBe(true);
    expect(b.units).toBeLessThan(10); // 2,000 deliveries behind it, 40 failed
    console.log(`failures page of 20: ${b.units} read units behind 2,000 deliveries, ${a.units} behind 60`);
    const walked: string[] = [];
    let startingAfter: string | undefined;
    do {
      const page = await store.listTenantFailed('busy', { limit: 7, ...(startingAfter ? { startingAfter } : {}) });
      walked.push(...page.deliveries.map((d) => d.id));
      startingAfter = page.nextStartingAfter ?? undefined;
    } while (startingAfter);
    expect(walked).toEqual(newestFirst(busy.filter((d) => d.status === 'failed')));
  });

  it('an event\'s deliveries are one read each', async () => {
    const refs = Array.from({ length: 5 }, (_, e) => ({ tenantId: 'busy', endpointId: `wh_${e}`, deliveryId: deliveryIdFor('evt_123', `wh_${e}`, at(123)) }));
    const { units, result } = await measure(() => store.getDeliveries([...refs, { tenantId: 'busy', endpointId: 'wh_9', deliveryId: 'dlv_01aaaaaaaaaaaaaaaaaaaaaaaa' }]));
    expect(result.map((d) => d.endpointId).sort()).toEqual(['wh_0', 'wh_1', 'wh_2', 'wh_3', 'wh_4']);
    expect(units).toBeLessThanOrEqual(6);
    console.log(`event lookup over 6 webhooks (5 delivered): ${units} read units`);
  });

  it('a window of the history (health) holds only deliveries since its start, and reads at most its page', async () => {
    const since = at(380);
    const page = await store.listDeliveries('busy', 'wh_0', { offset: 0, limit: 100, since });
    expect(page.deliveries.map((d) => d.id)).toEqual(newestFirst(busy.filter((d) => d.endpointId === 'wh_0' && d.createdAt >= since)));
    expect(page.hasMore).toBe(false);
    const sample = await measure(() => store.listDeliveries('busy', 'wh_0', { offset: 0, limit: 100, since: at(0) }));
    expect(sample.result.deliveries).toHaveLength(100);
    expect(sample.result.hasMore).toBe(true);
    expect(sample.units).toBeLessThan(12);
    console.log(`health sample of 100: ${sample.units} read units`);
  });
});

describe('a data directory from before the failures view', () => {
  it('has its failed deliveries listed once the local runtime starts', async () => {
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const { keys } = await import('../../lambdas/shared/adapters/tables');
    const { shardLegacyHistory } = await import('../../local/backfill');
    const old = delivery('legacy', 'wh_old', 1, 'failed');
    const ref = { tenantId: 'legacy', endpointId: 'wh_old', deliveryId: old.id };
    // As the version before wrote it: in the endpoint's failed index only.
    await documentClient(dynamo.client).send(
      new PutCommand({ TableName: names.deliveries, Item: { ...keys.delivery(ref), failed_pk: keys.delivery(ref).pk, id: old.id, tenant_id: 'legacy', endpoint_id: 'wh_old', event_id: old.eventId, event_type: old.eventType, status: 'failed', retry_count: 5, next_attempt_at: null, created_at: old.createdAt, updated_at: old.updatedAt, attempts: [], attempt_count: 0 } }),
    );
    expect((await store.listTenantFailed('legacy', { limit: 5 })).deliveries).toEqual([]);
    expect(await shardLegacyHistory(dynamo.client, names.deliveries)).toBe(1);
    expect((await store.listTenantFailed('legacy', { limit: 5 })).deliveries.map((d) => d.id)).toEqual([old.id]);
    expect(await shardLegacyHistory(dynamo.client, names.deliveries)).toBe(0);
  });
});

describe('local data migrations', () => {
  it('run once on a data directory, which later starts only read a marker of', async () => {
    const { migrateLocalData } = await import('../../local/backfill');
    const scans: string[] = [];
    dynamo.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ScanCommand') scans.push(context.commandName);
        return next(args);
      },
      { step: 'initialize', name: 'countScans' },
    );
    expect(await migrateLocalData(dynamo.client, names)).toBe(true);
    expect(scans.length).toBeGreaterThan(0);
    scans.length = 0;
    expect(await migrateLocalData(dynamo.client, names)).toBe(false);
    expect(scans).toEqual([]);
    dynamo.client.middlewareStack.remove('countScans');
  });
});

describe('taking deliveries out of the tenant failed index', () => {
  it('leaves their records, and writes nothing for one that does not exist', async () => {
    const d = delivery('unlist', 'wh_u', 1, 'failed');
    await store.createDelivery(d);
    const ref = { tenantId: 'unlist', endpointId: 'wh_u', deliveryId: d.id };
    expect((await store.listTenantFailed('unlist', { limit: 5 })).deliveries.map((x) => x.id)).toEqual([d.id]);
    const missing = { tenantId: 'unlist', endpointId: 'wh_u', deliveryId: 'dlv_01aaaaaaaaaaaaaaaaaaaaaaaa' };
    await store.unlistTenantFailed([ref, missing]);
    expect((await store.listTenantFailed('unlist', { limit: 5 })).deliveries).toEqual([]);
    expect(await store.getDelivery(ref)).toMatchObject({ id: d.id, status: 'failed' });
    expect(await store.getDelivery(missing)).toBeUndefined();
    expect((await store.listDeliveries('unlist', 'wh_u', { offset: 0, limit: 5, status: 'failed' })).deliveries.map((x) => x.id)).toEqual([d.id]);
  });
});

describe('a data directory whose tables predate the tenant failed index', () => {
  it('gets the index added when the local runtime starts, and its failures listed', async () => {
    const { CreateTableCommand, DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
    const { TABLE_KEYS } = await import('../../lambdas/shared/adapters/tables');
    const old = { configs: 'configs-old', deliveries: 'deliveries-old' };
    const key = [{ AttributeName: 'pk', KeyType: 'HASH' as const }, { AttributeName: 'sk', KeyType: 'RANGE' as const }];
    const S = (AttributeName: string) => ({ AttributeName, AttributeType: 'S' as const });
    // As the version before created them: the due and failed indexes only.
    await dynamo.client.send(new CreateTableCommand({ TableName: old.configs, KeySchema: key, AttributeDefinitions: [S('pk'), S('sk')], BillingMode: 'PAY_PER_REQUEST' }));
    await dynamo.client.send(
      new CreateTableCommand({
        TableName: old.deliveries,
        KeySchema: key,
        AttributeDefinitions: [S('pk'), S('sk'), S('due_pk'), S('due_at'), S('failed_pk')],
        GlobalSecondaryIndexes: [
          { IndexName: 'due', KeySchema: [{ AttributeName: 'due_pk', KeyType: 'HASH' }, { AttributeName: 'due_at', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
          { IndexName: 'failed', KeySchema: [{ AttributeName: 'failed_pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    // A new table takes writes once ACTIVE (dynalite, like DynamoDB, answers ResourceNotFound before: CI met it under load).
    const { waitUntilTableExists } = await import('@aws-sdk/client-dynamodb');
    for (const TableName of [old.configs, old.deliveries]) await waitUntilTableExists({ client: dynamo.client, maxWaitTime: 30 }, { TableName });
    // What it holds: a failed delivery, in the endpoint's failed index only.
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const { keys } = await import('../../lambdas/shared/adapters/tables');
    const before = delivery('upgraded', 'wh_up', 1, 'failed');
    const ref = { tenantId: 'upgraded', endpointId: 'wh_up', deliveryId: before.id };
    const item = { ...keys.delivery(ref), failed_pk: keys.delivery(ref).pk, id: before.id, tenant_id: 'upgraded', endpoint_id: 'wh_up', event_id: before.eventId, event_type: before.eventType, status: 'failed', retry_count: 5, next_attempt_at: null, created_at: before.createdAt, updated_at: before.updatedAt, attempts: [], attempt_count: 0 };
    await documentClient(dynamo.client).send(new PutCommand({ TableName: old.deliveries, Item: item }));

    await ensureTables(dynamo.client, old);
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: old.deliveries }));
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName).sort()).toEqual(['due', 'failed', TABLE_KEYS.tenantFailedIndex.name, TABLE_KEYS.tenantItemsIndex.name].sort());
    const upgraded = new DynamoDeliveryStore(documentClient(dynamo.client), old.deliveries, 30);
    expect(await upgraded.getDelivery(ref)).toMatchObject({ id: before.id, status: 'failed' });
    const { migrateLocalData } = await import('../../local/backfill');
    expect(await migrateLocalData(dynamo.client, old)).toBe(true);
    const d = delivery('upgraded', 'wh_up', 2, 'failed');
    await upgraded.createDelivery(d);
    expect((await upgraded.listTenantFailed('upgraded', { limit: 5 })).deliveries.map((x) => x.id)).toEqual([d.id, before.id]);
  });

  it('finishes a rebuild a crash cut short: the items aside, the table gone', async () => {
    const { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, PutItemCommand, waitUntilTableExists, waitUntilTableNotExists } = await import('@aws-sdk/client-dynamodb');
    const { ensureTableShape } = await import('../../local/table-rebuild');
    // Tables are created and deleted asynchronously (dynalite as DynamoDB): an item put into a table still CREATING is refused.
    const waiter = { client: dynamo.client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 };
    const names2 = { configs: 'configs-cut', deliveries: 'deliveries-cut' };
    await ensureTables(dynamo.client, names2);
    // The side table with the items, the table dropped: where a crash after the drop leaves it.
    const definition = { TableName: 'deliveries-cut.rebuild', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }, { AttributeName: 'sk', KeyType: 'RANGE' as const }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }, { AttributeName: 'sk', AttributeType: 'S' as const }], BillingMode: 'PAY_PER_REQUEST' as const };
    await dynamo.client.send(new CreateTableCommand(definition));
    await waitUntilTableExists(waiter, { TableName: definition.TableName });
    await dynamo.client.send(new PutItemCommand({ TableName: definition.TableName, Item: { pk: { S: 'P' }, sk: { S: 'S' }, kept: { S: 'yes' } } }));
    await dynamo.client.send(new DeleteTableCommand({ TableName: names2.deliveries }));
    await waitUntilTableNotExists(waiter, { TableName: names2.deliveries });
    await ensureTables(dynamo.client, names2);
    const { GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    expect((await dynamo.client.send(new GetItemCommand({ TableName: names2.deliveries, Key: { pk: { S: 'P' }, sk: { S: 'S' } } }))).Item?.kept).toEqual({ S: 'yes' });
    await expect(dynamo.client.send(new DescribeTableCommand({ TableName: definition.TableName }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await ensureTableShape(dynamo.client, { ...definition, TableName: names2.configs })).toBe(false);
  });
});
