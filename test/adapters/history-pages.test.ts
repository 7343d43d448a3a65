import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, TABLE_KEYS } from '../../lambdas/shared/adapters/tables';
import { DynamoDeliveryStore, FILTERED_PAGE_READ_LIMIT } from '../../lambdas/shared/adapters/dynamo-delivery-store';
import { documentClient } from '../../lambdas/shared/aws-ports';
import type { Delivery } from '../../lambdas/shared/domain/model';
import { ensureTables, startDynamo } from '../../local/emulators';
import { capacityMeter } from '../../bench/counting';
import { at, deliveryRecord } from '../support/delivery-records';

/**
 * A history page reads about what it returns, however long the history behind it: read units
 * as DynamoDB reports them (dynalite computes them from item sizes, as DynamoDB does).
 */
const names = { configs: 'configs', deliveries: 'deliveries' };
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
let store: DynamoDeliveryStore;

const delivery = (endpointId: string, i: number, status: Delivery['status']) => deliveryRecord({ tenantId: 'acme', endpointId, eventId: `evt_${endpointId}_${i}` }, i, status);

/** `n` deliveries of one endpoint, one in a hundred failed (and the three oldest). */
const seed = async (endpointId: string, n: number) => {
  const all = Array.from({ length: n }, (_, i) => delivery(endpointId, i, i < 3 || i % 100 === 50 ? 'failed' : 'succeeded'));
  await Promise.all(all.map((d) => store.createDelivery(d)));
  return all;
};

let measure: ReturnType<typeof capacityMeter>['measure'];

let small: Delivery[];
let large: Delivery[];
beforeAll(async () => {
  dynamo = await startDynamo();
  await ensureTables(dynamo.client, names);
  const doc = documentClient(dynamo.client);
  measure = capacityMeter(dynamo.client).measure;
  store = new DynamoDeliveryStore(doc, names.deliveries, 30);
  small = await seed('wh_small', 60);
  large = await seed('wh_large', 1500);
}, 120_000);
afterAll(() => dynamo?.stop());

describe('history pages cost what they return', () => {
  it('the first page of 20 reads as much behind 1,500 deliveries as behind 60, and says whether more exist', async () => {
    const a = await measure(() => store.listDeliveries('acme', 'wh_small', { offset: 0, limit: 20 }));
    const b = await measure(() => store.listDeliveries('acme', 'wh_large', { offset: 0, limit: 20 }));
    expect(b.result.deliveries.map((d) => d.id)).toEqual(large.slice(-20).reverse().map((d) => d.id));
    expect(a.result.hasMore && b.result.hasMore).toBe(true);
    expect(b.units).toBeLessThanOrEqual(a.units * 1.2);
    const end = await store.listDeliveries('acme', 'wh_small', { offset: 40, limit: 20 });
    expect(end.deliveries).toHaveLength(20);
    expect(end.hasMore).toBe(false);
  });

  it('the failed-only page reads only failed deliveries', async () => {
    const a = await measure(() => store.listDeliveries('acme', 'wh_small', { offset: 0, limit: 20, status: 'failed' }));
    const b = await measure(() => store.listDeliveries('acme', 'wh_large', { offset: 0, limit: 20, status: 'failed' }));
    const failedOf = (all: Delivery[]) => all.filter((d) => d.status === 'failed').map((d) => d.id).reverse();
    expect(a.result.deliveries.map((d) => d.id)).toEqual(failedOf(small)); // 4
    expect(b.result.deliveries.map((d) => d.id)).toEqual(failedOf(large).slice(0, 18)); // 18 of 18
    expect(b.units).toBeLessThanOrEqual(a.units * 5); // 18 items against 4, not 1,500 against 60
    expect(b.units).toBeLessThan(10);
  });

  it('walks the whole history with starting_after, each page reading about a page', async () => {
    const seen: string[] = [];
    let startingAfter: string | undefined;
    let maxUnits = 0;
    for (;;) {
      const { units, result } = await measure(() => store.listDeliveries('acme', 'wh_large', { offset: 0, limit: 100, ...(startingAfter ? { startingAfter } : {}) }));
      maxUnits = Math.max(maxUnits, units);
      seen.push(...result.deliveries.map((d) => d.id));
      if (!result.hasMore) break;
      startingAfter = result.deliveries.at(-1)!.id;
    }
    expect(seen).toEqual(large.map((d) => d.id).reverse());
    const first = await measure(() => store.listDeliveries('acme', 'wh_large', { offset: 0, limit: 100 }));
    expect(maxUnits).toBeLessThanOrEqual(first.units * 1.2);
  });

  it('a page of another state reads at most 200 deliveries, says where to go on, and walking on misses nothing', async () => {
    const { units, result } = await measure(() => store.listDeliveries('acme', 'wh_large', { offset: 0, limit: 20, status: 'retrying' }));
    expect(result.deliveries).toEqual([]);
    expect(result.hasMore).toBe(true);
    const page = await measure(() => store.listDeliveries('acme', 'wh_large', { offset: 0, limit: FILTERED_PAGE_READ_LIMIT }));
    expect(units).toBeLessThanOrEqual(page.units * 1.2);
    // Walking a filtered state to the end: every matching delivery once, newest first, each page bounded.
    const walk = async (status: Delivery['status']) => {
      const seen: string[] = [];
      let next: string | null = null;
      let pages = 0;
      do {
        const { units: u, result: r } = await measure(() => store.listDeliveries('acme', 'wh_large', { offset: 0, limit: 50, status, ...(next ? { startingAfter: next } : {}) }));
        expect(u).toBeLessThanOrEqual(page.units * 1.2);
        seen.push(...r.deliveries.map((d) => d.id));
        next = r.hasMore ? r.nextStartingAfter : null;
        pages++;
      } while (next && pages < 100);
      return seen;
    };
    expect(await walk('retrying')).toEqual([]);
    expect(await walk('succeeded')).toEqual(large.filter((d) => d.status === 'succeeded').map((d) => d.id).reverse());
  });

  it('a failed delivery retried by hand leaves the failed-only page', async () => {
    const failed = small[0]!;
    const ref = { tenantId: 'acme', endpointId: 'wh_small', deliveryId: failed.id };
    expect(await store.beginManualRetry(ref, 1, ['failed'], at(999), at(999))).toBe(true);
    const page = await store.listDeliveries('acme', 'wh_small', { offset: 0, limit: 20, status: 'failed' });
    expect(page.deliveries.map((d) => d.id)).not.toContain(failed.id);
    expect(page.deliveries).toHaveLength(3);
  });

  it('spreads one endpoint\'s deliveries evenly over its partitions: a hot endpoint takes their writes together', async () => {
    const counts = await Promise.all(
      keys.historyPartitions('acme', 'wh_large').map(async (pk) => {
        const out = await documentClient(dynamo.client).send(
          new QueryCommand({ TableName: names.deliveries, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, Select: 'COUNT' }),
        );
        return out.Count ?? 0;
      }),
    );
    expect(counts).toHaveLength(TABLE_KEYS.historyShards);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1500);
    for (const c of counts) expect(c / 1500).toBeGreaterThan(0.2);
    for (const c of counts) expect(c / 1500).toBeLessThan(0.3);
  });

  it('merges the partitions into one history: any mix of states, any page size, walked to the end, gives each delivery once in order', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<Delivery['status']>('succeeded', 'failed', 'retrying', 'pending'), { maxLength: 120 }),
        fc.integer({ min: 1, max: 9 }),
        async (statuses, limit) => {
          const endpointId = `wh_prop_${run++}`;
          const all = statuses.map((status, i) => ({ ...delivery(endpointId, i, status === 'failed' ? 'failed' : 'succeeded'), status }));
          await Promise.all(all.map((d) => store.createDelivery(d)));
          for (const status of [undefined, 'failed', 'retrying', 'succeeded'] as const) {
            const seen: string[] = [];
            let next: string | null = null;
            let pages = 0;
            do {
              const page = await store.listDeliveries('acme', endpointId, { offset: 0, limit, ...(status ? { status } : {}), ...(next ? { startingAfter: next } : {}) });
              seen.push(...page.deliveries.map((d) => d.id));
              next = page.hasMore ? page.nextStartingAfter : null;
              pages++;
            } while (next && pages < 500);
            expect(seen).toEqual(all.filter((d) => status === undefined || d.status === status).map((d) => d.id).reverse());
          }
          // And by offset, a page at a time.
          const byOffset: string[] = [];
          for (let offset = 0; ; offset += limit) {
            const page = await store.listDeliveries('acme', endpointId, { offset, limit });
            byOffset.push(...page.deliveries.map((d) => d.id));
            if (!page.hasMore) break;
          }
          expect(byOffset).toEqual(all.map((d) => d.id).reverse());
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);
});

describe('a data directory from before the history was spread over partitions', () => {
  it('has its deliveries moved where they belong when the local runtime starts', async () => {
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const { shardLegacyHistory } = await import('../../local/backfill');
    const old = delivery('wh_legacy', 1, 'failed');
    const doc = documentClient(dynamo.client);
    // As an older version wrote it: one partition for the endpoint.
    await doc.send(new PutCommand({ TableName: names.deliveries, Item: { pk: 'ENDPOINT#acme#wh_legacy', sk: `DELIVERY#${old.id}`, failed_pk: 'ENDPOINT#acme#wh_legacy', id: old.id, tenant_id: 'acme', endpoint_id: 'wh_legacy', event_id: old.eventId, event_type: old.eventType, status: 'failed', retry_count: 5, next_attempt_at: null, created_at: old.createdAt, updated_at: old.updatedAt, attempts: [], attempt_count: 0 } }));
    expect((await store.listDeliveries('acme', 'wh_legacy', { offset: 0, limit: 5 })).deliveries).toEqual([]);
    expect(await shardLegacyHistory(dynamo.client, names.deliveries)).toBe(1);
    expect((await store.listDeliveries('acme', 'wh_legacy', { offset: 0, limit: 5 })).deliveries.map((d) => d.id)).toEqual([old.id]);
    expect((await store.listDeliveries('acme', 'wh_legacy', { offset: 0, limit: 5, status: 'failed' })).deliveries.map((d) => d.id)).toEqual([old.id]);
    expect(await store.getDelivery({ tenantId: 'acme', endpointId: 'wh_legacy', deliveryId: old.id })).toBeDefined();
    expect(await shardLegacyHistory(dynamo.client, names.deliveries)).toBe(0);
  });
});
