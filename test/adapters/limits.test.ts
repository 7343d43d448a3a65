import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDeliverySlots, DynamoEndpointPacing, DynamoRateLimiter, PACE_FRAME_MS } from '../../lambdas/shared/adapters/dynamo-limits';
import { DynamoConfigStore } from '../../lambdas/shared/adapters/dynamo-stores';
import { documentClient } from '../../lambdas/shared/aws-ports';
import type { Endpoint } from '../../lambdas/shared/domain/model';
import { ensureTables, startDynamo } from '../../local/emulators';
import { mostInAnyWindow } from '../support/windows';

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

describe('DynamoEndpointPacing on dynalite: a rate limit that holds in any one-second window', () => {
  // Attempts of four workers, counted at random moments of a few seconds, bursts at second edges among them.
  const beginTimes = async (perSecond: number, countedAt: number[]) => {
    const pacing = [0, 1, 2, 3].map(() => new DynamoEndpointPacing(doc, names.deliveries));
    const endpointId = `wh_pace_${perSecond}_${countedAt.length}`;
    const turns = await Promise.all(countedAt.map((at, i) => pacing[i % 4]!.take('acme', endpointId, perSecond, new Date(at))));
    return turns.map((turn, i) => ({ countedAt: countedAt[i]!, turn }));
  };
  const edge = Date.parse('2026-02-16T12:00:00.000Z');

  it('a burst across the edge of two seconds begins on spaced slots, never before it was counted, at most N in any window', async () => {
    // 2 a second asked; 4 counted at .9 s and 4 at 1.05 s: the calendar-second counter let 4 begin within 0.2 s.
    const counted = [900, 910, 920, 930, 1050, 1060, 1070, 1080].map((ms) => edge + ms);
    const turns = await beginTimes(2, counted);
    const begins = turns.flatMap(({ countedAt, turn }) => ('beginsAt' in turn ? [{ countedAt, at: turn.beginsAt.getTime() }] : []));
    for (const b of begins) expect(b.at).toBeGreaterThanOrEqual(b.countedAt);
    expect(mostInAnyWindow(begins.map((b) => b.at), 1000)).toBeLessThanOrEqual(2);
    // Those that found no slot wait whole seconds, told apart by their place (no herd).
    const waits = turns.flatMap(({ turn }) => ('waitSeconds' in turn ? [turn.waitSeconds] : []));
    expect(begins.length + waits.length).toBe(8);
    expect(waits.every((w) => w >= 1)).toBe(true);
    expect(new Set(waits).size).toBeGreaterThan(1);
  });

  it('holds for any limit and any moments counted (slots spaced by a frame a little over a second, for jitter)', async () => {
    for (const perSecond of [1, 3, 10, 50]) {
      const counted = Array.from({ length: perSecond * 6 }, (_, i) => edge + 10_000 * perSecond + Math.floor((i * 7919) % 4000));
      const turns = await beginTimes(perSecond, counted);
      const begins = turns.flatMap(({ countedAt, turn }) => ('beginsAt' in turn ? [{ countedAt, at: turn.beginsAt.getTime() }] : []));
      for (const b of begins) expect(b.at).toBeGreaterThanOrEqual(b.countedAt);
      // Even with each begin up to 20 ms late or early, no one-second window holds more than the limit.
      const jittered = begins.map((b, i) => b.at + (i % 2 === 0 ? 10 : -10));
      expect(mostInAnyWindow(jittered, 1000), `${perSecond}/s`).toBeLessThanOrEqual(perSecond);
      // And an attempt counted waits at most a frame plus its place's share for a slot.
      for (const b of begins) expect(b.at - b.countedAt).toBeLessThanOrEqual(2 * PACE_FRAME_MS);
    }
  });

  it('an idle endpoint\'s attempt begins within a frame: at the next frame\'s first slot', async () => {
    const [only] = await beginTimes(5, [edge + 123_456]);
    expect('beginsAt' in only!.turn).toBe(true);
    const at = (only!.turn as { beginsAt: Date }).beginsAt.getTime();
    expect(at - (edge + 123_456)).toBeGreaterThan(0);
    expect(at - (edge + 123_456)).toBeLessThanOrEqual(PACE_FRAME_MS);
    expect(at % PACE_FRAME_MS).toBe(0);
  });
});
