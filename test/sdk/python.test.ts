import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime } from '../support/service';
import type { LocalRuntime } from '../../local/runtime';

const ROOT = join(import.meta.dirname, '..', '..');
const KEY = 'hpk_sdk_python_key_0123456789abcdef012345';
const ADMIN = 'hpadmin_sdk_python_key_0123456789';

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startTestRuntime('sdk-py', {
    apiKeys: [
      { tenantId: 'acme', key: KEY },
      { tenantId: 'leaving-py', key: `${KEY}-leaving` },
    ],
    adminKey: ADMIN,
    retrySchedule: [1],
    erasure: { settleSeconds: 0 },
  });
});
afterAll(() => runtime?.stop());

describe('the Python SDK (standard library; botocore to sign publishes) against the local runtime', () => {
  it('passes its unittest suite with python3', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn('python3', ['-m', 'unittest', 'discover', '-s', 'sdk/python/tests', '-v'], {
      cwd: ROOT,
      env: {
        ...process.env,
        PYTHONPATH: join(ROOT, 'sdk', 'python'),
        HOOKPOST_URL: runtime.url,
        HOOKPOST_KEY: KEY,
        HOOKPOST_ADMIN_KEY: ADMIN,
        HOOKPOST_AWS_URL: runtime.aws!.endpoint,
        // The publisher signs with botocore's standard credential chain: here, the environment.
        AWS_ACCESS_KEY_ID: runtime.platformCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: runtime.platformCredentials.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code, output).toBe(0);
    expect(output).toMatch(/Ran 13 tests/);
  }, 120_000);

  it('refuses the header names the API refuses, from the same lists', async () => {
    const api = await import('../../lambdas/shared/domain/reserved-headers');
    const out = spawnSync('python3', ['-c', 'import hookpost, json; print(json.dumps([hookpost.RESERVED_HEADER_NAMES, hookpost.RESERVED_HEADER_PREFIXES]))'], {
      cwd: ROOT,
      env: { ...process.env, PYTHONPATH: join(ROOT, 'sdk', 'python') },
      encoding: 'utf8',
    });
    expect(out.status, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual([[...api.RESERVED_HEADER_NAMES], api.RESERVED_HEADER_PREFIXES]);
  });
});
