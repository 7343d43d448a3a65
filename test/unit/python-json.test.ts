import { describe, expect, it } from 'vitest';
import { pythonJsonDumps, pythonNumber } from '../../lambdas/shared/domain/python-json';
import { runPython } from '../support/python';

/** Values chosen where JavaScript and Python disagree: floats, escapes, key order. */
const CASES: unknown[] = [
  { job_id: 123, document_id: 456, company_url: 'https://example.com' },
  { x: 1e-5, y: 1e-7, z: 1.5e-7, a: 0.0001, b: 1e16, c: 1e21, d: 1.5e300, e: -2.5e-10, f: 0.1, g: 123.456, h: -0 },
  { big: 12345678901234567890, neg: -9007199254740993, frac: 100.5, tiny: 5e-324, max: 1.7976931348623157e308 },
  { s: 'Zoë ünïcödé 日本語 🚀 emoji', ctl: '\u0000\u0001\u001f\u007f\b\f\n\r\t"\\/', lone: '\ud800x', rtl: '\u202e' },
  { 'ｚ': 1, '😀': 2, 'a': 3, 'B': 4, 'é': 5, '\uffff': 6, '𝟘': 7 },
  { nested: { deep: [1, [2, [3, { k: [null, true, false, 0.5] }]]] }, empty: {}, list: [] },
  { '': 'empty key', ' ': 'space' },
  [1, 2.5, 'x', null],
];

describe('pythonJsonDumps', () => {
  it('produces exactly what Python json.dumps(sort_keys, compact) produces', () => {
    const texts = CASES.map((c) => JSON.stringify(c));
    const python = runPython(texts.map((text) => ({ scheme: 'dumps', text })));
    texts.forEach((text, i) => expect(pythonJsonDumps(JSON.parse(text)), text).toBe(python[i]));
  });

  it('is a fixed point of Python loads/dumps, so the seed 000 sample recomputes the same bytes', () => {
    const ours = CASES.map((c) => pythonJsonDumps(JSON.parse(JSON.stringify(c))));
    const python = runPython(ours.map((text) => ({ scheme: 'dumps', text })));
    ours.forEach((text, i) => expect(python[i]).toBe(text));
  });

  it('agrees with Python over thousands of random floats', () => {
    const values: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const exp = Math.floor(Math.random() * 80) - 40;
      values.push((Math.random() - 0.5) * 10 ** exp);
    }
    const text = JSON.stringify(values);
    const [python] = runPython([{ scheme: 'dumps', text }]);
    expect(pythonJsonDumps(JSON.parse(text))).toBe(python);
  });

  it('spells floats as Python repr does', () => {
    expect(pythonNumber(1e-5)).toBe('1e-05');
    expect(pythonNumber(0.0001)).toBe('0.0001');
    expect(pythonNumber(1.5e-7)).toBe('1.5e-07');
    expect(pythonNumber(1e21)).toBe('1e+21');
    expect(pythonNumber(2.5)).toBe('2.5');
    expect(pythonNumber(42)).toBe('42');
    expect(() => pythonNumber(Number.NaN)).toThrow();
  });
});
