import { expect, test } from 'vitest';
import { resolutionText } from './dataProvider';

test('a resolution carries the merge patch as typed: 40.0 stays 40.0, big numbers keep their digits', () => {
  const text = resolutionText({
    action: 'override_and_replay', resolution_notes: 'fix "amount"', canonical_raw_id: '42',
    override_patch: ' {"total_amount": 40.0, "adjustment": 98765432109876543210.10} ',
  });
  expect(text).toBe('{"action": "override_and_replay", "resolution_notes": "fix \\"amount\\"", "canonical_raw_id": 42, '
    + '"override_patch": {"total_amount": 40.0, "adjustment": 98765432109876543210.10}}');
  expect(resolutionText({ action: 'mark_resolved_no_replay', resolution_notes: 'void' }))
    .toBe('{"action": "mark_resolved_no_replay", "resolution_notes": "void"}');
});

test('only a JSON object as the patch and digits as the arrival reach the text', () => {
  expect(() => resolutionText({ action: 'override_and_replay', resolution_notes: 'x', override_patch: '{"a": 1}, "actor": "eve"' })).toThrow();
  expect(() => resolutionText({ action: 'override_and_replay', resolution_notes: 'x', override_patch: '[1]' })).toThrow();
  expect(() => resolutionText({ action: 'override_and_replay', resolution_notes: 'x', canonical_raw_id: '1, "actor": "eve"' })).toThrow();
});
