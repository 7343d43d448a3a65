import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';
import { freePort, startService } from '../support/service';

/**
 * Secrets never leak: the service runs as `npm start` does, logging at DEBUG (every success,
 * every failure, every retry), while webhooks are registered, created with a chosen secret,
 * rotated, delivered to, failed, retried and retried by hand, and a tenant even sends its
 * signing secret as a bearer key. Then every byte it printed and every read response is
 * searched for every secret.
 */
const KEY = 'hpk_secrets_key_0123456789abcdef0123456789';
const ADMIN = 'hpadmin_secrets_key_0123456789';
const CHOSEN = 'chosen-signing-secret-0123456789-abcdef';

let child: ChildProcess | undefined;
let receiver: Receiver;
let dataDir: string;
const captured = { output: '' };
let api: ReturnType<typeof apiClient>['call'];

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.respondWith((r) => (r.path.startsWith('/fail') ? { status: 500, body: '{"error":"boom"}' } : { status: 200, body: '{"ok":true}' }));
  dataDir = mkdtempSync(join(tmpdir(), 'hookpost-secrets-'));
  const port = await freePort();
  child = await startService(
    {
      HOOKPOST_PORT: String(port),
      HOOKPOST_DATA_DIR: dataDir,
      HOOKPOST_API_KEYS: `acme:${KEY}`,
      HOOKPOST_ADMIN_KEY: ADMIN,
      HOOKPOST_RETRY_SCHEDULE: '1,1',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    },
    captured,
  );
  api = apiClient(`http://127.0.0.1:${port}`).call;
}, 60_000);
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  await receiver?.close();
});

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('secrets never leak', () => {
  it('no signing secret, receiver credential, API key or master key appears in the logs, errors or any read response', async () => {
    const secrets: string[] = [];
    const account = await api('POST', '/v1/webhooks/register', { key: KEY, body: { url: `${receiver.url}/ok/account`, event_types: null } });
    secrets.push(account.body.secret);
    // Receiver credentials too (issue 27): Basic, a credential header, and an OAuth client whose token endpoint fails.
    const credentials = ['receiver-basic-password-0123456789', 'receiver-api-key-value-0123456789', 'oauth-client-secret-value-0123456789'];
    const chosen = await api('POST', '/api/v1/admin/webhooks', {
      key: KEY,
      body: { url: `${receiver.url}/fail/chosen`, events: ['price.alert'], secret: CHOSEN, headers: { 'X-Api-Key': credentials[1] }, auth: { type: 'basic', username: 'hookpost', password: credentials[0] } },
    });
    secrets.push(CHOSEN);
    const oauth = await api('POST', '/api/v1/admin/webhooks', {
      key: KEY,
      body: { url: `${receiver.url}/ok/oauth`, events: ['price.alert'], auth: { type: 'oauth2_client_credentials', token_url: `${receiver.url}/fail/token`, client_id: 'hookpost', client_secret: credentials[2], client_auth: 'client_secret_post' } },
    });
    expect(oauth.status).toBe(201);
    secrets.push(...credentials);
    const generated = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/ok/generated`, events: ['price.alert'] } });
    secrets.push(generated.body.secret);
    secrets.push((await api('POST', `/api/v1/admin/webhooks/${generated.body.id}/rotate-secret`, { key: KEY })).body.secret);
    secrets.push((await api('POST', '/v1/webhooks/rotate-secret', { key: KEY, body: { grace_period_seconds: 60 } })).body.secret);
    expect(secrets.every((s) => typeof s === 'string' && s.length >= 16)).toBe(true);

    // A tenant confuses its signing secret with its API key; another sends it in a bad body.
    expect((await api('GET', '/api/v1/admin/webhooks', { key: CHOSEN })).status).toBe(401);
    expect((await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: 'nope', events: ['price.alert'], secret: `${CHOSEN} x` } })).status).toBe(400);

    for (let i = 0; i < 3; i++) {
      expect((await api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'acme', type: 'price.alert', data: { i } } })).status).toBe(202);
    }
    // The failing endpoint: three attempts per event (1 + two retries), then a manual retry.
    const failed = await waitUntil(
      async () => {
        const page = (await api('GET', `/api/v1/admin/webhooks/${chosen.body.id}/deliveries`, { key: KEY })).body;
        return page.total === 3 && page.data.length === 3 && page.data.every((d: { status: string }) => d.status === 'failed') ? page.data : undefined;
      },
      30_000,
      'the failing deliveries to run out of retries',
    );
    expect((await api('POST', `/api/v1/admin/webhooks/${chosen.body.id}/deliveries/${failed[0].id}/retry`, { key: KEY })).status).toBe(202);
    await receiver.waitFor((r) => r.path === '/fail/chosen', 10);

    // Every read: none carries a secret.
    const reads = [
      await api('GET', '/v1/webhooks', { key: KEY }),
      await api('GET', '/api/v1/admin/webhooks', { key: KEY }),
      await api('GET', `/api/v1/admin/webhooks/${chosen.body.id}`, { key: KEY }),
      await api('GET', `/api/v1/admin/webhooks/${generated.body.id}/deliveries`, { key: KEY }),
      await api('GET', `/api/v1/admin/webhooks/${chosen.body.id}/deliveries`, { key: KEY }),
      await api('GET', `/api/v1/admin/webhooks/${chosen.body.id}/deliveries/${failed[0].id}`, { key: KEY }),
      await api('GET', '/v1/tenants/acme/webhooks', { key: ADMIN }),
      await api('GET', `/api/v1/admin/webhooks/${oauth.body.id}/deliveries`, { key: KEY }),
    ];
    for (const read of reads) {
      expect(read.status).toBe(200);
      for (const secret of secrets) expect(JSON.stringify(read.body)).not.toContain(secret);
    }

    child!.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    const output = captured.output;
    // The logs are there to search: attempts of every kind were logged.
    expect(output).toContain('"message":"delivery attempted"');
    expect(output).toMatch(/"status_code":500/);
    expect(output).toMatch(/"error":"auth"/);
    const { masterKey } = JSON.parse(readFileSync(join(dataDir, 'local.json'), 'utf8')) as { masterKey: string };
    for (const secret of [...secrets, masterKey]) expect(count(output, secret), 'a secret in the output').toBe(0);
    // The API keys appear only where `npm start` announces them to the developer (its list of
    // keys, and the export line the docs' samples use), never in a log line.
    expect(count(output, ADMIN)).toBe(2);
    expect(count(output, KEY)).toBe(2);
    expect(output.split('\n').filter((line) => line.includes(ADMIN)).every((line) => !line.includes('"level"'))).toBe(true);
  }, 90_000);
});
