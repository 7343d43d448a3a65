import { describe, expect, it } from 'vitest';
import { type EventPattern, matchesPattern, validatePattern } from '../../lambdas/shared/domain/event-filter';
import { parseExact } from '../../lambdas/shared/domain/exact-json';

/** AWS's own examples ("Content filtering in Amazon EventBridge event patterns"), applied to `data`. */
const match = (pattern: EventPattern, data: unknown) => {
  validatePattern(pattern);
  return matchesPattern(pattern, data);
};

describe('EventBridge-style content filters, as AWS documents them', () => {
  it('exact values, a field of any listed value, arrays matching by any element, numbers by value', () => {
    expect(match({ source: ['aws.ec2'] }, { source: 'aws.ec2' })).toBe(true);
    expect(match({ state: ['running', 'stopped'] }, { state: 'stopped' })).toBe(true);
    expect(match({ state: ['running'] }, { state: 'pending' })).toBe(false);
    expect(match({ resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-1'] }, { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-1', 'x'] })).toBe(true);
    expect(match({ n: [5] }, parseExact('{"n": 5.0}'))).toBe(true);
    expect(match({ big: [1e20] }, parseExact('{"big": 100000000000000000000}'))).toBe(true);
    expect(match({ flag: [true], none: [null] }, { flag: true, none: null })).toBe(true);
    expect(match({ state: ['running'] }, {})).toBe(false);
  });

  it('prefix, suffix, equals-ignore-case (also inside prefix and suffix)', () => {
    expect(match({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(match({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-03T18:43:48Z' })).toBe(false);
    expect(match({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' })).toBe(true);
    expect(match({ FileName: [{ suffix: { 'equals-ignore-case': '.PNG' } }] }, { FileName: 'image.png' })).toBe(true);
    expect(match({ name: [{ 'equals-ignore-case': 'alice' }] }, { name: 'ALICE' })).toBe(true);
    expect(match({ name: [{ prefix: { 'equals-ignore-case': 'AL' } }] }, { name: 'alice' })).toBe(true);
  });

  it('anything-but a value, a list, a prefix, a suffix; numbers too', () => {
    expect(match({ state: [{ 'anything-but': 'initializing' }] }, { state: 'stopped' })).toBe(true);
    expect(match({ state: [{ 'anything-but': 'initializing' }] }, { state: 'initializing' })).toBe(false);
    expect(match({ state: [{ 'anything-but': ['stopped', 'overloaded'] }] }, { state: 'initializing' })).toBe(true);
    expect(match({ state: [{ 'anything-but': ['stopped', 'overloaded'] }] }, { state: 'stopped' })).toBe(false);
    expect(match({ state: [{ 'anything-but': { prefix: 'init' } }] }, { state: 'initializing' })).toBe(false);
    expect(match({ FileName: [{ 'anything-but': { suffix: '.txt' } }] }, { FileName: 'notes.md' })).toBe(true);
    expect(match({ 'x-limit': [{ 'anything-but': 123 }] }, { 'x-limit': 124 })).toBe(true);
  });

  it('numeric ranges, and every clause of a pattern must hold', () => {
    const pattern = { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] };
    expect(match(pattern, { 'c-count': 5, 'd-count': 7, 'x-limit': 301.8 })).toBe(true);
    expect(match(pattern, { 'c-count': 0, 'd-count': 7, 'x-limit': 301.8 })).toBe(false);
    expect(match({ n: [{ numeric: ['>=', 10] }] }, { n: '12' })).toBe(false); // a string is not a number
  });

  it('exists, nested fields, and $or', () => {
    expect(match({ 'c-count': [{ exists: true }] }, { 'c-count': 3 })).toBe(true);
    expect(match({ 'c-count': [{ exists: false }] }, { 'd-count': 3 })).toBe(true);
    expect(match({ 'c-count': [{ exists: false }] }, { 'c-count': 3 })).toBe(false);
    expect(match({ detail: { state: ['running'] } }, { detail: { state: 'running' } })).toBe(true);
    expect(match({ detail: { state: [{ exists: false }] } }, {})).toBe(true);
    const either = { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] };
    expect(match(either, { 'd-count': 3 })).toBe(true);
    expect(match(either, { 'c-count': 9, 'd-count': 30 })).toBe(false);
  });

  it.each([
    [[], 'filter: must be an object of fields'],
    [{}, 'filter: must name at least one field'],
    [{ a: 'x' }, 'filter.a: must be a list of values or matchers, or a nested pattern'],
    [{ a: [] }, 'filter.a: must list at least one value or matcher'],
    [{ a: [{ numeric: ['>'] }] }, 'filter.a.0.numeric:'],
    [{ a: [{ numeric: ['~', 1] }] }, 'filter.a.0.numeric:'],
    [{ a: [{ wildcard: 'x*' }] }, 'filter.a.0.wildcard: is not a matcher'],
    [{ a: [{ prefix: 1 }] }, 'filter.a.0.prefix:'],
    [{ a: { b: [{ exists: 'yes' }] } }, 'filter.a.b.0.exists: must be true or false'],
    [{ $or: [{ a: [1] }] }, 'filter.$or: must be a list of at least two patterns'],
  ])('refuses %j naming the path', (pattern, message) => {
    expect(() => validatePattern(pattern)).toThrow(message);
  });
});
