import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeliveryStore, INLINE_ATTEMPTS } from '../../lambdas/shared/adapters/dynamo-delivery-store';
import { keys } from '../../lambdas/shared/adapters/tables';
import { documentClient } from '../../lambdas/shared/aws-ports';
import type { Attempt, Delivery } from '../../lambdas/shared/domain/model';
import { ensureTables, startDynamo } from '../../local/emulators';

/**
 * Manual retries and recoveries may re-send a delivery any number of times: its item keeps
 * the latest attempts, and older ones move to items of their own, so no delivery can grow past
 * DynamoDB's 400 KB item limit (dynalite refuses it as DynamoDB does), and none is lost.
 */
const names = { configs: 'configs', deliveries: 'deliveries' };
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
let store: DynamoDeliveryStore;
let doc: ReturnType<typeof documentClient>;

beforeAll(async () => {
  dynamo = await startDynamo();
  await ensureTables(dynamo.client, names);
  doc = documentClient(dynamo.client);
  store = new DynamoDeliveryStore(doc, names.deliveries, 30);
});
afterAll(() => dynamo?.stop());

const at = (n: number) => new Date(Date.parse('2026-02-16T12:00:00Z') + n * 60_000).toISOString();
/** An attempt with the largest excerpt and detail a receiver can cause. */
const attempt = (number: number): Attempt => ({
  number,
  attemptedAt: at(number),
  statusCode: 500,
  responseTimeMs: 30_000,
  error: 'http_status',
  responseBody: '€'.repeat(341), // 1,023 bytes of UTF-8
  detail: 'x'.repeat(500),
  trigger: number === 1 ? 'automatic' : 'manual',
});
const ref = { tenantId: 'acme', endpointId: 'wh_1', deliveryId: 'dlv_01kabcdefghjkmnpqrstvwxyz0' };
const delivery: Delivery = {
  id: ref.deliveryId,
  tenantId: 'acme',
  endpointId: 'wh_1',
  eventId: 'evt_1',
  eventType: 'price.alert',
  status: 'failed',
  retryCount: 0,
  nextAttemptAt: null,
  createdAt: at(1),
  updatedAt: at(1),
  attempts: [attempt(1)],
};

describe('a delivery re-sent without end', () => {
  it('keeps its latest attempts in its item and the older ones beside it: 300 attempts, every one readable, the item bounded', async () => {
    expect(await store.createDelivery(delivery)).toBe(true);
    for (let n = 2; n <= 300; n++) {
      const recorded = await store.recordAttempt(ref, n - 1, { attempt: attempt(n), status: 'failed', retryCount: 0, nextAttemptAt: null, updatedAt: at(n) });
      expect(recorded, `attempt ${n}`).toBe(true);
    }
    const { Item } = await doc.send(new GetCommand({ TableName: names.deliveries, Key: keys.delivery(ref) }));
    expect((Item!.attempts as unknown[]).length).toBe(INLINE_ATTEMPTS);
    expect(Buffer.byteLength(JSON.stringify(Item))).toBeLessThan(64 * 1024);
    const read = await store.getDelivery(ref);
    expect(read!.attempts.map((a) => a.number)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(read!.attempts[0]).toEqual(attempt(1));
    expect(read!.attempts.at(-1)).toEqual(attempt(300));
  }, 60_000);

  it('a history page lists the latest attempts and says how many there are', async () => {
    const page = await store.listDeliveries('acme', 'wh_1', { offset: 0, limit: 1 });
    expect(page.deliveries[0]!.attempts.map((a) => a.number)).toEqual(Array.from({ length: INLINE_ATTEMPTS }, (_, i) => 300 - INLINE_ATTEMPTS + 1 + i));
    expect(page.deliveries[0]!.attemptCount).toBe(300);
  });

  it('a stale writer (expected count behind) is refused and moves nothing', async () => {
    expect(await store.recordAttempt(ref, 250, { attempt: attempt(251), status: 'failed', retryCount: 0, nextAttemptAt: null, updatedAt: at(251) })).toBe(false);
    expect((await store.getDelivery(ref))!.attempts).toHaveLength(300);
  });
});
