import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBench } from '../../bench/bench';

/** The bench's short run, so it never rots. It checks that every figure is produced, never a time. */
describe('npm run bench (smoke)', () => {
  it('writes results.md and results.json with every section, the machine and the commit', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'hookpost-bench-out-'));
    const results = await runBench({ smoke: true, outDir: `${outDir}/` });
    expect(existsSync(join(outDir, 'results.md'))).toBe(true);
    const json = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
    expect(json.machine).toMatchObject({ cores: expect.any(Number), node: process.version, commit: expect.stringMatching(/^[0-9a-f]{40}$|^unknown$/) });
    expect(results.requests_per_delivery.map((s) => s.name)).toHaveLength(5);
    for (const s of results.requests_per_delivery) {
      expect(Number.isFinite(s.usd_per_million_deliveries.total)).toBe(true);
      expect(s.per_delivery.dynamodb_write_units).toBeGreaterThan(0);
      expect(s.per_delivery.lambda_invocations).toBeGreaterThan(0);
    }
    // AWS destinations: one write into the tenant's target a delivery, STS amortised over the run.
    expect(results.aws_destinations.map((s) => s.name)).toHaveLength(3);
    for (const s of results.aws_destinations) {
      expect(s.tenant_writes_per_delivery).toBe(1);
      expect(s.sts_calls_per_delivery).toBeGreaterThan(0);
      expect(s.sts_calls_per_delivery).toBeLessThan(0.5);
      expect(s.per_delivery.dynamodb_write_units).toBe(1);
    }
    // A first-attempt success writes one delivery record, nothing else.
    expect(results.requests_per_delivery[0]!.per_delivery.dynamodb_write_units).toBe(1);
    expect(results.cold_start.functions.map((c) => c.function).sort()).toEqual(['account-webhooks', 'admin-webhooks', 'delivery-worker', 'docs', 'eventbridge-ingest', 'platform']);
    for (const c of results.cold_start.functions.filter((f) => f.function !== 'docs')) expect(c.bundle_bytes).toBeGreaterThan(c.bare_bundle_bytes!);
    for (const c of results.cold_start.functions.filter((f) => f.function !== 'docs')) {
      expect(c.floor_bundle_bytes!).toBeGreaterThan(c.bare_bundle_bytes!);
      expect(c.floor_load_ratio).toBeGreaterThan(0);
    }
    expect(results.cold_start.tracing_chunk.bytes).toBeGreaterThan(50_000);
    expect(results.cold_start.tracing_chunk.load_ms).toBeGreaterThan(0);
    expect(results.hot_path).toHaveLength(4);
    expect(results.schema_validation.check_us_valid).toBeGreaterThan(0);
    expect(results.schema_validation.check_us_invalid).toBeGreaterThan(0);
    expect(results.schema_validation.first_check_ms).toBeGreaterThan(0);
    expect(results.pipeline.map((p) => p.rate_per_second)).toEqual([50, 200]);
    for (const p of results.pipeline) {
      expect(p.hookpost.p50_ms).toBeGreaterThan(0);
      // Where the time went: every delivery was seen taken by a worker invocation, and each thread measured.
      expect(p.runs_p50_ms).toHaveLength(p.runs);
      expect(p.split.worker_p50_ms).toBeGreaterThan(0);
      expect(p.split.to_worker_p50_ms + p.split.worker_p50_ms).toBeGreaterThan(p.hookpost.p50_ms * 0.5);
      expect(p.split.main_thread_busy).toBeGreaterThan(0);
      expect(p.split.emulator_thread_busy).toBeGreaterThan(0);
    }
    expect(results.concurrency.wall_ms).toBeGreaterThan(900);
    expect(results.isolation.beside_hanging.p50_ms).toBeGreaterThan(0);
    expect(results.isolation.alone.p50_ms).toBeGreaterThan(0);
    // The smallest two sizes of the scale section, each read measured.
    for (const rows of Object.values(results.scale.history)) expect(rows.map((r) => r.size)).toEqual([100, 1000]);
    expect(results.scale.publish_read.map((r) => r.size)).toEqual([10, 1000]);
    for (const rows of [...Object.values(results.scale.history), results.scale.publish_read]) for (const r of rows) expect(r.read_units).toBeGreaterThan(0);
    expect(results.idle.items.map((i) => i.count)).toEqual([2, 1, expect.any(Number), 1, expect.any(Number), expect.any(Number)]);
    expect(results.idle.total_usd_per_month).toBeGreaterThan(5);
    expect(results.idle.static_egress_ips_usd_per_month).toBeCloseTo(73, 0);
  }, 240_000);
});
