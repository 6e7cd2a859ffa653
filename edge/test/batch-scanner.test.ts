// The batch body's scanner against JSON.parse: it accepts exactly the JSON texts JSON.parse accepts,
// gives each item's own text (which parses to that item), measures nesting, cuts anywhere between
// chunks, and refuses the shapes that are not {"events": [...]} with 422.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BatchScanner, type BatchItem } from '../src/batch-scanner.js';
import { runs } from './property/settings.js';

/** Scans `body` cut into chunks at `cuts`; the items, or the status of the problem thrown. */
function scan(body: Buffer | string, cuts: number[] = [], max = 1000): BatchItem[] | number {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const scanner = new BatchScanner(max);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  try {
    let from = 0;
    for (const to of [...points, bytes.length]) {
      scanner.push(bytes.subarray(from, to));
      from = to;
    }
    return scanner.end();
  } catch (error) {
    return (error as { status: number }).status;
  }
}

function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

const cuts = fc.array(fc.nat(), { maxLength: 8 });

describe('batch scanner', () => {
  test('a batch of any JSON values: each item its own text, parsed to the same value, with its depth', () => {
    fc.assert(fc.property(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 8 }), fc.boolean(), cuts, (events, spaced, at) => {
      const body = spaced ? JSON.stringify({ events }, null, 2) : JSON.stringify({ events });
      const items = scan(body, at);
      expect(Array.isArray(items)).toBe(true);
      const list = items as BatchItem[];
      expect(list.map((i) => JSON.parse(i.text!))).toEqual(JSON.parse(body).events);
      expect(list.map((i) => i.depth)).toEqual(events.map(depthOf));
      expect(list.every((i) => i.text === i.text!.trim())).toBe(true);
    }), runs(300));
  });

  test('any text: refused 400 exactly when JSON.parse refuses it; 422 when JSON of another shape', () => {
    const texts = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      // A batch with one byte changed, dropped or added.
      fc.tuple(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 4 }), fc.nat(), fc.constantFrom('', '"', ',', '}', ']', '{', '[', ':', '0', '-', '.', 'e', '\\', ' ', 'x'), fc.boolean())
        .map(([events, at, piece, replace]) => {
          const body = JSON.stringify({ events });
          const i = at % (body.length + 1);
          return body.slice(0, i) + piece + body.slice(replace ? i + 1 : i);
        }),
    );
    fc.assert(fc.property(texts, cuts, (text, at) => {
      let parsed: unknown;
      let json = true;
      try {
        parsed = JSON.parse(text);
      } catch {
        json = false;
      }
      const result = scan(text, at);
      const p = parsed as { events?: unknown };
      const shaped = json && p !== null && typeof p === 'object' && !Array.isArray(p) && Object.keys(p).length === 1
        && Array.isArray(p.events) && p.events.length >= 1 && p.events.length <= 1000;
      // A repeated `events` member is refused, though JSON.parse keeps the last one (the text may
      // also hold "events" inside an item, which is no repetition).
      const repeated = /"events"[\s\S]*"events"\s*:/.test(text);
      if (!json) expect(result).toBe(400);
      else if (!shaped) expect(result).toBe(422);
      else if (!(repeated && result === 422)) expect((result as BatchItem[]).map((i) => JSON.parse(i.text!))).toEqual(p.events);
    }), runs(2000));
  });

  test('shapes: not an object, no events, events not an array, empty, too many, twice, another member: 422', () => {
    for (const body of ['[]', '"x"', '1', 'null', '{}', '{"events": {}}', '{"events": "no"}', '{"events": []}',
      '{"events": [{}], "meta": 1}', '{"events": [{}], "events": [{}]}', '{"\\u0065vents": [1], "events": [2]}']) {
      expect(scan(body), body).toBe(422);
    }
    expect(scan(`{"events": [${Array(1001).fill('{}').join(',')}]}`)).toBe(422);
    expect((scan(`{"events": [${Array(1000).fill('{}').join(',')}]}`) as BatchItem[]).length).toBe(1000);
    expect((scan('{"\\u0065vents": [1]}') as BatchItem[])[0].text).toBe('1');
  });

  test('not JSON: 400, the byte where it stops named', () => {
    for (const body of ['', '   ', '{', '{"events": [1,]}', '{"events": [01]}', '{"events": [{"a" 1}]}', '{"events": [1]} x',
      '{"events": [[}]]}', '{"events": ["\u0001"]}', '{"events": ["\\x"]}', '{"events": [tru]}', '{"events": [1.]}', '{"events": [-]}', '-', '1.', '1e', '1e+']) {
      expect(scan(body), JSON.stringify(body)).toBe(400);
    }
  });

  test('bytes that are not UTF-8 inside an item: that item alone, with where', () => {
    const body = Buffer.concat([Buffer.from('{"events": [{"a": "x'), Buffer.from([0xff]), Buffer.from('"}, {"a": "\u00e9"}, {"b": "'),
      Buffer.from([0xc3]), Buffer.from('"}]}')]);
    for (const at of [[], [5], [21], [22], [40, 41]]) {
      const items = scan(body, at) as BatchItem[];
      expect(items.map((i) => i.text)).toEqual([null, '{"a": "\u00e9"}', null]);
      expect(items.map((i) => i.invalidUtf8At)).toEqual([8, undefined, 7]);
    }
    // Outside an item: the whole body.
    expect(scan(Buffer.concat([Buffer.from('{"ev'), Buffer.from([0xff]), Buffer.from('": [1]}')]))).toBe(400);
  });

  test('deep nesting is measured, not refused; brackets are matched at any depth', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect((scan(`{"events": [${deep}]}`) as BatchItem[])[0].depth).toBe(100_000);
    expect(scan(`{"events": [${'['.repeat(1000)}${'}'.repeat(1000)}]}`)).toBe(400);
  });
});
