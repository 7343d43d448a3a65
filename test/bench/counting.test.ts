import { describe, expect, it } from 'vitest';
import { indexWriteUnits } from '../../bench/counting';

/** What the bench adds for the deliveries table's indexes, which dynalite does not charge. */
describe('index write units', () => {
  const waiting = { pk: 'E#0', sk: 'DELIVERY#d', id: 'd', status: 'retrying', attempt_count: 1, due_pk: 'DUE#3', due_at: '2026-02-16T12:01:00Z', claim_until: 'x' };
  it('an entry put when the item gains the keys, deleted when it loses them, both when they change', () => {
    expect(indexWriteUnits(undefined, { pk: 'E#0', sk: 'DELIVERY#d', status: 'succeeded' })).toBe(0);
    expect(indexWriteUnits(undefined, waiting)).toBe(1);
    expect(indexWriteUnits(waiting, { ...waiting, due_pk: undefined, due_at: undefined, status: 'succeeded' })).toBe(1);
    expect(indexWriteUnits(waiting, { ...waiting, due_at: '2026-02-16T12:06:00Z' })).toBe(2);
  });
  it('rewritten only when a projected attribute changes', () => {
    expect(indexWriteUnits(waiting, { ...waiting, claim_until: 'y' })).toBe(0); // not projected into the due index
    expect(indexWriteUnits(waiting, { ...waiting, attempt_count: 2 })).toBe(1);
  });
  it('the failed index projects the whole item: its size in kilobytes', () => {
    const failed = { pk: 'E#0', sk: 'DELIVERY#d', failed_pk: 'E#0', attempts: ['x'.repeat(3000)] };
    expect(indexWriteUnits(undefined, failed)).toBe(3);
  });
  it('a failed delivery is in both failed indexes (by endpoint, by tenant): each entry charged', () => {
    const failed = { pk: 'E#0', sk: 'DELIVERY#d', failed_pk: 'E#0', tenant_failed_pk: 'FAILED#acme#1', attempts: ['x'.repeat(2900)] };
    expect(indexWriteUnits(undefined, failed)).toBe(6);
    expect(indexWriteUnits(failed, { ...failed, failed_pk: undefined, tenant_failed_pk: undefined, status: 'pending' })).toBe(6);
  });
});
