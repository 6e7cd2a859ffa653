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

test('a bulk request carries its merge patch as typed, and only a JSON object as the patch', async () => {
  const { bulkText } = await import('./dataProvider');
  expect(bulkText({ filter: { status: 'open', reason_code: 'UNKNOWN_EVENT_TYPE' }, action: 'override_and_replay', resolution_notes: 'retype',
    override_patch: '{"event_type": "SALE", "total_amount": 40.0}', dry_run: true }))
    .toBe('{"filter": {"status":"open","reason_code":"UNKNOWN_EVENT_TYPE"}, "action": "override_and_replay", "dry_run": true, '
      + '"resolution_notes": "retype", "override_patch": {"event_type": "SALE", "total_amount": 40.0}}');
  expect(bulkText({ filter: { exception_ids: ['a'] }, action: 'assign', assigned_to: 'operator:ann', dry_run: false }))
    .toBe('{"filter": {"exception_ids":["a"]}, "action": "assign", "dry_run": false, "assigned_to": "operator:ann"}');
  expect(() => bulkText({ filter: {}, action: 'override_and_replay', resolution_notes: 'x', override_patch: '{"a": 1}, "dry_run": false', dry_run: true }))
    .toThrow();
});

test('"open longer than" becomes opened_before at the moment of asking', async () => {
  const { serverFilter } = await import('./exceptions/filters');
  const now = new Date('2026-03-01T12:00:00Z');
  expect(serverFilter({ status: 'open', open_longer_than: 3600 }, now)).toEqual({ status: 'open', opened_before: '2026-03-01T11:00:00.000Z' });
  expect(serverFilter({ status: 'open' }, now)).toEqual({ status: 'open' });
});

test('"unassigned" is assigned_to null for the server', async () => {
  const { serverFilter } = await import('./exceptions/filters');
  expect(serverFilter({ status: 'open', unassigned: true })).toEqual({ status: 'open', assigned_to: null });
});
