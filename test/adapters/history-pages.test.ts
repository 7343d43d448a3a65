import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeliveryStore, FILTERED_PAGE_READ_LIMIT } from '../../lambdas/shared/adapters/dynamo-delivery-store';
import { documentClient } from '../../lambdas/shared/aws-ports';
import { deliveryIdFor } from '../../lambdas/shared/domain/ids';
import type { Delivery } from '../../lambdas/shared/domain/model';
import { ensureTables, startDynamo } from '../../local/emulators';

/**
 * A history page reads about what it returns, however long the history behind it: read units
 * as DynamoDB reports them (dynalite computes them from item sizes, as DynamoDB does).
 */
const names = { configs: 'configs', deliveries: 'deliveries' };
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
let store: DynamoDeliveryStore;
let readUnits = 0;

/** Counts the read units of every request, as the bench does. */
const countReads = (client: DynamoDBClient) => {
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const out = await next(args);
      const consumed = (out.output as { ConsumedCapacity?: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> }).ConsumedCapacity;
      for (const c of [consumed ?? []].flat()) readUnits += c.CapacityUnits ?? 0;
      return out;
    },
    { step: 'initialize', name: 'countReads' },
  );
};

const at = (i: number) => new Date(Date.parse('2026-02-01T00:00:00Z') + i * 1000).toISOString();
const delivery = (endpointId: string, i: number, status: Delivery['status']): Delivery => {
  const eventId = `evt_${endpointId}_${i}`;
  return {
    id: deliveryIdFor(eventId, endpointId, at(i)),
    tenantId: 'acme',
    endpointId,
    eventId,
    eventType: 'price.alert',
    status,
    retryCount: status === 'failed' ? 5 : 0,
    nextAttemptAt: null,
    createdAt: at(i),
    updatedAt: at(i),
    attempts: [{ number: 1, attemptedAt: at(i), statusCode: status === 'failed' ? 500 : 200, responseTimeMs: 12, error: status === 'failed' ? 'http_status' : null, responseBody: 'ok', trigger: 'automatic' }],
  };
};

/** `n` deliveries of one endpoint, one in a hundred failed (and the three oldest). */
const seed = async (endpointId: string, n: number) => {
  const all = Array.from({ length: n }, (_, i) => delivery(endpointId, i, i < 3 || i % 100 === 50 ? 'failed' : 'succeeded'));
  await Promise.all(all.map((d) => store.createDelivery(d)));
  return all;
};

const measure = async <T>(read: () => Promise<T>): Promise<{ units: number; result: T }> => {
  readUnits = 0;
  const result = await read();
  return { units: readUnits, result };
};

let small: Delivery[];
let large: Delivery[];
beforeAll(async () => {
  dynamo = await startDynamo();
  await ensureTables(dynamo.client, names);
  const doc = documentClient(dynamo.client);
  countReads(dynamo.client);
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

  it('a page of another state reads at most 200 deliveries, and says where to go on', async () => {
    const { units, result } = await measure(() => store.listDeliveries('acme', 'wh_large', { offset: 0, limit: 20, status: 'retrying' }));
    expect(result.deliveries).toEqual([]);
    expect(result.hasMore).toBe(true);
    expect(result.nextStartingAfter).toBe(large.at(-FILTERED_PAGE_READ_LIMIT)!.id);
    const page = await measure(() => store.listDeliveries('acme', 'wh_large', { offset: 0, limit: FILTERED_PAGE_READ_LIMIT }));
    expect(units).toBeLessThanOrEqual(page.units * 1.2);
    const succeeded = await store.listDeliveries('acme', 'wh_large', { offset: 0, limit: 20, status: 'succeeded' });
    expect(succeeded.deliveries).toHaveLength(20);
    expect(succeeded.hasMore).toBe(true);
  });

  it('a failed delivery retried by hand leaves the failed-only page', async () => {
    const failed = small[0]!;
    const ref = { tenantId: 'acme', endpointId: 'wh_small', deliveryId: failed.id };
    expect(await store.beginManualRetry(ref, 1, ['failed'], at(999), at(999))).toBe(true);
    const page = await store.listDeliveries('acme', 'wh_small', { offset: 0, limit: 20, status: 'failed' });
    expect(page.deliveries.map((d) => d.id)).not.toContain(failed.id);
    expect(page.deliveries).toHaveLength(3);
  });
});
