import { describe, expect, it } from 'vitest';
import { attemptDelivery, LATE_FOR_SLOT_MS } from '../../lambdas/shared/domain/attempt';
import { createAdminWebhook } from '../../lambdas/shared/domain/endpoints';
import type { PaceTurn } from '../../lambdas/shared/domain/ports';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { fakePorts } from '../support/fakes';

/**
 * An attempt under a rate limit begins on its slot or not at all: woken too late (a stalled
 * event loop fires every overdue timer together), it asks for another slot instead of bunching
 * with the attempts whose slots follow.
 */
const setup = async (turns: PaceTurn[], wakeLateByMs: number[]) => {
  const f = fakePorts();
  await createTenant(f.ports, { id: 'acme' });
  const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: 'https://paced.example/', events: ['price.alert'] });
  const hook = { ...endpoint, rateLimitPerSecond: 2 };
  let now = Date.parse('2026-02-16T12:00:00.000Z');
  const asked: number[] = [];
  const lateness = [...wakeLateByMs];
  f.ports.clock = { now: () => new Date(now) };
  f.ports.pacing = {
    take: async (_t, _e, _n, at) => {
      asked.push(at.getTime());
      const turn = turns.shift()!;
      // The clock jumps to the turn, plus however late this wake-up is.
      if ('beginsAt' in turn) queueMicrotask(() => (now = turn.beginsAt.getTime() + (lateness.shift() ?? 0)));
      return turn;
    },
  };
  const event = { id: 'evt_1', tenantId: 'acme', type: 'price.alert', data: {}, createdAt: '2026-02-16T12:00:00Z' };
  return { f, hook, event, asked };
};

describe('an attempt keeps its rate-limit slot only when it begins on time', () => {
  it('on time: one turn asked, the attempt recorded at its slot', async () => {
    const slot = new Date('2026-02-16T12:00:01.025Z');
    const { f, hook, event, asked } = await setup([{ beginsAt: slot }], [LATE_FOR_SLOT_MS - 5]);
    const attempt = await attemptDelivery(f.ports, hook, event, 'dlv_1', 1, 'automatic');
    expect(asked).toHaveLength(1);
    expect(attempt).toMatchObject({ attemptedAt: slot.toISOString(), error: null });
    expect(f.http.requests).toHaveLength(1);
  });

  it('woken late: the slot is given up and another taken, and the attempt begins on that one', async () => {
    const late = new Date('2026-02-16T12:00:01.025Z');
    const next = new Date('2026-02-16T12:00:02.050Z');
    const { f, hook, event, asked } = await setup([{ beginsAt: late }, { beginsAt: next }], [400, 0]);
    const attempt = await attemptDelivery(f.ports, hook, event, 'dlv_1', 1, 'automatic');
    expect(asked).toHaveLength(2);
    expect(attempt).toMatchObject({ attemptedAt: next.toISOString() });
    expect(f.http.requests).toHaveLength(1);
  });

  it('late at every turn: nothing is sent, and it comes back as paced', async () => {
    const turns = [0, 1, 2].map((i) => ({ beginsAt: new Date(Date.parse('2026-02-16T12:00:01.025Z') + i * 1025) }));
    const { f, hook, event, asked } = await setup(turns, [300, 300, 300]);
    expect(await attemptDelivery(f.ports, hook, event, 'dlv_1', 1, 'automatic')).toEqual({ notAttempted: 'paced', waitSeconds: 1 });
    expect(asked).toHaveLength(3);
    expect(f.http.requests).toHaveLength(0);
  });
});

describe('a turn that is seconds away after a late wake', () => {
  it('is not slept on: the attempt comes back paced, nothing sent', async () => {
    const { f, hook, event, asked } = await setup([{ beginsAt: new Date('2026-02-16T12:00:01.025Z') }, { waitSeconds: 40 }], [300]);
    const started = performance.now();
    expect(await attemptDelivery(f.ports, hook, event, 'dlv_1', 1, 'automatic')).toEqual({ notAttempted: 'paced', waitSeconds: 40 });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(asked).toHaveLength(2);
    expect(f.http.requests).toHaveLength(0);
  });
});
