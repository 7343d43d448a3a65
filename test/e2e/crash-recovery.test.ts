import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, waitUntil } from '../support/client';
import { type Receiver, startReceiver } from '../support/receiver';

const ROOT = join(import.meta.dirname, '..', '..');
const KEY = 'hpk_crash_test_key_0123456789abcdef';
const ADMIN = 'hpadmin_crash_test_0123456789';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** `npm start`'s entry point, as a separate process that can be killed for real. */
const startService = async (port: number, dataDir: string): Promise<ChildProcess> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOOKPOST_PORT: String(port),
      HOOKPOST_DATA_DIR: dataDir,
      HOOKPOST_API_KEYS: `acme:${KEY}`,
      HOOKPOST_ADMIN_KEY: ADMIN,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitUntil(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  }, 30_000, 'the service to start');
  return child;
};

let receiver: Receiver;
let child: ChildProcess | undefined;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await receiver.close();
});

describe('kill -9', () => {
  it('loses nothing acknowledged: every accepted event is delivered and recorded after a restart', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'hookpost-crash-'));
    child = await startService(port, dataDir);
    const api = apiClient(`http://127.0.0.1:${port}`).call;
    const hook = await api('POST', '/api/v1/admin/webhooks', { key: KEY, body: { url: `${receiver.url}/crash`, events: ['price.alert'] } });
    expect(hook.status).toBe(201);

    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await api('POST', '/v1/events', { key: ADMIN, body: { tenant_id: 'acme', type: 'price.alert', data: { i } } });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));

    child = await startService(port, dataDir);
    expect((await api('GET', `/api/v1/admin/webhooks/${hook.body.id}`, { key: KEY })).status).toBe(200);
    const history = await waitUntil(
      async () => {
        const res = await api('GET', `/api/v1/admin/webhooks/${hook.body.id}/deliveries?limit=100`, { key: KEY });
        return res.body.total === ids.length ? res.body : undefined;
      },
      90_000,
      'every event to be delivered and recorded',
    );
    expect(new Set(history.data.map((d: { event_id: string }) => d.event_id))).toEqual(new Set(ids));
    expect(history.data.every((d: { status: string }) => d.status === 'succeeded')).toBe(true);
    const receivedIds = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    for (const id of ids) expect(receivedIds.has(id)).toBe(true);
  }, 150_000);
});
