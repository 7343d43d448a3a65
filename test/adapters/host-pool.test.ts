import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHostPool, type HostPool } from '../../local/bundles/host-pool';
import type { BundledFunction } from '../../local/bundles/synth';

/** Lambda's execution model for the bundles: one invocation at a time an environment, a timeout that kills it. */
const bundle = (code: string, timeoutSeconds = 5): BundledFunction => {
  const dir = mkdtempSync(join(tmpdir(), 'hookpost-host-'));
  writeFileSync(join(dir, 'index.mjs'), code);
  return { name: 'probe', dir, handler: 'index.handler', timeoutSeconds, memoryMb: 128, runtime: `nodejs${process.versions.node.split('.')[0]}.x`, layers: [] };
};
const HANDLER = `
const started = Date.now();
export const handler = async (event, context) => {
  if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
  if (event.fail) throw new TypeError('it broke');
  return { pid: process.pid, env: process.env.PROBE, fn: context.functionName, left: context.getRemainingTimeInMillis() > 0, started };
};`;

let pool: HostPool | undefined;
afterEach(async () => {
  await pool?.stop();
  pool = undefined;
});

describe('the Lambda host pool', () => {
  it('imports the bundle once an environment and reuses an idle one; concurrent invocations get environments of their own', async () => {
    pool = createHostPool(bundle(HANDLER), { PROBE: 'from-the-template' });
    const first = (await pool.invoke({})) as Record<string, unknown>;
    expect(first).toMatchObject({ env: 'from-the-template', fn: 'hookpost-probe', left: true });
    const again = (await pool.invoke({})) as Record<string, unknown>;
    expect(again).toEqual(first); // the same process, module loaded once
    const both = (await Promise.all([pool.invoke({ sleep: 200 }), pool.invoke({ sleep: 200 })])) as Array<Record<string, unknown>>;
    expect(new Set(both.map((b) => b.pid)).size).toBe(2);
    expect(pool.size()).toBe(2);
  });

  it('a handler error is the invocation\'s error, by name, and the environment lives on', async () => {
    pool = createHostPool(bundle(HANDLER), {});
    await expect(pool.invoke({ fail: true })).rejects.toMatchObject({ errorType: 'TypeError', message: 'it broke' });
    await expect(pool.invoke({})).resolves.toMatchObject({ left: true });
    expect(pool.size()).toBe(1);
  });

  it('an invocation past the function\'s timeout is cut off and its environment discarded', async () => {
    pool = createHostPool(bundle(HANDLER, 1), {});
    await expect(pool.invoke({ sleep: 5_000 })).rejects.toMatchObject({ errorType: 'Sandbox.Timedout', message: 'Task timed out after 1.00 seconds' });
    expect(pool.size()).toBe(0);
  });

  it('a bundle that fails to load is an init error', async () => {
    pool = createHostPool(bundle('throw new Error("no config");'), {});
    await expect(pool.invoke({})).rejects.toMatchObject({ errorType: 'Runtime.ImportModuleError', message: expect.stringContaining('no config') });
  });

  it('refuses to run a bundle on another Node major than the template names', () => {
    expect(() => createHostPool({ ...bundle(HANDLER), runtime: 'nodejs18.x' }, {})).toThrow(/runs on nodejs18.x on Lambda/);
  });
});
