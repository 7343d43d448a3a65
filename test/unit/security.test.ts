import { graceEndsAt } from '../../lambdas/shared/domain/model';
import { describe, expect, it } from 'vitest';
import { fanOut, processAttempt, stateAfter } from '../../lambdas/shared/domain/delivery';
import { createAdminWebhook, registerAccountWebhook, rotateAccountSecret, rotateSecret } from '../../lambdas/shared/domain/endpoints';
import { publishEvent } from '../../lambdas/shared/domain/events';
import { hmacSha256, standardWebhooksSignature } from '../../lambdas/shared/domain/signing';
import type { Attempt } from '../../lambdas/shared/domain/model';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { fakePorts, silentLog } from '../support/fakes';

const SCHEDULE = [60, 300, 1800, 7200, 86400];

const setup = async () => {
  const f = fakePorts();
  await createTenant(f.ports, { id: 'acme' });
  const created = await createAdminWebhook(f.ports, 'acme', { url: 'https://r.example/', events: ['price.alert'] });
  const deliver = async () => {
    const before = f.http.requests.length;
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: { p: 1 } });
    await fanOut(f.ports, f.fanOutOf(id), silentLog);
    return f.http.requests.slice(before)[0]!;
  };
  return { f, ...created, deliver };
};

/** Whether one of the `v1,` entries of webhook-signature is the signature under `secret`. */
const verifies = (secret: string, req: { headers: Record<string, string>; body: string }) =>
  req.headers['webhook-signature']!.split(' ').includes(
    standardWebhooksSignature(secret, req.headers['webhook-id']!, Number(req.headers['webhook-timestamp']), req.body),
  );

describe('secret rotation', () => {
  it('returns a new secret once; the old one signs alongside it in webhook-signature for the grace period', async () => {
    const { f, endpoint, secret: old, deliver } = await setup();
    const rotated = await rotateSecret(f.ports, 'acme', endpoint.id, { graceSeconds: 86_400 });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(old);
    expect(graceEndsAt(rotated.endpoint, f.ports.clock.now())).toBe('2026-02-17T12:00:00.000Z');

    const during = await deliver();
    expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(verifies(rotated.secret, during)).toBe(true);
    expect(verifies(old, during)).toBe(true);
    // The seed header carries one signature: the new secret's.
    expect(during.headers['x-webhook-signature']).toBe(`sha256=${hmacSha256(rotated.secret, during.body).toString('hex')}`);

    f.advance(86_401);
    const after = await deliver();
    expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(verifies(rotated.secret, after)).toBe(true);
    expect(verifies(old, after)).toBe(false);
  });

  it('keeps every rotated-out secret in its own grace period; a zero grace period retires only the one replaced', async () => {
    const { f, endpoint, secret: first, deliver } = await setup();
    const second = await rotateSecret(f.ports, 'acme', endpoint.id, { graceSeconds: 3600 });
    f.advance(600);
    const third = await rotateSecret(f.ports, 'acme', endpoint.id, { graceSeconds: 3600, secret: 'my-own-secret-0123456789' });
    expect(third.secret).toBe('my-own-secret-0123456789');
    const req = await deliver();
    expect([verifies(third.secret, req), verifies(second.secret, req), verifies(first, req)]).toEqual([true, true, true]);
    const fourth = await rotateSecret(f.ports, 'acme', endpoint.id, { graceSeconds: 0 });
    const now = await deliver();
    expect([verifies(fourth.secret, now), verifies(third.secret, now), verifies(second.secret, now), verifies(first, now)]).toEqual([true, false, true, true]);
    f.advance(3001); // the first secret's hour is over; the second's is not
    const later = await deliver();
    expect([verifies(second.secret, later), verifies(first, later)]).toEqual([true, false]);
  });

  it('six concurrent rotations: every secret answered signs until its grace ends, and the original too', async () => {
    const { f, endpoint, secret: original, deliver } = await setup();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => rotateSecret(f.ports, 'acme', endpoint.id, { graceSeconds: 3600 })));
    const answered = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.secret] : []));
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ status: 409, code: 'rotation_conflict' });
    expect(answered.length).toBeGreaterThan(0);
    const req = await deliver();
    expect(verifies(original, req)).toBe(true);
    for (const secret of answered) expect(verifies(secret, req)).toBe(true);
    expect(req.headers['webhook-signature']!.split(' ')).toHaveLength(answered.length + 1);
  });

  it('at most ten secrets sign at once: the oldest rotated-out one retires first', async () => {
    const { f, endpoint, secret: original, deliver } = await setup();
    const secrets = [original];
    for (let i = 0; i < 10; i++) secrets.push((await rotateSecret(f.ports, 'acme', endpoint.id, { graceSeconds: 3600 })).secret);
    const req = await deliver();
    expect(req.headers['webhook-signature']!.split(' ')).toHaveLength(10);
    expect(secrets.map((s) => verifies(s, req))).toEqual([false, ...Array(10).fill(true)]);
  });

  it('rotates the seed 000 account webhook: a new hex secret signs X-Auggie-Signature', async () => {
    const f = fakePorts();
    await createTenant(f.ports, { id: 'acme' });
    const { secret: old } = await registerAccountWebhook(f.ports, 'acme', { url: 'https://r.example/', events: null });
    const { secret } = await rotateAccountSecret(f.ports, 'acme', { graceSeconds: 60 });
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(secret).not.toBe(old);
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'research.completed', data: {} });
    await fanOut(f.ports, f.fanOutOf(id), silentLog);
    const req = f.http.requests.at(-1)!;
    expect(req.headers['x-auggie-signature']).toBe(hmacSha256(secret, req.body).toString('hex'));
    expect(verifies(old, req)).toBe(true);
    await expect(rotateAccountSecret(f.ports, 'nobody', { graceSeconds: 60 })).rejects.toMatchObject({ status: 404 });
  });
});

describe("a receiver's Retry-After", () => {
  const failed = (retryAfterSeconds?: number): Attempt => ({
    number: 1,
    attemptedAt: '2026-02-16T12:00:00.000Z',
    statusCode: 429,
    responseTimeMs: 1,
    error: 'http_status',
    responseBody: null,
    trigger: 'automatic',
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });

  it('is honoured within the schedule: never sooner than the step, never later than the longest step', () => {
    const next = (s?: number) => stateAfter({ retrySchedule: SCHEDULE }, [failed(s)]).nextAttemptAt;
    expect(next()).toBe('2026-02-16T12:01:00.000Z');
    expect(next(10)).toBe('2026-02-16T12:01:00.000Z');
    expect(next(600)).toBe('2026-02-16T12:10:00.000Z');
    expect(next(10 * 86_400)).toBe('2026-02-17T12:00:00.000Z');
  });

  it('is recorded on the attempt and decides the scheduled delay', async () => {
    const { f, deliver } = await setup();
    f.http.respond = () => ({ statusCode: 503, responseTimeMs: 2, error: null, bodyExcerpt: '', retryAfterSeconds: 900 });
    await deliver();
    const [delivery] = [...f.stores.deliveries.values()];
    expect(delivery!.attempts[0]).toMatchObject({ statusCode: 503, retryAfterSeconds: 900 });
    expect(f.scheduled.at(-1)).toMatchObject({ delaySeconds: 900, message: { attempt: 2 } });
  });
});

describe('egress refused at delivery time', () => {
  it('records a blocked attempt with the reason, and retries on schedule (DNS may change back)', async () => {
    const { f, deliver } = await setup();
    f.http.respond = () => ({ statusCode: null, responseTimeMs: 0, error: 'blocked', detail: 'r.example resolves to 10.0.0.1, which is not a public address', bodyExcerpt: null });
    await deliver();
    const [delivery] = [...f.stores.deliveries.values()];
    expect(delivery).toMatchObject({ status: 'retrying' });
    expect(delivery!.attempts[0]).toMatchObject({ error: 'blocked', detail: 'r.example resolves to 10.0.0.1, which is not a public address' });
  });
});

describe('the per-endpoint concurrency cap', () => {
  it('defers a first attempt without a request, records it pending, and makes it when a slot frees up', async () => {
    const { f, endpoint, deliver } = await setup();
    let free = false;
    f.ports.slots = { acquire: async () => (free ? 'lease' : null), release: async () => undefined };
    const before = f.http.requests.length;
    await deliver().catch(() => undefined);
    expect(f.http.requests.length).toBe(before);
    const [delivery] = [...f.stores.deliveries.values()];
    expect(delivery).toMatchObject({ status: 'pending', attempts: [], retryCount: 0, endpointId: endpoint.id });
    const deferred = f.scheduled.at(-1)!;
    expect(deferred.message).toMatchObject({ kind: 'attempt', attempt: 1, trigger: 'automatic', deliveryId: delivery!.id });
    expect(deferred.delaySeconds).toBeGreaterThanOrEqual(5);
    expect(deferred.delaySeconds).toBeLessThanOrEqual(10);

    // Still busy: deferred again, nothing recorded.
    expect((await processAttempt(f.ports, deferred.message, silentLog)).outcome).toBe('deferred');
    expect(f.scheduled.at(-1)!.message).toEqual(deferred.message);
    free = true;
    const done = await processAttempt(f.ports, deferred.message, silentLog);
    expect(done.outcome).toBe('attempted');
    expect(done.delivery).toMatchObject({ status: 'succeeded', retryCount: 0, attempts: [expect.objectContaining({ number: 1 })] });
  });

  it('releases the slot whatever the attempt did', async () => {
    const { f, deliver } = await setup();
    const held = new Set<string>();
    let n = 0;
    f.ports.slots = {
      acquire: async () => {
        const lease = `l${++n}`;
        held.add(lease);
        return lease;
      },
      release: async (_t, _e, lease) => void held.delete(lease),
    };
    f.http.respond = () => {
      throw new Error('socket exploded');
    };
    await deliver().catch(() => undefined);
    f.http.respond = () => ({ statusCode: 500, responseTimeMs: 1, error: null, bodyExcerpt: '' });
    await deliver();
    expect(n).toBe(2);
    expect(held.size).toBe(0);
  });

  it('records an attempt even when its lease cannot be given back (the lease lapses by itself)', async () => {
    const { f, deliver } = await setup();
    f.ports.slots = { acquire: async () => 'lease', release: async () => Promise.reject(new Error('DynamoDB throttled')) };
    await deliver();
    const [delivery] = [...f.stores.deliveries.values()];
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: [expect.objectContaining({ number: 1 })] });
  });
});
