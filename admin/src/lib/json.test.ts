import { describe, expect, test } from 'vitest';
import { countChanges, diff, envelopeOrder, mergePatch, parseExact, parsePatch, toJsonText } from './json';

describe('mergePatch (RFC 7396, appendix A)', () => {
  test.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (target, patch, result) => {
    expect(mergePatch(target as never, patch as never)).toEqual(result);
  });

  test('leaves the target alone', () => {
    const target = { a: { b: 1 } };
    mergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe('diff', () => {
  test('changed, added, removed and unchanged leaves, nested and in arrays', () => {
    const rows = diff(
      { total: 1, items: [{ sku: 'A', qty: 1 }], note: 'x', meta: {} },
      { total: 2, items: [{ sku: 'A', qty: 1 }, { sku: 'B' }], meta: {}, extra: true },
    );
    expect(rows).toEqual([
      { path: 'total', change: 'changed', before: 1, after: 2 },
      { path: 'items[0].sku', change: 'same', before: 'A', after: 'A' },
      { path: 'items[0].qty', change: 'same', before: 1, after: 1 },
      { path: 'note', change: 'removed', before: 'x' },
      { path: 'meta', change: 'same', before: {}, after: {} },
      { path: 'items[1].sku', change: 'added', after: 'B' },
      { path: 'extra', change: 'added', after: true },
    ]);
    expect(countChanges(rows)).toEqual({ changed: 1, added: 2, removed: 1 });
  });

  test('a value that changes type', () => {
    expect(diff({ a: 1 }, { a: { b: 1 } }).map((r) => [r.path, r.change])).toEqual([['a', 'removed'], ['a.b', 'added']]);
    expect(diff({ a: 1 }, { a: '1' })[0].change).toBe('changed');
  });

  test('nothing to compare with', () => {
    expect(diff(undefined, { a: 1 })).toEqual([{ path: 'a', change: 'added', after: 1 }]);
  });
});

test('parsePatch: the patch for the preview, and its text as typed', () => {
  expect(parsePatch('')).toEqual({ patch: {}, text: '{}' });
  expect(parsePatch(' {"a": null} ')).toEqual({ patch: { a: null }, text: '{"a": null}' });
  expect(parsePatch('[1]')).toEqual({ error: 'not_object' });
  expect(parsePatch('{a:')).toEqual({ error: 'not_json' });
  expect(parsePatch('40.0')).toEqual({ error: 'not_object' });
  const typed = parsePatch('{"total_amount": 40.0, "big": 12345678901234567890123.45}');
  expect('text' in typed && typed.text).toBe('{"total_amount": 40.0, "big": 12345678901234567890123.45}');
  expect('patch' in typed && toJsonText(typed.patch)).toBe('{"total_amount":40.0,"big":12345678901234567890123.45}');
});

describe('exact JSON', () => {
  test.each([
    '12345678901234567890123.45', '40.0', '0.10', '1E+2', '-0', '1e400', '9007199254740993', '123456789012345678901234567890',
  ])('%s keeps its text through parse and write', (number) => {
    const text = `{"n":${number},"list":[${number}]}`;
    expect(toJsonText(parseExact(text))).toBe(text);
  });

  test('numbers a double holds as written stay numbers', () => {
    expect(parseExact('{"raw_id": 42, "amount": 42.5, "count": -3}')).toEqual({ raw_id: 42, amount: 42.5, count: -3 });
  });

  test('a repeated member keeps its last value, as jsonb does; __proto__ is a member like any other', () => {
    expect(parseExact('{"a": 1, "a": 2}')).toEqual({ a: 2 });
    const parsed = parseExact('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a merge patch and a diff over exact numbers', () => {
    const before = parseExact('{"total_amount": 40, "fee": 0.10}');
    const after = mergePatch(before, parseExact('{"total_amount": 40.0}'));
    expect(toJsonText(after)).toBe('{"total_amount":40.0,"fee":0.10}');
    expect(diff(before, after).map((r) => [r.path, r.change])).toEqual([['total_amount', 'changed'], ['fee', 'same']]);
    expect(toJsonText(envelopeOrder(parseExact('{"z": 1.50, "total_amount": 1E+2}')))).toBe('{"total_amount":1E+2,"z":1.50}');
  });
});

test('envelopeOrder: the contract order first, then by name', () => {
  const ordered = envelopeOrder({ zeta: 1, txn_id: 't', alpha: 2, tenant_id: 'x', schema_version: '1.0', line_items: [{ sku: 'A', qty: 1, amount: 2 }] });
  expect(JSON.stringify(ordered)).toBe(
    '{"schema_version":"1.0","tenant_id":"x","txn_id":"t","line_items":[{"amount":2,"qty":1,"sku":"A"}],"alpha":2,"zeta":1}');
  expect(envelopeOrder([1, 2])).toEqual([1, 2]);
});
