import { describe, expect, test } from 'vitest';
import { parseExact } from '../lib/json';
import { toCsv } from './exporter';

describe('toCsv: the export of a list', () => {
  test('a JSON value is one cell of its exact JSON text; numbers as the server wrote them', () => {
    const records = parseExact(`[{"id": 1, "total": 12345678901234567890123.45, "override_patch": {"total_amount": 40.0, "note": "a, \\"b\\""}},
      {"id": 2, "total": 0.10, "notes": "two\\nlines", "override_patch": null}]`) as Record<string, unknown>[];
    expect(toCsv(records).split('\r\n')).toEqual([
      'id,total,override_patch,notes',
      '1,12345678901234567890123.45,"{""total_amount"":40.0,""note"":""a, \\""b\\""""}",',
      '2,0.10,,"two\nlines"',
    ]);
  });

  test('no records: nothing but an empty header', () => {
    expect(toCsv([])).toBe('');
  });
});
