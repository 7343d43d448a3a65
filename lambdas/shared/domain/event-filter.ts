/**
 * Content filters on an event's `data`, in EventBridge's event-pattern language as AWS
 * documents it ("Content filtering in Amazon EventBridge event patterns"): exact values,
 * `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (a value, a list, a prefix or a
 * suffix), `numeric` ranges, `exists`, and `$or`. A field holding an array matches when any
 * element does. Written here because no well-kept library matches EventBridge patterns outside
 * AWS (EventBridge's own TestEventPattern is an API call); it is tested against AWS's examples.
 */
export type EventPattern = { [field: string]: unknown };

export class PatternError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const NUMERIC_OPS = new Set(['<', '<=', '=', '>=', '>']);

/** Checks a pattern's shape; throws PatternError naming the path of the first fault. */
export const validatePattern = (pattern: unknown, path = 'filter'): void => {
  if (!isObject(pattern)) throw new PatternError(path, 'must be an object of fields');
  if (Object.keys(pattern).length === 0) throw new PatternError(path, 'must name at least one field');
  for (const [field, value] of Object.entries(pattern)) {
    const at = `${path}.${field}`;
    if (field === '$or') {
      if (!Array.isArray(value) || value.length < 2) throw new PatternError(at, 'must be a list of at least two patterns');
      value.forEach((p, i) => validatePattern(p, `${at}.${i}`));
    } else if (isObject(value)) {
      validatePattern(value, at);
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw new PatternError(at, 'must list at least one value or matcher');
      value.forEach((m, i) => validateMatcher(m, `${at}.${i}`));
    } else {
      throw new PatternError(at, 'must be a list of values or matchers, or a nested pattern');
    }
  }
};

const validateMatcher = (m: unknown, path: string): void => {
  if (m === null || typeof m === 'string' || typeof m === 'number' || typeof m === 'boolean') return;
  if (!isObject(m) || Object.keys(m).length !== 1) throw new PatternError(path, 'must be a value or an object of one matcher');
  const [name, arg] = Object.entries(m)[0]!;
  switch (name) {
    case 'prefix':
    case 'suffix':
      if (typeof arg === 'string') return;
      if (isObject(arg) && Object.keys(arg).length === 1 && typeof arg['equals-ignore-case'] === 'string') return;
      throw new PatternError(`${path}.${name}`, 'must be a string (or {"equals-ignore-case": string})');
    case 'equals-ignore-case':
      if (typeof arg !== 'string') throw new PatternError(`${path}.${name}`, 'must be a string');
      return;
    case 'exists':
      if (typeof arg !== 'boolean') throw new PatternError(`${path}.${name}`, 'must be true or false');
      return;
    case 'anything-but':
      if (typeof arg === 'string' || typeof arg === 'number') return;
      if (Array.isArray(arg) && arg.length > 0 && arg.every((a) => typeof a === 'string' || typeof a === 'number')) return;
      if (isObject(arg) && Object.keys(arg).length === 1 && (typeof arg.prefix === 'string' || typeof arg.suffix === 'string')) return;
      throw new PatternError(`${path}.${name}`, 'must be a value, a list of values, {"prefix": …} or {"suffix": …}');
    case 'numeric': {
      const ok =
        Array.isArray(arg) &&
        (arg.length === 2 || arg.length === 4) &&
        arg.every((a, i) => (i % 2 === 0 ? typeof a === 'string' && NUMERIC_OPS.has(a) : typeof a === 'number' && Number.isFinite(a)));
      if (!ok) throw new PatternError(`${path}.${name}`, 'must be ["op", number] or ["op", number, "op", number] with op one of < <= = >= >');
      return;
    }
    default:
      throw new PatternError(`${path}.${name}`, 'is not a matcher (prefix, suffix, equals-ignore-case, anything-but, numeric, exists)');
  }
};

/** The JSON number a value stands for, whatever parser produced it (exact-json keeps big numbers as objects). */
const asNumber = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'isLosslessNumber' in v) return Number(String(v));
  return undefined;
};

const compare = (value: number, op: string, bound: number): boolean =>
  op === '<' ? value < bound : op === '<=' ? value <= bound : op === '=' ? value === bound : op === '>=' ? value >= bound : value > bound;

const textMatch = (value: unknown, arg: unknown, test: (v: string, a: string) => boolean): boolean => {
  if (typeof value !== 'string') return false;
  if (typeof arg === 'string') return test(value, arg);
  const folded = (arg as Record<string, string>)['equals-ignore-case']!;
  return test(value.toLowerCase(), folded.toLowerCase());
};

/** Whether one (non-array) value matches one matcher. */
const matchesOne = (value: unknown, m: unknown): boolean => {
  if (!isObject(m)) {
    const n = asNumber(value);
    return typeof m === 'number' ? n !== undefined && n === m : value === m;
  }
  const [name, arg] = Object.entries(m)[0]!;
  switch (name) {
    case 'prefix':
      return textMatch(value, arg, (v, a) => v.startsWith(a));
    case 'suffix':
      return textMatch(value, arg, (v, a) => v.endsWith(a));
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === String(arg).toLowerCase();
    case 'anything-but': {
      if (isObject(arg)) {
        if (typeof value !== 'string') return false;
        return typeof arg.prefix === 'string' ? !value.startsWith(arg.prefix) : !value.endsWith(arg.suffix as string);
      }
      const excluded = Array.isArray(arg) ? arg : [arg];
      return !excluded.some((x) => matchesOne(value, x));
    }
    case 'numeric': {
      const n = asNumber(value);
      if (n === undefined) return false;
      const ops = arg as Array<string | number>;
      for (let i = 0; i < ops.length; i += 2) if (!compare(n, ops[i] as string, ops[i + 1] as number)) return false;
      return true;
    }
    default:
      return false;
  }
};

/** Whether a field's value (absent: undefined) matches a leaf list of matchers. */
const matchesLeaf = (value: unknown, matchers: unknown[]): boolean =>
  matchers.some((m) => {
    if (isObject(m) && 'exists' in m) return m.exists ? value !== undefined : value === undefined;
    if (value === undefined) return false;
    return Array.isArray(value) ? value.some((v) => matchesOne(v, m)) : matchesOne(value, m);
  });

/** Whether `data` matches `pattern` (every field of the pattern, any branch of an `$or`). */
export const matchesPattern = (pattern: EventPattern, data: unknown): boolean =>
  Object.entries(pattern).every(([field, rule]) => {
    if (field === '$or') return (rule as EventPattern[]).some((p) => matchesPattern(p, data));
    const value = isObject(data) ? data[field] : undefined;
    if (Array.isArray(rule)) return matchesLeaf(value, rule);
    // A nested pattern: the field must hold an object (or an array of them) that matches it.
    if (Array.isArray(value)) return value.some((v) => matchesPattern(rule as EventPattern, v));
    return isObject(value) ? matchesPattern(rule as EventPattern, value) : matchesPattern(rule as EventPattern, {});
  });
