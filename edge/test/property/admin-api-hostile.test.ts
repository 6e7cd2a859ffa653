// /admin/api looks up only its own names: resources, filters, sorts and ids named after what every
// JavaScript object inherits (__proto__, constructor, toString…), or holding what PostgreSQL cannot
// store, are 404/422 problems, never 500. Each known case is listed with its status; a property
// then throws random resource names, filter keys and values, sort fields and ranges at the API.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHarness, type Harness, type HttpAnswer } from '../harness.js';
import { envelope } from '../support.js';
import { hostileValue } from './hostile.js';
import { runs, Tally } from './settings.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('admin_hostile');
  await h.http('POST', '/v1/events', { key: h.producerKey, body: envelope(h.tenant, 'hostile-1') });
  await h.http('POST', '/v1/events', { key: h.producerKey, body: envelope(h.tenant, 'hostile-1', { total_amount: 1 }) });
});
afterAll(() => h?.close());

const RESOURCES = ['exceptions', 'events', 'idempotency-keys', 'keys', 'audit-log', 'rejections'];
const INHERITED = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf',
  'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__'];
const q = encodeURIComponent;

function expectProblem(r: HttpAnswer, context: string) {
  expect(r.headers.get('content-type'), context).toMatch(/^application\/problem\+json/);
  expect(r.json, context).toMatchObject({ status: r.status, title: expect.any(String) });
  expect(r.text, context).not.toMatch(/\n\s+at |select |ERROR:|ledger_private|TypeError|undefined/i);
}

const get = (path: string) => h.http('GET', path, { key: h.operatorKey });

describe('each hostile input, with its status', () => {
  const cases: [string, string, number][] = [
    ...INHERITED.map((name): [string, string, number] => [`resource ${name}`, `/admin/api/${q(name)}`, 404]),
    ...INHERITED.map((name): [string, string, number] => [`resource ${name}, one record`, `/admin/api/${q(name)}/1`, 404]),
    ['resource with a NUL', '/admin/api/events%00', 404],
    ['resource in capitals', '/admin/api/EVENTS', 404],
    ...INHERITED.map((name): [string, string, number] => [`filter key ${name}`, `/admin/api/events?filter=${q(JSON.stringify({ [name]: 1 }))}`, 422]),
    ['filter key __proto__ as JSON text', `/admin/api/exceptions?filter=${q('{"__proto__": {"status": "open"}}')}`, 422],
    ['filter value an object', `/admin/api/events?filter=${q('{"tenant_id": {"__proto__": 1}}')}`, 422],
    ['filter value a nested array', `/admin/api/events?filter=${q('{"id": [[1]]}')}`, 422],
    ['filter value \\u0000 (escaped)', `/admin/api/events?filter=${q('{"tenant_id": "\\u0000"}')}`, 422],
    ['filter text with a NUL byte', `/admin/api/events?filter=${q('{"tenant_id": "a\u0000"}')}`, 422],
    ['filter value a lone surrogate', `/admin/api/events?filter=${q('{"tenant_id": "\\ud800"}')}`, 422],
    ['filter value 1e1000000', `/admin/api/events?filter=${q('{"id": 1e1000000}')}`, 422],
    ['filter value 1e400 for an id', `/admin/api/events?filter=${q('{"id": 1e400}')}`, 422],
    ['filter value 2^63 for an id', `/admin/api/events?filter=${q('{"id": 9223372036854775808}')}`, 422],
    ['filter value 1.5 for an id', `/admin/api/events?filter=${q('{"id": 1.5}')}`, 422],
    ['filter nested 1000 deep', `/admin/api/events?filter=${q(`{"id": ${'['.repeat(1000)}${']'.repeat(1000)}}`)}`, 422],
    ['filter not an object', `/admin/api/events?filter=${q('"constructor"')}`, 422],
    ['filter not JSON', `/admin/api/events?filter=${q('{constructor: 1}')}`, 422],
    ...INHERITED.map((name): [string, string, number] => [`sort on ${name}`, `/admin/api/exceptions?sort=${q(JSON.stringify([name, 'ASC']))}`, 422]),
    ['sort field with a NUL', `/admin/api/events?sort=${q(JSON.stringify(['id\u0000', 'ASC']))}`, 422],
    ['sort an object', `/admin/api/events?sort=${q('{"0": "id", "1": "ASC", "length": 2}')}`, 422],
    ['sort direction toString', `/admin/api/events?sort=${q('["id", "toString"]')}`, 422],
    ['range 1e400', `/admin/api/events?range=${q('[0, 1e400]')}`, 422],
    ['range beyond 2^53', `/admin/api/events?range=${q('[0, 9007199254740993]')}`, 422],
    ['range of strings', `/admin/api/events?range=${q('["0", "9"]')}`, 422],
    ['range an object', `/admin/api/events?range=${q('{"0": 0, "1": 9, "length": 2}')}`, 422],
    ['filter given twice', '/admin/api/events?filter=%7B%7D&filter=%7B%7D', 422],
    ['id __proto__ of an event', '/admin/api/events/__proto__', 422],
    ['id constructor of an exception', '/admin/api/exceptions/constructor', 422],
    ['id toString of an audit row', '/admin/api/audit-log/toString', 422],
    ['id __proto__ of an idempotency key', '/admin/api/idempotency-keys/__proto__', 422],
    ['id <tenant>/__proto__ of an idempotency key', `/admin/api/idempotency-keys/${q('t/__proto__')}`, 404],
    ['id of 20 digits', '/admin/api/events/99999999999999999999', 422],
    ['id with a NUL', '/admin/api/rejections/1%00', 422],
    ['query parameters named __proto__ and constructor (ignored)', '/admin/api/events?__proto__=1&constructor=x&toString=y', 200],
  ];

  test.each(cases)('%s → %i', async (_name, path, status) => {
    const r = await get(path);
    expect(r.status, r.text.slice(0, 300)).toBe(status);
    if (status >= 400) expectProblem(r, path);
  });
});

const name = fc.oneof(fc.constantFrom(...INHERITED), fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ maxLength: 12 }));
/** A path segment: not empty, and not `.` or `..`, which URLs resolve away. */
const segment = name.filter((s) => s !== '' && s !== '.' && s !== '..');
/** A filter as JSON text: keys real, inherited or random; values from the hostile envelopes' pieces, kept URL-sized. */
const filterText = fc.array(
  fc.tuple(fc.oneof(fc.constantFrom('id', 'status', 'tenant_id', 'idempotency_key', 'http_status', 'exception_id', 'q', 'action'), name),
    hostileValue.filter((p) => p.text.length <= 2_000)),
  { maxLength: 4 },
).map((members) => `{${members.map(([key, value]) => `${JSON.stringify(key)}: ${value.text}`).join(', ')}}`);
const sortText = fc.oneof(
  fc.tuple(fc.oneof(fc.constantFrom('id', 'opened_at', 'received_at', 'at'), name), fc.constantFrom('ASC', 'desc', 'UP', ''))
    .map((sort) => JSON.stringify(sort)),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
);
const rangeText = fc.oneof(
  fc.tuple(fc.nat(2_000), fc.nat(2_000)).map(([a, b]) => `[${a}, ${a + b}]`),
  fc.constantFrom('[5, 1]', '[-1, 3]', '[0, 1e400]', '[0.5, 2]', '[]', 'null', '[0, 9007199254740993]'),
);

test('random resource names, filters, sorts and ranges: never 5xx, problems as problem+json, pages as simple-rest says', async () => {
  const tally = new Tally('console API, hostile queries: pages', ['pages with records', 'empty pages']);
  await fc.assert(fc.asyncProperty(
    fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...RESOURCES) }, segment),
    // Each part usually absent or valid, so that pages are served and checked too, not only refusals.
    fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('{}', '{"status": "open"}') },
      { weight: 2, arbitrary: filterText }),
    fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('["id", "ASC"]', '["id", "DESC"]') },
      { weight: 2, arbitrary: sortText }),
    fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.tuple(fc.nat(3), fc.nat(3)).map(([a, b]) => `[${a}, ${a + b}]`) },
      { weight: 2, arbitrary: rangeText }),
    fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: segment }),
    async (resource, filter, sort, range, id) => {
      const query = new URLSearchParams();
      if (filter !== null) query.set('filter', filter);
      if (sort !== null) query.set('sort', sort);
      if (range !== null) query.set('range', range);
      const path = id === null ? `/admin/api/${q(resource)}?${query}` : `/admin/api/${q(resource)}/${q(id)}`;
      const r = await get(path);
      const context = `${path} → ${r.status} ${r.text.slice(0, 300)}`;
      expect(r.status, context).toBeLessThan(500);
      if (r.status >= 400) {
        expect(r.status, context).toBeOneOf(RESOURCES.includes(resource) ? [404, 422, 431] : [404, 431]);
        if (r.status !== 431) expectProblem(r, context);
        tally.add(`refused ${r.status}`);
        return;
      }
      expect(RESOURCES.includes(resource), context).toBe(true);
      if (id !== null) {
        expect(r.json?.id, context).toBeDefined();
        tally.add('records');
        return;
      }
      expect(Array.isArray(r.json), context).toBe(true);
      const contentRange = r.headers.get('content-range') ?? '';
      expect(contentRange, context).toMatch(new RegExp(`^${resource} \\d+-\\d+/\\d+$`));
      // The page says where it is: from the start asked for, as many as it holds, of a total it fits in.
      const [start, end, total] = contentRange.slice(resource.length + 1).split(/[-/]/).map(Number);
      const asked = range === null ? null : JSON.parse(range) as [number, number];
      const records = (r.json as unknown[]).length;
      expect(start, context).toBe(asked?.[0] ?? 0);
      if (records > 0) {
        expect({ end, fits: start + records <= total, within: asked === null || end <= asked[1] }, context)
          .toEqual({ end: start + records - 1, fits: true, within: true });
        tally.add('pages with records');
      } else {
        expect(start, `${context}: an empty page starts at or past the total`).toBeGreaterThanOrEqual(total);
        tally.add('empty pages');
      }
    }), runs(300));
  tally.report();
}, 120_000);
