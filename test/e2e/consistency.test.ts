import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/**
 * What a user must see at once is read strongly. Here every eventually consistent read misses
 * anything written in the last minute (a replica far behind): an API key just created, an
 * endpoint just registered, and what fan-out reads, must not depend on such reads.
 */
let runtime: LocalRuntime;
let receiver: Receiver;
let call: ReturnType<typeof apiClient>['call'];

beforeAll(async () => {
  receiver = await startReceiver();
  runtime = await startTestRuntime('stale', { apiKeys: [{ tenantId: 'acme', key: 'hpk_stale_test_key_0123456789abcdef' }], staleReadsMs: 60_000 });
  call = apiClient(runtime.url).call;
});
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
});

describe('reads a user must see at once, with every eventually consistent read a minute behind', () => {
  it('an API key works the moment it is created', async () => {
    expect((await call('POST', '/v1/tenants', { key: runtime.adminKey, body: { id: 'fresh-co' } })).status).toBe(201);
    const created = await call('POST', '/v1/tenants/fresh-co/keys', { key: runtime.adminKey });
    expect(created.status).toBe(201);
    expect((await call('GET', '/api/v1/admin/webhooks', { key: created.body.key })).status).toBe(200);
  });

  it('an endpoint registered, then an event published at once: the event reaches it', async () => {
    const key = 'hpk_stale_test_key_0123456789abcdef';
    const hook = await call('POST', '/api/v1/admin/webhooks', { key, body: { url: `${receiver.url}/fresh`, events: ['price.alert'] } });
    expect((await call('GET', `/api/v1/admin/webhooks/${hook.body.id}`, { key })).status).toBe(200);
    await call('POST', '/v1/events', { key: runtime.adminKey, body: { tenant_id: 'acme', type: 'price.alert', data: { n: 1 } } });
    await receiver.waitFor((r) => r.path === '/fresh');
    // The history page is eventually consistent (named so in the OpenAPI document): it may lag.
    await waitUntil(async () => ((await call('GET', `/api/v1/admin/webhooks/${hook.body.id}`, { key })).status === 200 ? true : undefined));
  });
});
