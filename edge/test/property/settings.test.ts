// The property settings cannot let a property pass having checked little: a run count from the
// environment that is not a positive integer is an error (FC_NUM_RUNS='' used to mean 0 runs), and
// a property stopped by its time limit fails instead of counting as a success.
import fc from 'fast-check';
import { afterEach, expect, test, vi } from 'vitest';
import { numRuns, positiveIntegerFromEnv, runs, timeLimitMs } from './settings.js';

afterEach(() => { vi.unstubAllEnvs(); });

test.each(['', ' ', '0', '-1', '1.5', 'abc', '1e3', '10 runs'])('FC_NUM_RUNS=%j is refused', (value) => {
  vi.stubEnv('FC_NUM_RUNS', value);
  expect(() => numRuns(100)).toThrow(/FC_NUM_RUNS.*positive integer/);
});

test('FC_NUM_RUNS sets the run count, unset keeps the default; the time limit grows with it', () => {
  expect(positiveIntegerFromEnv('LEDGER_SAFE_UNSET_VARIABLE', 7)).toBe(7);
  vi.stubEnv('FC_NUM_RUNS', '400');
  expect(numRuns(100)).toBe(400);
  expect(runs(100).numRuns).toBe(400);
  expect(timeLimitMs(100, { timeLimitMs: 1_000 })).toBe(4_000);
  vi.stubEnv('FC_NUM_RUNS', '50');
  expect(timeLimitMs(100, { timeLimitMs: 1_000 })).toBe(1_000);
});

test('a property interrupted by its time limit fails', async () => {
  let ran = 0;
  const slow = fc.asyncProperty(fc.nat(), async () => {
    ran += 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
  });
  await expect(fc.assert(slow, runs(1_000, { timeLimitMs: 200 }))).rejects.toThrow(/interrupt/i);
  expect(ran).toBeGreaterThan(0);
  expect(ran).toBeLessThan(1_000);
});
