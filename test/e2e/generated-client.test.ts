import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime';
import { type Receiver, startReceiver } from '../support/receiver';
import { startTestRuntime } from '../support/service';

/**
 * A client generated from the served /openapi.json by tools we did not write (openapi-typescript
 * for the types, openapi-fetch for the calls) type-checks against the seed flows
 * (test/fixtures/generated-client/flows.ts) and runs them against the local runtime. The tools
 * are installed apart, from their own lock file, into a temp dir (openapi-typescript needs
 * TypeScript 5's compiler API; the repository's TypeScript 7 has none): the npm registry.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'generated-client');
const ADMIN = 'hpadmin_generated_client_0123456789';
const run = promisify(execFile);

let runtime: LocalRuntime;
let receiver: Receiver;
let dir: string;

beforeAll(async () => {
  receiver = await startReceiver();
  receiver.respondWith(() => ({ status: 200, body: '{"ok":true}' }));
  dir = mkdtempSync(join(tmpdir(), 'hookpost-generated-client-'));
  for (const file of ['package.json', 'package-lock.json', 'flows.ts']) copyFileSync(join(FIXTURE, file), join(dir, file));
  [runtime] = await Promise.all([
    startTestRuntime('generated-client', { adminKey: ADMIN }),
    run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, timeout: 300_000 }),
  ]);
}, 300_000);
afterAll(async () => {
  await runtime?.stop();
  await receiver?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a client generated from /openapi.json', () => {
  it('compiles against the seed flows and runs them', async () => {
    writeFileSync(join(dir, 'openapi.json'), await (await fetch(`${runtime.url}/openapi.json`)).text());
    const bin = (name: string) => join(dir, 'node_modules', '.bin', name);
    await run(bin('openapi-typescript'), ['openapi.json', '--output', 'schema.d.ts'], { cwd: dir });
    await run(bin('tsc'), ['--noEmit', '--strict', '--target', 'es2023', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--skipLibCheck', 'flows.ts'], { cwd: dir }).catch((e) => {
      throw new Error(`the flows do not type-check against the generated client:\n${e.stdout}${e.stderr}`);
    });
    const { stdout } = await run(bin('tsx'), ['flows.ts'], {
      cwd: dir,
      env: { ...process.env, HOOKPOST_URL: runtime.url, HOOKPOST_ADMIN_KEY: ADMIN, RECEIVER_URL: receiver.url, TENANT_ID: 'genclient' },
      timeout: 60_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(result).toMatchObject({
      key_prefix: 'hpk_',
      account_secret: 'string',
      account_url: `${receiver.url}/account`,
      rotated: 'string',
      webhook_secret_prefix: 'whsec_',
      listed: true,
      patched_events: ['subscription.created', 'subscription.updated'],
      replayed: { id: result.published, header: 'true' },
      delivery: { status: 'succeeded', attempts: 1, code: 200 },
      retry: 'delivery_succeeded',
      event_deliveries: 1,
      missing: { status: 404, code: 'not_found' },
      removed: [204, 204],
    });
  });
});
