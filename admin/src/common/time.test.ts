import { expect, test } from 'vitest';
import { formatTime } from './time';

test('times are 24-hour with the zone written out: UTC by default', () => {
  expect(formatTime('2026-02-25T21:03:07.123456+00:00', 'utc')).toBe('2026-02-25 21:03:07 UTC');
  expect(formatTime('2026-02-25T23:03:07+02:00', 'utc')).toBe('2026-02-25 21:03:07 UTC');
  expect(formatTime('2026-02-25T00:00:00Z', 'utc', { date: false, seconds: false })).toBe('00:00 UTC');
  expect(formatTime(null, 'utc')).toBeNull();
  expect(formatTime('not a time', 'utc')).toBe('not a time');
});

test('local time names its offset', () => {
  const previous = process.env.TZ;
  process.env.TZ = 'Asia/Kolkata';
  try {
    expect(formatTime('2026-02-25T21:03:07Z', 'local')).toBe('2026-02-26 02:33:07 GMT+5:30');
  } finally {
    process.env.TZ = previous;
  }
});
