import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/** Retry schedule and request timeout per endpoint; the stack's settings stay the defaults. */
const KEY = 'hpk_endpoint_retries_key_0123456789ab';
let runtime: LocalRuntime;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>['call'];

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.respondWith((r) => (r.path === '/slow' ? { status: 200, delayMs: 2500 } : r.path.startsWith('/down') ? { status: 503 } : { status: 200 }));
  runtime = await startTestRuntime('endpoint-retries', { apiKeys: [{ tenantId: 'acme', key: KEY }], retrySchedule: [3600] });
  api = apiClient(runtime.url).call;
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

const create = (path: string, extra: Record<string, unknown>) => api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}${path}`, events: ['price.alert'], ...extra } });
const settled = (hook: string) =>
  waitUntil(async () => {
    const d = (await api('GET', `/api/v1/admin/webhooks/${hook}/deliveries`, { key: KEY })).body.data?.[0];
    return d && d.status !== 'retrying' && d.status !== 'pending' ? d : undefined;
  }, 30_000);

describe('per-endpoint retries and timeouts', () => {
  it('a schedule of 1,1 s ends failed after three attempts, while the stack\'s schedule (an hour) stays the default', async () => {
    const hook = await create('/down/own', { retry_schedule: [1, 1] });
    expect(hook.body).toMatchObject({ retry_schedule: [1, 1] });
    const other = await create('/down/default', {});
    expect(Object.keys(other.body)).not.toContain('retry_schedule');
    await api('POST', '/v1/events', { key: runtime.adminKey, body: { tenant_id: 'acme', type: 'price.alert', data: {} } });
    const failed = await settled(hook.body.id);
    expect(failed).toMatchObject({ status: 'failed', retry_count: 2 });
    expect(failed.attempts).toHaveLength(3);
    const waiting = (await api('GET', `/api/v1/admin/webhooks/${other.body.id}/deliveries`, { key: KEY })).body.data[0];
    expect(waiting).toMatchObject({ status: 'retrying', retry_count: 0 });
    expect(Date.parse(waiting.next_attempt_at) - Date.parse(waiting.attempts[0].attempted_at)).toBe(3600_000);
  });

  it('a timeout of 1 s cuts a receiver that answers after 2.5 s', async () => {
    const hook = await create('/slow', { timeout_seconds: 1, retry_schedule: [1] });
    await api('POST', '/v1/events', { key: runtime.adminKey, body: { tenant_id: 'acme', type: 'price.alert', data: { slow: true } } });
    const failed = await settled(hook.body.id);
    expect(failed.attempts[0]).toMatchObject({ error: 'timeout', status_code: null });
    expect(failed.attempts[0].response_time_ms).toBeGreaterThanOrEqual(900);
    expect(failed.attempts[0].response_time_ms).toBeLessThan(2000);
  });

  it('PATCH sets or clears them (null: the stack\'s default again), and bad values are a 400 naming the field', async () => {
    const hook = await create('/ok', {});
    const set = await api('PATCH', `/api/v1/admin/webhooks/${hook.body.id}`, { key: KEY, body: { retry_schedule: [5, 10], timeout_seconds: 10 } });
    expect(set.body).toMatchObject({ retry_schedule: [5, 10], timeout_seconds: 10 });
    const cleared = await api('PATCH', `/api/v1/admin/webhooks/${hook.body.id}`, { key: KEY, body: { retry_schedule: null, timeout_seconds: null } });
    expect(Object.keys(cleared.body)).not.toContain('retry_schedule');
    expect(Object.keys(cleared.body)).not.toContain('timeout_seconds');
    for (const [body, field] of [
      [{ retry_schedule: [] }, 'retry_schedule'],
      [{ retry_schedule: Array.from({ length: 11 }, () => 1) }, 'retry_schedule'],
      [{ retry_schedule: [0] }, 'retry_schedule.0'],
      [{ retry_schedule: [172_801] }, 'retry_schedule.0'],
      [{ retry_schedule: [1.5] }, 'retry_schedule.0'],
      [{ timeout_seconds: 31 }, 'timeout_seconds'],
      [{ timeout_seconds: 0 }, 'timeout_seconds'],
    ] as const) {
      const res = await api('PATCH', `/api/v1/admin/webhooks/${hook.body.id}`, { key: KEY, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toContain(`${field}:`);
    }
    expect((await api('GET', `/api/v1/admin/webhooks/${hook.body.id}`, { key: KEY })).body.updated_at).toBe(cleared.body.updated_at);
  });
});
