import { isLosslessNumber, type LosslessNumber } from './exact-json';

/**
 * Serialises a JSON value exactly as Python's
 * `json.dumps(value, separators=(",", ":"), sort_keys=True)` does (ensure_ascii on), so the
 * bytes hookpost signs for seed 000 are the bytes its `verify_webhook` sample recomputes.
 *
 * The differences from JSON.stringify that matter:
 * - keys sorted by code point (Python str order), not by UTF-16 code unit;
 * - every character outside printable ASCII escaped as lower-case \uXXXX (surrogate pairs
 *   for astral characters, DEL included);
 * - floats in Python's repr: `1e-05`, `1e+16`, `1.5e-07` where JavaScript writes
 *   `0.00001`, `10000000000000000`, `1.5e-7`.
 * Integers stay integers (Python reads `1` back as int and writes `1`), so the output is a
 * fixed point of Python's loads/dumps round trip. A number kept exact (a LosslessNumber, see
 * exact-json.ts) is written as Python writes what it reads from that literal: an integer
 * literal as an int of any size, any other as a float (`1.0`, `-0.0`, `1e+16`).
 */
export type JsonValue = null | boolean | number | LosslessNumber | string | JsonValue[] | { [key: string]: JsonValue };

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

export const pythonString = (s: string): string => {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
};

export const pythonNumber = (n: number): string => {
  // Integral values that JavaScript writes without an exponent read back in Python as int.
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return Object.is(n, -0) ? '0' : String(n);
  return pythonFloat(n);
};

/** Python's repr of a float: shortest round-trip digits, `.0` on integral values. */
const pythonFloat = (n: number): string => {
  if (!Number.isFinite(n)) throw new TypeError('JSON has no representation for NaN or Infinity');
  // Shortest round-trip digits, the same that Python's repr chooses.
  const [mantissa, expPart] = n.toExponential().split('e') as [string, string];
  const exponent = Number(expPart);
  const negative = mantissa.startsWith('-') || Object.is(n, -0);
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exponent >= -4 && exponent < 16) {
    // Python repr: fixed notation in this range.
    let fixed: string;
    if (exponent < 0) fixed = `0.${'0'.repeat(-exponent - 1)}${digits}`;
    else if (digits.length > exponent + 1) fixed = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
    else fixed = `${digits}${'0'.repeat(exponent + 1 - digits.length)}.0`;
    return sign + fixed;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const expSign = exponent < 0 ? '-' : '+';
  return `${sign}${mant}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
};

/** Compares two strings by Unicode code point, as Python sorts str keys. */
export const compareCodePoints = (a: string, b: string): number => {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
};

/** An exact literal as Python's json.loads then json.dumps writes it. */
const pythonLiteral = (literal: string): string => {
  if (/^-?\d+$/.test(literal)) return BigInt(literal).toString(); // a Python int: any size; `-0` is 0
  return pythonFloat(Number(literal));
};

export const pythonJsonDumps = (value: JsonValue): string => {
  if (value === null) return 'null';
  if (isLosslessNumber(value)) return pythonLiteral((value as LosslessNumber).value);
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return pythonNumber(value);
    case 'string':
      return pythonString(value);
    default:
      break;
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(',')}]`;
  const keys = Object.keys(value).sort(compareCodePoints);
  return `{${keys.map((k) => `${pythonString(k)}:${pythonJsonDumps((value as Record<string, JsonValue>)[k]!)}`).join(',')}}`;
};
