// sharedDepth (ingest-coalescer.ts) decides which single POSTs may share a call and spares them a
// JSON.parse: whatever it accepts must be JSON that JSON.parse (and so the single path) accepts,
// with the depth the batch scanner measures; valid envelopes and JSON of any shape it must accept,
// unless they hold what goes alone.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { textDepth } from '../src/batch-scanner.js';
import { valueDepth } from '../src/graphql-ingest.js';
import { sharedDepth } from '../src/ingest-coalescer.js';
import { runs } from './property/settings.js';
import { envelope } from './support.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether JSON.stringify writes an escape that goes alone (\u0000, a lone surrogate) somewhere in the value. */
function escapesAlone(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000') || LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(escapesAlone);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => escapesAlone(k) || escapesAlone(v));
  return false;
}

const jsonText = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.jsonValue().map((v) => JSON.stringify(v, null, 2)),
  fc.constant(null).map(() => JSON.stringify(envelope('t', 'e'))),
);

/** JSON texts cut, grown and changed at random places, with characters that matter to the grammar. */
const mangled = fc.tuple(jsonText, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(
  '"', '\\', ',', ':', '{', '}', '[', ']', '-', '.', 'e', 'E', '+', '0', '1', 'u', '\\u', '\\u00', 'tru', 'nul', ' ', '\n', '\u0001', '\ud800',
)), { maxLength: 4 })).map(([text, edits]) => {
  let t = text;
  for (const [at, remove, insert] of edits) {
    const i = t.length === 0 ? 0 : at % (t.length + 1);
    t = t.slice(0, i) + insert + t.slice(i + remove);
  }
  return t;
});

/** Near misses of JSON tokens, and a few of its values, placed in a valid text. */
const NEAR = ['1.', '.5', '01', '-', '-a', '1e', '1e+', '+1', '0x1', '1.e5', '1E-', '00', '-01', 'tru', 'nulll', 'True', 'NaN', 'Infinity',
  '"\\x"', '"\\u12"', '"\\u12G4"', '"a', '"\t"', '1 2', '"a" "b"', '0', '-0.0e-0', '1E+99', '"\\ud83d\\ude00"', '"\\u0000"'];
const nearMiss = fc.tuple(fc.constantFrom(...NEAR), fc.constantFrom('%', '[%]', '{"a":%}', '[1,%]', '{"a":1,"b":%}', '[%,]', '{%}', '{"a" %}', '[[%]'))
  .map(([token, shape]) => shape.replace('%', token));

test('what sharedDepth accepts, JSON.parse accepts, with the batch scanner\'s depth', () => {
  fc.assert(fc.property(fc.oneof(mangled, nearMiss, fc.string({ unit: 'binary', maxLength: 20 }), jsonText), (text) => {
    const depth = sharedDepth(text);
    if (depth === null) return;
    expect(() => JSON.parse(text), text).not.toThrow();
    expect(depth).toBe(textDepth(text));
  }), runs(20_000));
});

test('JSON of any shape is accepted, with its depth, unless it holds what goes alone', () => {
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 8 }), fc.boolean(), (value, spaced) => {
    const text = JSON.stringify(value, null, spaced ? 2 : undefined);
    if (escapesAlone(value)) expect(sharedDepth(text)).toBeNull();
    else expect(sharedDepth(text)).toBe(valueDepth(value));
  }), runs(5_000));
});
