import { isLosslessNumber, LosslessNumber, parse, stringify } from 'lossless-json';

/**
 * JSON that keeps every number exactly as it was written: what a platform publishes in `data`
 * reaches receivers with each number's value and kind intact (64-bit ids, `1.0`, `-0.0`),
 * where JSON.parse would turn them into doubles. lossless-json does the parsing and writing.
 *
 * A number literal that a double holds exactly *and* writes back the same (a plain integer
 * within 15 digits) parses to a JavaScript number, so hookpost's own fields (`attempt`,
 * `grace_period_seconds`) stay numbers; any other literal parses to a LosslessNumber holding
 * its text. A literal beyond the double range (`1e400`) is refused: Python reads it as
 * infinity, which no JSON can carry on.
 */
export { isLosslessNumber, LosslessNumber };

export class NumberOutOfRangeError extends SyntaxError {
  constructor(readonly literal: string) {
    super(`The number ${literal.length > 40 ? `${literal.slice(0, 40)}…` : literal} is outside the range of a 64-bit float`);
  }
}

const PLAIN_INTEGER = /^-?(0|[1-9]\d{0,14})$/;

const parseNumber = (literal: string): number | LosslessNumber => {
  if (PLAIN_INTEGER.test(literal) && literal !== '-0') return Number(literal);
  if (!Number.isFinite(Number(literal))) throw new NumberOutOfRangeError(literal);
  return new LosslessNumber(literal);
};

/** Parses JSON text, numbers exact (see above). Throws SyntaxError (NumberOutOfRangeError for 1e400). */
export const parseExact = (text: string): unknown => parse(text, null, parseNumber);

/** Writes JSON as JSON.stringify does, each LosslessNumber as the text it was read from. */
export const stringifyExact = (value: unknown): string => {
  const out = stringify(value);
  if (out === undefined) throw new TypeError('stringifyExact: the value has no JSON form');
  return out;
};

/** A parsed body with its exact numbers as plain JavaScript numbers: what a pattern or a schema compares. */
export const withPlainNumbers = (v: unknown): unknown =>
  isLosslessNumber(v) ? Number(String(v)) : Array.isArray(v) ? v.map(withPlainNumbers) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withPlainNumbers(x)])) : v;
