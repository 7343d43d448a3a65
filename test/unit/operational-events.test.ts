import { describe, expect, it } from 'vitest';
import { fanOut, processAttempt } from '../../lambdas/shared/domain/delivery';
import { createAdminWebhook, deleteWebhook } from '../../lambdas/shared/domain/endpoints';
import { publishEvent } from '../../lambdas/shared/domain/events';
import { requestManualRetry } from '../../lambdas/shared/domain/recovery';
import { createTenant } from '../../lambdas/shared/domain/tenants';
import { fakePorts, ok, silentLog } from '../support/fakes';

const refused = { statusCode: 503, responseTimeMs: 1, error: null, bodyExcerpt: '' } as const;

const setup = async (retrySchedule = [60]) => {
  const f = fakePorts();
  f.ports.settings = { ...f.ports.settings, retrySchedule };
  await createTenant(f.ports, { id: 'acme' });
  const { endpoint } = await createAdminWebhook(f.ports, 'acme', { url: 'https://receiver.example/', events: ['price.alert'] });
  /** Publishes, fans out, and runs every automatic retry as it comes due. */
  const deliverOne = async () => {
    f.scheduled.length = 0;
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} });
    await fanOut(f.ports, f.fanOutOf(id), silentLog);
    for (let retry = f.scheduled.shift(); retry; retry = f.scheduled.shift()) {
      f.advance(retry.delaySeconds);
      await processAttempt(f.ports, retry.message, silentLog);
    }
    return id;
  };
  return { f, endpoint, deliverOne };
};

describe('operational events on the stack bus', () => {
  it('a run of failures is webhook.failing from its first failure, an exhausted delivery is delivery.failed, the next success is webhook.recovered: each once', async () => {
    const { f, endpoint, deliverOne } = await setup([60]);
    f.http.respond = () => refused;
    const first = await deliverOne();
    await deliverOne(); // still failing: nothing new about the endpoint, one more delivery.failed
    f.http.respond = () => ok(200);
    await deliverOne();
    await deliverOne(); // healthy again: nothing
    expect(f.emitted.map((e) => e.type)).toEqual(['webhook.failing', 'delivery.failed', 'delivery.failed', 'webhook.recovered']);
    const [failing, failed, , recovered] = f.emitted;
    expect(failing).toEqual({
      type: 'webhook.failing',
      time: '2026-02-16T12:01:00.000Z',
      detail: { tenant_id: 'acme', webhook_id: endpoint.id, url: 'https://receiver.example/', failing_since: '2026-02-16T12:00:00.000Z', last_status_code: 503, last_error: 'http_status' },
    });
    expect(failed!.detail).toEqual({
      tenant_id: 'acme',
      webhook_id: endpoint.id,
      url: 'https://receiver.example/',
      delivery_id: expect.stringMatching(/^dlv_/),
      event_id: first,
      event_type: 'price.alert',
      reason: 'retries_exhausted',
      attempts: 2,
      last_status_code: 503,
      last_error: 'http_status',
      failed_at: '2026-02-16T12:01:00.000Z',
    });
    expect(recovered!.detail).toMatchObject({ webhook_id: endpoint.id, failing_since: '2026-02-16T12:00:00.000Z', recovered_at: expect.any(String) });
  });

  it('without retries, a failed first attempt is failing and failed at once', async () => {
    const { f, deliverOne } = await setup([]);
    f.http.respond = () => refused;
    await deliverOne();
    expect(f.emitted.map((e) => [e.type, e.detail.reason ?? null])).toEqual([['webhook.failing', null], ['delivery.failed', 'retries_exhausted']]);
  });

  it('a 410 Gone is webhook.disabled with its reason', async () => {
    const { f, endpoint, deliverOne } = await setup();
    f.http.respond = () => ({ ...refused, statusCode: 410 });
    await deliverOne();
    expect(f.emitted.find((e) => e.type === 'webhook.disabled')?.detail).toEqual({
      tenant_id: 'acme', webhook_id: endpoint.id, url: 'https://receiver.example/', reason: 'The receiver answered 410 Gone', disabled_at: '2026-02-16T12:00:00.000Z', last_status_code: 410, last_error: 'http_status',
    });
  });

  it('a retry cancelled because its endpoint was deleted is delivery.failed with that reason; a manual re-send that fails is not', async () => {
    const { f, endpoint } = await setup([60, 60]);
    f.http.respond = () => refused;
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} });
    const [delivery] = (await fanOut(f.ports, f.fanOutOf(id), silentLog)).deliveries;
    const retry = f.scheduled.shift()!;
    // A manual re-send while it is retrying: it fails, and the delivery is still retrying.
    await requestManualRetry(f.ports, 'acme', endpoint.id, delivery!.id);
    const manual = f.sent.at(-1)!.message;
    await processAttempt(f.ports, manual as never, silentLog);
    expect(f.emitted.filter((e) => e.type === 'delivery.failed')).toEqual([]);
    await deleteWebhook(f.ports, 'acme', endpoint.id);
    f.advance(retry.delaySeconds);
    expect(await processAttempt(f.ports, { ...retry.message, attempt: 3 }, silentLog)).toEqual({ outcome: 'cancelled' });
    expect(f.emitted.filter((e) => e.type === 'delivery.failed').map((e) => e.detail)).toEqual([
      expect.objectContaining({ webhook_id: endpoint.id, delivery_id: delivery!.id, reason: 'endpoint_deleted', attempts: 2 }),
    ]);
    expect(f.emitted.at(-1)!.detail).not.toHaveProperty('url');
  });

  it('a bus that refuses is an operational fault; the delivery stands', async () => {
    const { f } = await setup([]);
    f.http.respond = () => refused;
    f.ports.operations = { emit: () => Promise.reject(new Error('AccessDeniedException: not authorized to perform: events:PutEvents')) };
    const faults: Array<{ name: string; extra: Record<string, unknown> }> = [];
    const log = { ...silentLog, fault: (name: string, _m: string, extra: Record<string, unknown>) => faults.push({ name, extra }) };
    const { id } = await publishEvent(f.ports, { tenantId: 'acme', type: 'price.alert', data: {} });
    const out = await fanOut(f.ports, f.fanOutOf(id), log);
    expect(out.deliveries[0]).toMatchObject({ status: 'failed' });
    expect(faults.map((x) => [x.name, x.extra.type])).toEqual([['OperationalEventNotSent', 'webhook.failing'], ['OperationalEventNotSent', 'delivery.failed']]);
  });
});
