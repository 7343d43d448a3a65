import { describe, expect, it } from 'vitest';
import { fanOut, processAttempt } from '../../lambdas/shared/domain/delivery';
import { createAdminWebhook, updateWebhook } from '../../lambdas/shared/domain/endpoints';
import { publishEvent } from '../../lambdas/shared/domain/events';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { fakePorts, silentLog } from '../support/fakes';

const setup = async () => {
  const f = fakePorts();
  await createTenant(f.ports, { id: 'acme' });
  const sick = await createAdminWebhook(f.ports, 'acme', { url: 'https://sick.example/', events: ['price.alert'] });
  const watcher = await createAdminWebhook(f.ports, 'acme', { url: 'https://ops.example/', events: ['webhook.disabled'] });
  const publishAndFanOut = async () => {
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} });
    await fanOut(f.ports, f.fanOutOf(id), silentLog);
  };
  /** A publish, its first attempt, and its first retry a minute later. */
  const publishAndRetry = async () => {
    f.scheduled.length = 0;
    await publishAndFanOut();
    const retry = f.scheduled.shift();
    if (!retry) return;
    f.advance(retry.delaySeconds);
    await processAttempt(f.ports, retry.message, silentLog);
  };
  return { f, sick: sick.endpoint, watcher: watcher.endpoint, publishAndFanOut, publishAndRetry };
};

describe('endpoint health', () => {
  it('a 410 Gone disables the endpoint with a reason and tells the tenant\'s other endpoints', async () => {
    const { f, sick, watcher, publishAndFanOut } = await setup();
    f.http.respond = (req) => (req.url === 'https://sick.example/' ? { statusCode: 410, responseTimeMs: 1, error: null, bodyExcerpt: 'gone' } : { statusCode: 200, responseTimeMs: 1, error: null, bodyExcerpt: 'ok' });
    await publishAndFanOut();
    const disabled = await f.stores.getEndpoint('acme', sick.id);
    expect(disabled).toMatchObject({ status: 'disabled', disabledReason: 'The receiver answered 410 Gone' });
    const notice = f.sent.find((s) => s.message.kind === 'fanout' && f.stores.events.get(`acme|${s.message.eventId}`)?.type === 'webhook.disabled')!;
    expect(notice).toBeDefined();
    const event = await f.stores.getEvent('acme', (notice.message as { eventId: string }).eventId);
    expect(event?.data).toEqual({ webhook_id: sick.id, url: 'https://sick.example/', reason: 'The receiver answered 410 Gone', disabled_at: expect.any(String) });
    await fanOut(f.ports, notice.message as never, silentLog);
    expect(f.http.requests.filter((r) => r.url === 'https://ops.example/')).toHaveLength(1);
    expect(f.http.requests.filter((r) => r.url === 'https://sick.example/')).toHaveLength(1);
    // The pending retry of the sick endpoint is cancelled.
    expect(await processAttempt(f.ports, f.scheduled[0]!.message, silentLog)).toEqual({ outcome: 'cancelled' });
    expect(watcher.status).toBe('active');
  });

  it('a first attempt that fails and a retry that gets through write nothing to the endpoint: a blip is not a run of failures', async () => {
    const { f, sick, publishAndRetry } = await setup();
    let calls = 0;
    f.http.respond = () => (++calls === 1 ? { statusCode: 503, responseTimeMs: 1, error: null, bodyExcerpt: '' } : { statusCode: 200, responseTimeMs: 1, error: null, bodyExcerpt: 'ok' });
    const writes: string[] = [];
    const store = f.ports.endpoints;
    f.ports.endpoints = { ...store, listSubscribed: store.listSubscribed.bind(store), getEndpoint: store.getEndpoint.bind(store), markFailing: async () => writes.push('markFailing') > 0, clearFailing: async () => writes.push('clearFailing') > 0 } as typeof store;
    await publishAndRetry();
    expect(calls).toBe(2);
    expect(writes).toEqual([]);
    expect((await f.stores.getEndpoint('acme', sick.id))!.failingSince).toBeUndefined();
  });

  it('failing every attempt for the window disables it (the run noted from the first failure once its retry fails too); a success in between resets the clock', async () => {
    const { f, sick, publishAndFanOut, publishAndRetry } = await setup();
    let healthy = false;
    f.http.respond = () => (healthy ? { statusCode: 200, responseTimeMs: 1, error: null, bodyExcerpt: 'ok' } : { statusCode: null, responseTimeMs: 1, error: 'connection', bodyExcerpt: null });
    await publishAndRetry();
    const firstFailure = (await f.stores.getEndpoint('acme', sick.id))!.failingSince;
    expect(firstFailure).toBe('2026-02-16T12:00:00.000Z');
    f.advance(4 * 86_400);
    await publishAndRetry();
    expect((await f.stores.getEndpoint('acme', sick.id))!.status).toBe('active');
    healthy = true;
    await publishAndRetry();
    expect((await f.stores.getEndpoint('acme', sick.id))!.failingSince).toBeUndefined();
    healthy = false;
    f.advance(86_400);
    await publishAndRetry(); // the run is noted from this first attempt
    f.advance(5 * 86_400 - 61);
    await publishAndFanOut(); // a first attempt a second inside the window
    expect((await f.stores.getEndpoint('acme', sick.id))!.status).toBe('active');
    f.advance(1);
    await publishAndFanOut();
    expect(await f.stores.getEndpoint('acme', sick.id)).toMatchObject({ status: 'disabled', disabledReason: expect.stringMatching(/^Every attempt has failed since /) });
  });

  it('PATCH status active re-enables it and forgets the reason', async () => {
    const { f, sick, publishAndFanOut } = await setup();
    f.http.respond = () => ({ statusCode: 410, responseTimeMs: 1, error: null, bodyExcerpt: '' });
    await publishAndFanOut();
    const enabled = await updateWebhook(f.ports, 'acme', sick.id, { status: 'active' });
    expect(enabled.status).toBe('active');
    expect(enabled.disabledReason).toBeUndefined();
  });
});

describe('a health update that fails', () => {
  it('is reported as an operational fault (ERROR and a metric an alarm watches), never only a WARN line, and the delivery stands', async () => {
    const { f, sick } = await setup();
    f.http.respond = () => ({ statusCode: 500, responseTimeMs: 1, error: null, bodyExcerpt: '' });
    const denied = Object.assign(new Error('User: … is not authorized to perform: dynamodb:UpdateItem'), { name: 'AccessDeniedException' });
    f.ports.endpoints.markFailing = () => Promise.reject(denied);
    const faults: Array<{ name: string; extra: Record<string, unknown> }> = [];
    const log = { ...silentLog, fault: (name: string, _message: string, extra: Record<string, unknown>) => faults.push({ name, extra }) };
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} });
    await fanOut(f.ports, f.fanOutOf(id), log);
    const retry = f.scheduled.shift()!;
    f.advance(retry.delaySeconds);
    await processAttempt(f.ports, retry.message, log); // the retry fails too: the run of failures is noted, and the write denied
    expect(faults).toEqual([{ name: 'EndpointHealthUpdateFailed', extra: expect.objectContaining({ endpoint_id: sick.id, error: expect.stringContaining('AccessDeniedException') }) }]);
    const [delivery] = await f.stores.listDeliveries('acme', sick.id, { offset: 0, limit: 5 }).then((p) => p.deliveries);
    expect(delivery).toMatchObject({ status: 'retrying', attempts: [expect.objectContaining({ number: 1, statusCode: 500 }), expect.objectContaining({ number: 2, statusCode: 500 })] });
  });
});
