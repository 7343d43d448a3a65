import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeliverySlots, DynamoRateLimiter } from '../../lambdas/shared/adapters/dynamo-limits';
import { DynamoConfigStore } from '../../lambdas/shared/adapters/dynamo-stores';
import { documentClient } from '../../lambdas/shared/aws-ports';
import type { Endpoint } from '../../lambdas/shared/domain/model';
import { ensureTables, startDynamo } from '../../local/emulators';

const names = { configs: 'configs', deliveries: 'deliveries' };
let dynamo: Awaited<ReturnType<typeof startDynamo>>;
let doc: ReturnType<typeof documentClient>;

beforeAll(async () => {
  dynamo = await startDynamo();
  await ensureTables(dynamo.client, names);
  doc = documentClient(dynamo.client);
});
afterAll(() => dynamo.stop());

const clockAt = (start: number) => {
  let now = start;
  return { clock: { now: () => new Date(now) }, advance: (ms: number) => void (now += ms) };
};

describe('DynamoRateLimiter on dynalite', () => {
  it('counts a fixed window per key across instances (containers) and says how long to wait', async () => {
    const t = clockAt(Date.parse('2026-02-16T12:00:10.000Z'));
    const a = new DynamoRateLimiter(doc, names.configs, { requests: 3, windowSeconds: 60 }, t.clock);
    const b = new DynamoRateLimiter(doc, names.configs, { requests: 3, windowSeconds: 60 }, t.clock);
    expect([await a.take('tenant:acme'), await b.take('tenant:acme'), await a.take('tenant:acme')]).toEqual([0, 0, 0]);
    expect(await b.take('tenant:acme')).toBe(50); // the window ends at 12:01:00
    expect(await a.take('tenant:other')).toBe(0); // keys are independent
    t.advance(49_500);
    expect(await a.take('tenant:acme')).toBe(1);
    t.advance(1_000);
    expect(await a.take('tenant:acme')).toBe(0); // a new window
  });
});

describe('DynamoDeliverySlots on dynalite', () => {
  it('holds at most `cap` leases per endpoint across instances, and frees them on release', async () => {
    const t = clockAt(Date.parse('2026-02-16T12:00:00.000Z'));
    const one = new DynamoDeliverySlots(doc, names.deliveries, 2, 40, t.clock);
    const two = new DynamoDeliverySlots(doc, names.deliveries, 2, 40, t.clock);
    const leases = await Promise.all([one.acquire('acme', 'wh_1'), two.acquire('acme', 'wh_1'), one.acquire('acme', 'wh_1')]);
    expect(leases.filter((l) => l !== null)).toHaveLength(2);
    expect(await two.acquire('acme', 'wh_1')).toBeNull();
    expect(await two.acquire('acme', 'wh_2')).not.toBeNull(); // another endpoint has its own slots
    const held = leases.find((l) => l !== null)!;
    await one.release('acme', 'wh_1', held);
    expect(await two.acquire('acme', 'wh_1')).not.toBeNull();
  });

  it('sweeps leases that lapsed (a container that died mid-request)', async () => {
    const t = clockAt(Date.parse('2026-02-16T12:00:00.000Z'));
    const slots = new DynamoDeliverySlots(doc, names.deliveries, 1, 40, t.clock);
    expect(await slots.acquire('acme', 'wh_crash')).not.toBeNull(); // never released
    t.advance(30_000);
    expect(await slots.acquire('acme', 'wh_crash')).toBeNull();
    t.advance(11_000);
    expect(await slots.acquire('acme', 'wh_crash')).not.toBeNull();
  });
});

describe('DynamoConfigStore.rotateSecret', () => {
  const endpoint: Endpoint = {
    id: 'wh_rot',
    tenantId: 'acme',
    surface: 'admin',
    url: 'https://a.example/h',
    events: ['price.alert'],
    status: 'active',
    sealedSecret: 'v1.first',
    createdAt: '2026-02-16T12:00:00.000Z',
    updatedAt: '2026-02-16T12:00:00.000Z',
  };

  it('keeps the rotated-out secrets with their expiry, only while the current secret is the expected one', async () => {
    const store = new DynamoConfigStore(doc, names.configs);
    await store.createEndpoint(endpoint);
    const rotated = await store.rotateSecret('acme', 'wh_rot', 'v1.first', {
      sealedSecret: 'v1.second',
      previous: [{ sealedSecret: 'v1.first', expiresAt: '2026-02-17T12:00:00.000Z' }],
      updatedAt: '2026-02-16T12:00:01.000Z',
    });
    expect(rotated).toMatchObject({ sealedSecret: 'v1.second', previousSecrets: [{ sealedSecret: 'v1.first', expiresAt: '2026-02-17T12:00:00.000Z' }] });
    // A concurrent rotation that read the first secret loses.
    expect(await store.rotateSecret('acme', 'wh_rot', 'v1.first', { sealedSecret: 'v1.x', previous: [], updatedAt: 'x' })).toBeUndefined();
    const retired = await store.rotateSecret('acme', 'wh_rot', 'v1.second', { sealedSecret: 'v1.third', previous: [], updatedAt: '2026-02-16T12:00:02.000Z' });
    expect(retired?.sealedSecret).toBe('v1.third');
    expect(retired?.previousSecrets).toBeUndefined();
    expect(await store.rotateSecret('acme', 'wh_gone', 'v1.first', { sealedSecret: 'v1.x', previous: [], updatedAt: 'x' })).toBeUndefined();
  });
});
