import { describe, expect, it } from 'vitest';
import { retrySuite } from '../support/deliveries';

// Faults a webhook service meets after the demo: receivers slower than the retry steps,
// retry messages lost, concurrent retries of one delivery. Each must end with every delivery
// settled and every request the receiver got in the history.
const KEY = 'hpk_faults_test_key_0123456789abcdef';
const ADMIN = 'hpadmin_faults_test_0123456789';
const SCHEDULE = [1, 2, 3, 4, 5];

const suite = retrySuite('faults', { key: KEY, admin: ADMIN }, {
  retrySchedule: SCHEDULE,
  overdueMarginSeconds: 30, // longer than any attempt here: only a lost message is overdue
  sweepIntervalSeconds: 1,
});
const { api, endpointFor, publish, historyOf, settled: settledWithin } = suite;
const settled = (webhookId: string, eventId: string, status: string, timeoutMs = 60_000) => settledWithin(webhookId, eventId, status, timeoutMs);
const hits = (path: string) => suite.receiver.received.filter((r) => r.path === path).length;

describe('no delivery strands', () => {
  it('a receiver slower than every retry step still gets all six attempts, each recorded', async () => {
    suite.receiver.respondWith((r) => (r.path === '/slow-500' ? { status: 500, delayMs: 3000 } : { status: 200 }));
    const hook = await endpointFor('/slow-500');
    const events = [await publish(), await publish(), await publish()];
    for (const id of events) {
      const d = await settled(hook, id, 'failed', 110_000);
      expect(d.retry_count).toBe(5);
      expect(d.attempts.map((a) => a.number)).toEqual([1, 2, 3, 4, 5, 6]);
    }
    await new Promise((r) => setTimeout(r, 4000));
    expect(hits('/slow-500')).toBe(18);
  }, 150_000);

  it('a delivery whose retry message is lost is found overdue by the sweep and re-driven', async () => {
    suite.receiver.respondWith(() => ({ status: 200 }));
    const hook = await endpointFor('/lost');
    const past = new Date(Date.now() - 60_000).toISOString();
    // A retrying delivery with no message on the way (as if it was deleted by hand).
    const eventId = 'evt_lost_retry_0001';
    await suite.runtime.ports.events.putEvent({ id: eventId, tenantId: 'acme', type: 'price.alert', data: { lost: true }, createdAt: past, requestHash: 'x' });
    await suite.runtime.ports.deliveries.createDelivery({
      id: 'dlv_lost_retry_0001',
      tenantId: 'acme',
      endpointId: hook,
      eventId,
      eventType: 'price.alert',
      status: 'retrying',
      retryCount: 0,
      nextAttemptAt: past,
      createdAt: past,
      updatedAt: past,
      attempts: [{ number: 1, attemptedAt: past, statusCode: 500, responseTimeMs: 3, error: 'http_status', responseBody: null, trigger: 'automatic' }],
    });
    const d = await settled(hook, eventId, 'succeeded', 20_000);
    expect(d.attempts.map((a) => a.number)).toEqual([1, 2]);
    expect(hits('/lost')).toBe(1);
  });
});

describe('every request a receiver gets is in the history', () => {
  it('twelve concurrent manual retries of one delivery: one is accepted, the rest are 409 retry_in_progress', async () => {
    let healthy = false;
    suite.receiver.respondWith((r) => (r.path === '/manual' ? (healthy ? { status: 200, delayMs: 300 } : { status: 500 }) : { status: 200 }));
    const hook = await endpointFor('/manual');
    const eventId = await publish();
    const failed = await settled(hook, eventId, 'failed');
    healthy = true;
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => api('POST', `/api/v1/admin/webhooks/${hook}/deliveries/${failed.id}/retry`, { key: KEY })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(11);
    expect(answers.find((a) => a.status === 409)!.body.error.code).toBe('retry_in_progress');
    const done = await settled(hook, eventId, 'succeeded');
    await new Promise((r) => setTimeout(r, 2000));
    expect(hits('/manual')).toBe(done.attempts.length);
  });

  it('two concurrent recoveries of one window re-send each failed delivery once', async () => {
    let healthy = false;
    suite.receiver.respondWith((r) => (r.path === '/recover-twice' ? (healthy ? { status: 200 } : { status: 500 }) : { status: 200 }));
    const hook = await endpointFor('/recover-twice', ['list.failed']);
    const since = new Date(Date.now() - 1000).toISOString();
    const ids = [await publish('list.failed', { i: 1 }), await publish('list.failed', { i: 2 })];
    for (const id of ids) await settled(hook, id, 'failed');
    healthy = true;
    const starts = await Promise.all([0, 1].map(() => api('POST', `/api/v1/admin/webhooks/${hook}/recover`, { key: KEY, body: { since } })));
    expect(starts.map((s) => s.status)).toEqual([202, 202]);
    for (const id of ids) await settled(hook, id, 'succeeded');
    await new Promise((r) => setTimeout(r, 3000));
    const history = await historyOf(hook);
    const recorded = history.reduce((n, d) => n + d.attempts.length, 0);
    expect(hits('/recover-twice')).toBe(recorded);
    expect(recorded).toBe(2 * 7);
  }, 120_000);

  it('a manual retry of a disabled webhook is 409 webhook_disabled', async () => {
    suite.receiver.respondWith((r) => (r.path === '/disabled' ? { status: 500 } : { status: 200 }));
    const hook = await endpointFor('/disabled');
    const eventId = await publish();
    const failed = await settled(hook, eventId, 'failed');
    await api('PATCH', `/api/v1/admin/webhooks/${hook}`, { key: KEY, body: { status: 'disabled' } });
    const res = await api('POST', `/api/v1/admin/webhooks/${hook}/deliveries/${failed.id}/retry`, { key: KEY });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('webhook_disabled');
  });
});
