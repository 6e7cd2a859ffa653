// The model's JSON (json.ts) must say what PostgreSQL says, or the model would judge the database
// by a wrong oracle: for random JSON texts (numbers written every way, escapes, repeated member
// names, white space), jsonbText(parse(text)) is `text::jsonb::text`, and mergePatch is
// ledger_private.merge_patch.
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase } from '../support.js';
import { jsonbText, mergePatch, parse } from './json.js';
import { runs } from './settings.js';

let pool: pg.Pool;
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await createTestDatabase('prop_json_oracle'), max: 2 });
});
afterAll(() => pool?.end());

const space = fc.constantFrom('', ' ', '\n ', '\t');
const numberText = fc.tuple(
  fc.constantFrom('', '-'), fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9]\d{0,30}$/)),
  fc.option(fc.stringMatching(/^\d{1,25}$/)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 40 }))),
).map(([sign, whole, fraction, exponent]) => `${sign}${whole}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : exponent.join('')}`);
const stringText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 8 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"caf\\u00e9"', '"\\/\\b\\f\\n\\r\\t"', '"\\u001f\\u007f"', '"\\ud83d\\ude00"', '"a\\"b\\\\"', '"\u2028"'),
);
const { text: jsonText } = fc.letrec<{ text: string; member: string }>((tie) => ({
  text: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    numberText, stringText, fc.constantFrom('true', 'false', 'null'),
    fc.tuple(space, fc.array(tie('text'), { maxLength: 4 })).map(([s, items]) => `[${s}${items.join(`${s},`)}]`),
    fc.tuple(space, fc.array(tie('member'), { maxLength: 5 })).map(([s, members]) => `{${s}${members.join(`,${s}`)}}`)),
  // Few names, so that repeated names are common.
  member: fc.tuple(fc.constantFrom('"a"', '"b"', '"ab"', '"é"', '"\\u0062"', '"B"', '"aa"'), space, tie('text')).map(([name, s, value]) => `${name}${s}:${value}`),
}));

test('jsonbText(parse(text)) is text::jsonb::text', async () => {
  await fc.assert(fc.asyncProperty(fc.array(jsonText, { minLength: 1, maxLength: 50 }), async (texts) => {
    const { rows } = await pool.query('select t::jsonb::text as jsonb from unnest($1::text[]) t', [texts]);
    expect(rows.map((r) => r.jsonb)).toEqual(texts.map((t) => jsonbText(parse(t))));
  }), runs(100));
});

test('mergePatch is ledger_private.merge_patch', async () => {
  await fc.assert(fc.asyncProperty(fc.array(fc.tuple(jsonText, jsonText), { minLength: 1, maxLength: 50 }), async (pairs) => {
    const { rows } = await pool.query(
      'select ledger_private.merge_patch(t::jsonb, p::jsonb)::text as merged from unnest($1::text[], $2::text[]) as x(t, p)',
      [pairs.map(([t]) => t), pairs.map(([, p]) => p)]);
    expect(rows.map((r) => r.merged)).toEqual(pairs.map(([t, p]) => jsonbText(mergePatch(parse(t), parse(p)))));
  }), runs(100));
});
