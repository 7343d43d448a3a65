import { describe, expect, it } from 'vitest';
import { waitUntil } from '../support/client';
import { retrySuite } from '../support/deliveries';

const KEY = 'hpk_retry_test_key_0123456789abcdef';
const ADMIN = 'hpadmin_retry_test_0123456789';
const SCHEDULE = [1, 2, 3, 4, 5];

const suite = retrySuite('retries', { key: KEY, admin: ADMIN }, {
  retrySchedule: SCHEDULE,
});
const { api, endpointFor, publish, deliveryOf, settled } = suite;

describe('the five-step schedule, compressed to 1,2,3,4,5 s', () => {
  it('a receiver that always answers 500 gets exactly six attempts spaced by the schedule; then a manual retry succeeds', async () => {
    let healthy = false;
    suite.receiver.respondWith((r) => (r.path === '/always-500' && !healthy ? { status: 500, body: 'down' } : { status: 200, body: 'ok' }));
    const hook = await endpointFor('/always-500');
    const eventId = await publish();
    const failed = await settled(hook, eventId, 'failed');
    expect(failed).toMatchObject({ retry_count: 5, next_attempt_at: null, status_code: 500 });
    expect(failed.attempts.map((a: { number: number; trigger: string }) => [a.number, a.trigger])).toEqual(
      [1, 2, 3, 4, 5, 6].map((n) => [n, 'automatic']),
    );
    const arrivals = suite.receiver.received.filter((r) => r.path === '/always-500').map((r) => r.at);
    expect(arrivals).toHaveLength(6);
    arrivals.slice(1).forEach((at, i) => {
      const gap = at - arrivals[i]!;
      expect(gap, `gap before attempt ${i + 2}`).toBeGreaterThanOrEqual(SCHEDULE[i]! * 1000 - 50);
      expect(gap, `gap before attempt ${i + 2}`).toBeLessThan(SCHEDULE[i]! * 1000 + 5000);
    });
    await new Promise((r) => setTimeout(r, 2000));
    expect(suite.receiver.received.filter((r) => r.path === '/always-500')).toHaveLength(6);

    healthy = true;
    const retry = await api('POST', `/api/v1/admin/webhooks/${hook}/deliveries/${failed.id}/retry`, { key: KEY });
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ delivery_id: failed.id, attempt: 7 });
    const done = await settled(hook, eventId, 'succeeded');
    expect(done.retry_count).toBe(6);
    expect(done.attempts.at(-1)).toMatchObject({ number: 7, trigger: 'manual', status_code: 200 });
  });

  it('a receiver that recovers on the third attempt: three attempts, succeeded, retry_count 2', async () => {
    let calls = 0;
    suite.receiver.respondWith((r) => (r.path === '/recovers' ? (++calls >= 3 ? { status: 200, body: 'ok' } : { status: 503 }) : { status: 200 }));
    const hook = await endpointFor('/recovers');
    const eventId = await publish();
    const done = await settled(hook, eventId, 'succeeded');
    expect(done.retry_count).toBe(2);
    expect(done.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([503, 503, 200]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(suite.receiver.received.filter((r) => r.path === '/recovers')).toHaveLength(3);
  });

  it('retry_count and next_attempt_at are visible while it happens', async () => {
    suite.receiver.respondWith((r) => (r.path === '/watch' ? { status: 500 } : { status: 200 }));
    const hook = await endpointFor('/watch');
    const eventId = await publish();
    const midway = await waitUntil(async () => {
      const d = await deliveryOf(hook, eventId);
      return d?.retry_count === 2 ? d : undefined;
    });
    expect(midway.status).toBe('retrying');
    expect(Date.parse(midway.next_attempt_at) - Date.parse(midway.attempts.at(-1).attempted_at)).toBe(3000);
    await settled(hook, eventId, 'failed');
  });

  it('disabling an endpoint cancels its pending retries', async () => {
    suite.receiver.respondWith((r) => (r.path === '/to-disable' ? { status: 500 } : { status: 200 }));
    const hook = await endpointFor('/to-disable');
    const eventId = await publish();
    await waitUntil(async () => ((await deliveryOf(hook, eventId))?.retry_count === 1 ? true : undefined));
    await api('PATCH', `/api/v1/admin/webhooks/${hook}`, { key: KEY, body: { status: 'disabled' } });
    const d = await settled(hook, eventId, 'failed');
    expect(d.retry_count).toBe(1);
    await new Promise((r) => setTimeout(r, 3000));
    expect(suite.receiver.received.filter((r) => r.path === '/to-disable')).toHaveLength(2);
  });

  it('bulk recover re-sends the failed deliveries of a window in the background and says how many', async () => {
    let healthy = false;
    suite.receiver.respondWith((r) => (r.path === '/bulk' && !healthy ? { status: 500 } : { status: 200 }));
    const hook = await endpointFor('/bulk', ['list.failed']);
    const since = new Date().toISOString();
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await publish('list.failed', { i }));
    for (const id of ids) await settled(hook, id, 'failed');
    healthy = true;
    const res = await api('POST', `/api/v1/admin/webhooks/${hook}/recover`, { key: KEY, body: { since } });
    expect(res.status).toBe(202);
    // Started in constant time: the worker finds the failed deliveries and counts them as it goes.
    expect(res.body).toMatchObject({ object: 'recovery', count: 0, sent: 0, status: 'running' });
    for (const id of ids) {
      const d = await settled(hook, id, 'succeeded');
      expect(d.attempts.at(-1).trigger).toBe('manual');
    }
    const done = await waitUntil(async () => {
      const r = await api('GET', `/api/v1/admin/webhooks/${hook}/recoveries/${res.body.id}`, { key: KEY });
      return r.body.status === 'done' ? r.body : undefined;
    });
    expect(done).toMatchObject({ count: 4, sent: 4 });
    const bad = await api('POST', `/api/v1/admin/webhooks/${hook}/recover`, { key: KEY, body: { since: 'yesterday' } });
    expect(bad.status).toBe(400);
  }, 120_000);
});
