import { describe, expect, it, vi } from 'vitest';
import { fanOut, MAX_ATTEMPT_WAITS, processAttempt, stateAfter } from '../../lambdas/shared/domain/delivery';
import { sweepOverdue } from '../../lambdas/shared/domain/sweep';
import { createAdminWebhook, deleteWebhook, updateWebhook } from '../../lambdas/shared/domain/endpoints';
import { publishEvent } from '../../lambdas/shared/domain/events';
import { deliveryIdFor } from '../../lambdas/shared/domain/ids';
import type { Attempt } from '../../lambdas/shared/domain/model';
import { continueRecovery, getRecovery, requestManualRetry, startRecovery } from '../../lambdas/shared/domain/recovery';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { fakePorts, silentLog } from '../support/fakes';

const SCHEDULE = [60, 300, 1800, 7200, 86400];
const attempt = (number: number, ok: boolean, trigger: Attempt['trigger'] = 'automatic', at = '2026-02-16T12:00:00.000Z'): Attempt => ({
  number,
  attemptedAt: at,
  statusCode: ok ? 200 : 500,
  responseTimeMs: 1,
  error: ok ? null : 'http_status',
  responseBody: null,
  trigger,
});

describe('stateAfter', () => {
  it('walks the schedule, each delay counted from the attempt before, then fails', () => {
    const attempts: Attempt[] = [];
    const seen: Array<[string, string | null, number]> = [];
    for (let n = 1; n <= 6; n++) {
      attempts.push(attempt(n, false));
      const s = stateAfter({ retrySchedule: SCHEDULE }, attempts);
      seen.push([s.status, s.nextAttemptAt, s.retryCount]);
    }
    expect(seen).toEqual([
      ['retrying', '2026-02-16T12:01:00.000Z', 0],
      ['retrying', '2026-02-16T12:05:00.000Z', 1],
      ['retrying', '2026-02-16T12:30:00.000Z', 2],
      ['retrying', '2026-02-16T14:00:00.000Z', 3],
      ['retrying', '2026-02-17T12:00:00.000Z', 4],
      ['failed', null, 5],
    ]);
  });

  it('succeeds on any 2xx attempt; a manual attempt takes no slot of the schedule', () => {
    expect(stateAfter({ retrySchedule: SCHEDULE }, [attempt(1, false), attempt(2, true)])).toEqual({ status: 'succeeded', nextAttemptAt: null, retryCount: 1 });
    expect(stateAfter({ retrySchedule: SCHEDULE }, [attempt(1, false), attempt(2, false, 'manual')]).nextAttemptAt).toBe('2026-02-16T12:01:00.000Z');
    const exhausted = [1, 2, 3, 4, 5, 6].map((n) => attempt(n, false));
    expect(stateAfter({ retrySchedule: SCHEDULE }, [...exhausted, attempt(7, false, 'manual')]).status).toBe('failed');
  });
});

const setup = async (respond: (n: number) => number) => {
  const f = fakePorts();
  let calls = 0;
  f.http.respond = () => {
    calls++;
    const status = respond(calls);
    return { statusCode: status, responseTimeMs: 3, error: null, bodyExcerpt: String(status) };
  };
  await createTenant(f.ports, { id: 'acme' });
  const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: 'https://r.example/', events: ['price.alert'] });
  const { id: eventId } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { p: 1 } });
  const deliveryId = deliveryIdFor(eventId, endpoint.id, f.fanOutOf(eventId).event!.createdAt);
  const ref = { tenantId: 'acme', endpointId: endpoint.id, deliveryId };
  /** Runs fan-out, then every scheduled retry in turn, advancing the clock by its delay. */
  const drive = async () => {
    await fanOut(f.ports, f.fanOutOf(eventId), silentLog);
    while (f.scheduled.length > 0) {
      const { message, delaySeconds } = f.scheduled.shift()!;
      f.advance(delaySeconds);
      await processAttempt(f.ports, message, silentLog);
    }
    return (await f.stores.getDelivery(ref))!;
  };
  return { f, endpoint, eventId, deliveryId, ref, drive };
};

describe('retries', () => {
  it('a receiver that always fails gets six attempts on the schedule, then the delivery is failed', async () => {
    const { f, drive } = await setup(() => 500);
    const delays: number[] = [];
    const original = f.ports.retries.schedule;
    f.ports.retries.schedule = async (m, d) => {
      delays.push(d);
      await original(m, d);
    };
    const d = await drive();
    expect(delays).toEqual(SCHEDULE);
    expect(d).toMatchObject({ status: 'failed', retryCount: 5, nextAttemptAt: null });
    expect(d.attempts.map((a) => a.number)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(f.http.requests).toHaveLength(6);
  });

  it('a receiver that recovers on the third attempt: three attempts, succeeded, retry_count 2', async () => {
    const { f, drive } = await setup((n) => (n >= 3 ? 200 : 503));
    const d = await drive();
    expect(d).toMatchObject({ status: 'succeeded', retryCount: 2, nextAttemptAt: null });
    expect(f.http.requests).toHaveLength(3);
  });

  it('an automatic retry carries its event, so the attempt reads no stored event; a large event is read instead', async () => {
    const { f, drive } = await setup((n) => (n >= 3 ? 200 : 503));
    const reads = vi.spyOn(f.stores, 'getEvent');
    const d = await drive();
    expect(d.status).toBe('succeeded');
    expect(reads).not.toHaveBeenCalled();
    expect(f.http.requests.map((r) => r.body)).toEqual([f.http.requests[0]!.body, f.http.requests[0]!.body, f.http.requests[0]!.body]);

    const big = fakePorts();
    big.http.respond = (() => {
      let n = 0;
      return () => ({ statusCode: ++n === 1 ? 503 : 200, responseTimeMs: 3, error: null, bodyExcerpt: '' });
    })();
    await createTenant(big.ports, { id: 'acme' });
    await createAdminWebhook(big.ports, 'acme', { url: 'https://r.example/', events: ['price.alert'] });
    const { id } = await publishEvent(big.ports, { tenantId: 'acme', type: 'price.alert', data: { pad: 'x'.repeat(100_000) } });
    await fanOut(big.ports, big.fanOutOf(id), silentLog);
    const retry = big.scheduled.shift()!;
    expect(retry.message.event).toBeUndefined(); // too large to ride along: Scheduler takes 256 KB
    const bigReads = vi.spyOn(big.stores, 'getEvent');
    await processAttempt(big.ports, retry.message, silentLog);
    expect(bigReads).toHaveBeenCalledTimes(1);
    expect(big.http.requests[1]!.body).toBe(big.http.requests[0]!.body);
  });

  it('a redelivered attempt message is not attempted or recorded twice', async () => {
    const { f, eventId, ref } = await setup((n) => (n === 1 ? 500 : 200));
    await fanOut(f.ports, f.fanOutOf(eventId), silentLog);
    const message = f.scheduled[0]!.message;
    expect(await processAttempt(f.ports, message, silentLog)).toMatchObject({ outcome: 'attempted' });
    expect(await processAttempt(f.ports, message, silentLog)).toEqual({ outcome: 'duplicate' });
    expect((await f.stores.getDelivery(ref))!.attempts).toHaveLength(2);
    expect(f.http.requests).toHaveLength(2);
  });

  it('a first retry that arrives before its delivery is recorded at all (a slow fan-out) comes back later, never dropped', async () => {
    const { f, eventId, ref } = await setup((n) => (n === 1 ? 500 : 200));
    const create = f.stores.createDelivery.bind(f.stores);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    f.stores.createDelivery = async (d) => {
      await held;
      return create(d);
    };
    const fanning = fanOut(f.ports, f.fanOutOf(eventId), silentLog);
    await new Promise((r) => setTimeout(r, 10)); // the retry is scheduled, the record is not written yet
    const retry = f.scheduled.shift()!;
    expect(await processAttempt(f.ports, retry.message, silentLog)).toEqual({ outcome: 'waiting' });
    release();
    await fanning;
    const back = f.scheduled.shift()!;
    expect(back.message).toEqual({ ...retry.message, waits: 1 });
    expect(await processAttempt(f.ports, back.message, silentLog)).toMatchObject({ outcome: 'attempted' });
    expect((await f.stores.getDelivery(ref))!.status).toBe('succeeded');
  });

  it('a crash after scheduling but before recording: the retry is made again and recorded once', async () => {
    const { f, eventId, ref } = await setup(() => 500);
    await fanOut(f.ports, f.fanOutOf(eventId), silentLog);
    const second = f.scheduled.shift()!.message;
    const record = f.stores.recordAttempt.bind(f.stores);
    f.stores.recordAttempt = async () => {
      throw new Error('crash');
    };
    await expect(processAttempt(f.ports, second, silentLog)).rejects.toThrow('crash');
    const early = f.scheduled.shift()!.message; // attempt 3, scheduled before the crash
    f.stores.recordAttempt = record;
    f.advance(60); // the claim of the crashed run lapses
    expect(await processAttempt(f.ports, early, silentLog)).toEqual({ outcome: 'waiting' }); // comes back, never dropped
    expect(f.scheduled.shift()).toEqual({ message: { ...early, waits: 1 }, delaySeconds: 2 });
    expect(await processAttempt(f.ports, second, silentLog)).toMatchObject({ outcome: 'attempted' }); // the message came back
    const d = (await f.stores.getDelivery(ref))!;
    expect(d.attempts.map((a) => a.number)).toEqual([1, 2]);
    expect(f.scheduled.map((s) => s.message.attempt)).toEqual([3]);
  });

  it('a retry that arrives before the attempt it follows is recorded (a receiver slower than the step) is made once that lands', async () => {
    const { f, eventId, ref } = await setup(() => 500);
    await fanOut(f.ports, f.fanOutOf(eventId), silentLog);
    const second = f.scheduled.shift()!.message;
    // Attempt 2's run schedules attempt 3 and, before it records attempt 2, attempt 3 arrives.
    const record = f.stores.recordAttempt.bind(f.stores);
    let third: (typeof f.scheduled)[number]['message'] | undefined;
    let early: unknown;
    f.stores.recordAttempt = async (...args) => {
      third = f.scheduled.shift()!.message;
      early = await processAttempt(f.ports, third, silentLog);
      return record(...args);
    };
    await processAttempt(f.ports, second, silentLog);
    f.stores.recordAttempt = record;
    expect(early).toEqual({ outcome: 'waiting' });
    const back = f.scheduled.shift()!;
    expect(back.message).toEqual({ ...third, waits: 1 });
    expect(await processAttempt(f.ports, back.message, silentLog)).toMatchObject({ outcome: 'attempted' });
    expect((await f.stores.getDelivery(ref))!.attempts.map((a) => a.number)).toEqual([1, 2, 3]);
    expect(f.http.requests).toHaveLength(3);
  });

  it('a message that keeps arriving too early is left to the sweep after MAX_ATTEMPT_WAITS', async () => {
    const { f, eventId } = await setup(() => 500);
    await fanOut(f.ports, f.fanOutOf(eventId), silentLog);
    const second = f.scheduled.shift()!.message;
    const tooEarly = { ...second, attempt: 3, waits: MAX_ATTEMPT_WAITS };
    expect(await processAttempt(f.ports, tooEarly, silentLog)).toEqual({ outcome: 'abandoned' });
    expect(f.scheduled).toHaveLength(0);
  });

  it('two messages for the same attempt at once: one request, one record; the other comes back and finds it recorded', async () => {
    const { f, eventId, ref } = await setup(() => 500);
    await fanOut(f.ports, f.fanOutOf(eventId), silentLog);
    const second = f.scheduled.shift()!.message;
    const outcomes = await Promise.all([processAttempt(f.ports, second, silentLog), processAttempt(f.ports, { ...second, trigger: 'manual' }, silentLog)]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['attempted', 'waiting']);
    expect(f.http.requests).toHaveLength(2);
    const back = f.scheduled.find((s) => s.message.waits === 1)!;
    expect(await processAttempt(f.ports, back.message, silentLog)).toEqual({ outcome: 'duplicate' });
    expect((await f.stores.getDelivery(ref))!.attempts).toHaveLength(2);
  });

  it('deleting or disabling the endpoint cancels its pending retries', async () => {
    for (const change of ['disable', 'delete'] as const) {
      const { f, endpoint, eventId, ref } = await setup(() => 500);
      await fanOut(f.ports, f.fanOutOf(eventId), silentLog);
      if (change === 'disable') await updateWebhook(f.ports, 'acme', endpoint.id, { status: 'disabled' });
      else await deleteWebhook(f.ports, 'acme', endpoint.id);
      expect(await processAttempt(f.ports, f.scheduled.shift()!.message, silentLog)).toEqual({ outcome: 'cancelled' });
      expect(await f.stores.getDelivery(ref)).toMatchObject({ status: 'failed', nextAttemptAt: null });
      expect(f.http.requests).toHaveLength(1);
      expect(f.scheduled).toHaveLength(0);
    }
  });
});

describe('manual retry', () => {
  it('re-sends a failed delivery once, recorded as manual', async () => {
    const { f, endpoint, deliveryId, drive, ref } = await setup((n) => (n <= 6 ? 500 : 200));
    await drive();
    const { attempt: n } = await requestManualRetry(f.ports, 'acme', endpoint.id, deliveryId);
    expect(n).toBe(7);
    expect((await f.stores.getDelivery(ref))!.status).toBe('pending');
    const sent = f.sent.at(-1)!;
    expect(sent).toEqual({ message: { kind: 'attempt', tenantId: 'acme', endpointId: endpoint.id, deliveryId, attempt: 7, trigger: 'manual' }, delaySeconds: undefined });
    await processAttempt(f.ports, sent.message as never, silentLog);
    const d = (await f.stores.getDelivery(ref))!;
    expect(d).toMatchObject({ status: 'succeeded', retryCount: 6 });
    expect(d.attempts.at(-1)).toMatchObject({ number: 7, trigger: 'manual', statusCode: 200 });
  });

  it('pulls a retrying delivery forward; the pending automatic retry then does nothing', async () => {
    const { f, endpoint, eventId, deliveryId, ref } = await setup((n) => (n === 1 ? 500 : 200));
    await fanOut(f.ports, f.fanOutOf(eventId), silentLog);
    const pendingAutomatic = f.scheduled.shift()!.message;
    await requestManualRetry(f.ports, 'acme', endpoint.id, deliveryId);
    await processAttempt(f.ports, f.sent.at(-1)!.message as never, silentLog);
    expect(await processAttempt(f.ports, pendingAutomatic, silentLog)).toEqual({ outcome: 'duplicate' });
    expect(f.http.requests).toHaveLength(2);
    expect((await f.stores.getDelivery(ref))!.status).toBe('succeeded');
  });

  it('refuses a succeeded delivery, and another endpoint\'s or tenant\'s delivery', async () => {
    const { f, endpoint, eventId, deliveryId } = await setup(() => 200);
    await fanOut(f.ports, f.fanOutOf(eventId), silentLog);
    await expect(requestManualRetry(f.ports, 'acme', endpoint.id, deliveryId)).rejects.toMatchObject({ status: 409 });
    await expect(requestManualRetry(f.ports, 'acme', 'wh_other', deliveryId)).rejects.toMatchObject({ status: 404 });
    await expect(requestManualRetry(f.ports, 'globex', endpoint.id, deliveryId)).rejects.toMatchObject({ status: 404 });
  });
});

describe('bulk recovery', () => {
  it('starts without reading the history, then finds and re-sends the failed deliveries of the window in paced pages, its progress readable', async () => {
    const f = fakePorts({});
    f.http.respond = () => ({ statusCode: 500, responseTimeMs: 1, error: null, bodyExcerpt: null });
    f.ports.settings.retrySchedule = [];
    await createTenant(f.ports, { id: 'acme' });
    const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: 'https://r.example/', events: ['price.alert'] });
    for (let i = 0; i < 30; i++) {
      const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { i } });
      await fanOut(f.ports, f.fanOutOf(id), silentLog);
      f.advance(60);
    }
    f.sent.length = 0;
    const listFailed = vi.spyOn(f.stores, 'listFailed');
    const started = await startRecovery(f.ports, 'acme', endpoint.id, { since: '2026-02-16T12:05:00.000Z', until: '2026-02-16T12:29:00.000Z' });
    expect(listFailed).not.toHaveBeenCalled(); // constant time, however many failed deliveries the window holds
    expect(started).toMatchObject({ count: 0, sent: 0, status: 'running' });
    const first = f.sent.shift()!;
    expect(first.message).toMatchObject({ kind: 'recover', endpointId: endpoint.id });
    const delays: number[] = [];
    let message = first.message;
    for (;;) {
      await continueRecovery(f.ports, message as never);
      const progress = await getRecovery(f.ports, 'acme', endpoint.id, started.id);
      expect(progress.count).toBe(progress.sent); // found so far, each re-sent
      const next = f.sent.filter((s) => s.message.kind === 'recover');
      delays.push(...f.sent.filter((s) => s.message.kind === 'attempt').map((s) => s.delaySeconds ?? 0));
      f.sent.length = 0;
      if (next.length === 0) break;
      expect(next[0]!.delaySeconds).toBe(5);
      message = next[0]!.message;
    }
    expect(delays).toHaveLength(25);
    expect(await getRecovery(f.ports, 'acme', endpoint.id, started.id)).toMatchObject({ count: 25, sent: 25, status: 'done' });
    // Five a second: each page of 25 spreads over five seconds.
    expect(delays.filter((d) => d === 0)).toHaveLength(5);
    expect(Math.max(...delays)).toBe(4);
  });

  it('a recovered delivery is pending, due when its paced re-send is, and updated now', async () => {
    const f = fakePorts({});
    f.http.respond = () => ({ statusCode: 500, responseTimeMs: 1, error: null, bodyExcerpt: null });
    f.ports.settings.retrySchedule = [];
    await createTenant(f.ports, { id: 'acme' });
    const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: 'https://r.example/', events: ['price.alert'] });
    for (let i = 0; i < 7; i++) await fanOut(f.ports, f.fanOutOf((await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { i } })).id), silentLog);
    f.sent.length = 0;
    await startRecovery(f.ports, 'acme', endpoint.id, { since: '2026-02-16T00:00:00.000Z' });
    await continueRecovery(f.ports, f.sent.shift()!.message as never);
    const now = f.ports.clock.now().toISOString();
    const pending = [...f.stores.deliveries.values()].filter((d) => d.status === 'pending');
    expect(pending).toHaveLength(7);
    for (const d of pending) expect(d.updatedAt).toBe(now);
    expect(pending.map((d) => d.nextAttemptAt).sort().at(-1)).toBe('2026-02-16T12:00:01.000Z'); // the sixth and seventh leave a second later
  });

  it('answers 404 for an unknown webhook and 400 for an inverted window', async () => {
    const f = fakePorts();
    await createTenant(f.ports, { id: 'acme' });
    await expect(startRecovery(f.ports, 'acme', 'wh_none', { since: '2026-01-01T00:00:00.000Z' })).rejects.toMatchObject({ status: 404 });
    const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: 'https://r.example/', events: ['price.alert'] });
    await expect(startRecovery(f.ports, 'acme', endpoint.id, { since: '2026-03-01T00:00:00.000Z', until: '2026-02-01T00:00:00.000Z' })).rejects.toMatchObject({ status: 400 });
  });
});

describe('the sweep', () => {
  it('re-drives a retrying delivery whose retry message was lost, once per margin, and the attempt is made once', async () => {
    const { f, eventId, ref } = await setup((n) => (n === 1 ? 500 : 200));
    await fanOut(f.ports, f.fanOutOf(eventId), silentLog);
    f.scheduled.length = 0; // the retry message is lost
    f.advance(60 + 299);
    expect(await sweepOverdue(f.ports, silentLog)).toBe(0); // due, but within the margin
    f.advance(2);
    f.sent.length = 0;
    expect(await sweepOverdue(f.ports, silentLog)).toBe(1);
    expect(f.sent).toEqual([{ message: { kind: 'attempt', ...ref, attempt: 2, trigger: 'automatic' }, delaySeconds: undefined }]);
    expect(await sweepOverdue(f.ports, silentLog)).toBe(0); // looked at again only after another margin
    expect(await processAttempt(f.ports, f.sent[0]!.message as never, silentLog)).toMatchObject({ outcome: 'attempted' });
    f.advance(600);
    expect(await sweepOverdue(f.ports, silentLog)).toBe(0);
    expect((await f.stores.getDelivery(ref))!.status).toBe('succeeded');
  });

  it('re-drives a manual retry whose message never left as manual', async () => {
    const { f, endpoint, deliveryId, drive, ref } = await setup((n) => (n <= 6 ? 500 : 200));
    await drive();
    const send = f.ports.queue.send;
    f.ports.queue.send = async () => {
      throw new Error('SQS unavailable');
    };
    await expect(requestManualRetry(f.ports, 'acme', endpoint.id, deliveryId)).rejects.toThrow('SQS unavailable');
    f.ports.queue.send = send;
    f.advance(301);
    f.sent.length = 0;
    expect(await sweepOverdue(f.ports, silentLog)).toBe(1);
    expect(f.sent[0]!.message).toEqual({ kind: 'attempt', ...ref, attempt: 7, trigger: 'manual' });
  });
});

describe('manual retry under concurrency', () => {
  it('of concurrent requests one wins and the others are refused with retry_in_progress; a disabled webhook is refused', async () => {
    const { f, endpoint, deliveryId, drive } = await setup(() => 500);
    await drive();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => requestManualRetry(f.ports, 'acme', endpoint.id, deliveryId)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) expect(r.reason).toMatchObject({ status: 409, code: 'retry_in_progress' });
    await updateWebhook(f.ports, 'acme', endpoint.id, { status: 'disabled' });
    await expect(requestManualRetry(f.ports, 'acme', endpoint.id, deliveryId)).rejects.toMatchObject({ status: 409, code: 'webhook_disabled' });
  });
});
