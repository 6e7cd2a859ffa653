// fast-check settings shared by the property tests. FC_NUM_RUNS sets how many runs each property
// makes (a positive integer: '' or 0 would silently check nothing, so they are refused); FC_SEED
// and FC_PATH replay a failure that fast-check reported ("seed: …, path: …"). A property that
// runs out of time before its runs are done fails: an interrupted run has not checked what it says.
import fc from 'fast-check';
import { expect } from 'vitest';

/** A positive integer from the environment, or the default; anything else is an error, not a quiet 0. */
export function positiveIntegerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(raw.trim())) throw new Error(`${name}=${JSON.stringify(raw)}: must be a positive integer`);
  return Number(raw.trim());
}

export interface RunOptions {
  /**
   * How long the whole property may take, shrinking included, at the default run count: a bound
   * against a hang, far above what the runs take on a busy machine, not a measure of speed.
   */
  timeLimitMs?: number;
}

/** The number of runs a property makes: FC_NUM_RUNS, else its default. */
export const numRuns = (fallback: number) => positiveIntegerFromEnv('FC_NUM_RUNS', fallback);

/** The time limit scales with FC_NUM_RUNS, so that raising the run count does not turn into an interruption. */
export function timeLimitMs(fallback: number, { timeLimitMs: limit = 240_000 }: RunOptions = {}): number {
  return Math.ceil(limit * Math.max(1, numRuns(fallback) / fallback));
}

/** vitest's timeout for a test running one property with these settings: its time limit and some slack. */
export const testTimeoutMs = (fallback: number, options: RunOptions = {}) => timeLimitMs(fallback, options) + 30_000;

export function runs<T>(fallback: number, options: RunOptions = {}): fc.Parameters<T> {
  const parameters: fc.Parameters<T> = {
    numRuns: numRuns(fallback),
    plugins: [fc.interruptAfterTimeLimit(timeLimitMs(fallback, options), { failOnInterrupt: true }) as fc.Plugin<T>],
  };
  if (process.env.FC_SEED !== undefined) parameters.seed = Number(process.env.FC_SEED);
  if (process.env.FC_PATH !== undefined) parameters.path = process.env.FC_PATH;
  return parameters;
}

/** A replay of one counterexample (FC_PATH) checks one case, not what a run covers. */
export const replaying = () => process.env.FC_PATH !== undefined;

/**
 * What the runs of a property reached: counts by label, printed after the run, and the labels a run
 * must reach (else it passed without checking them).
 */
export class Tally {
  private counts = new Map<string, number>();

  constructor(readonly title: string, readonly required: readonly string[] = []) {
    for (const label of required) this.counts.set(label, 0);
  }

  add(label: string, n = 1): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + n);
  }

  get(label: string): number {
    return this.counts.get(label) ?? 0;
  }

  /** Prints the counts, then fails if a required label was never reached. */
  report(): void {
    const width = Math.max(...[...this.counts.keys()].map((l) => l.length));
    console.log([`${this.title}:`, ...[...this.counts].map(([label, n]) => `  ${label.padEnd(width)}  ${n}`)].join('\n'));
    if (replaying()) return;
    const unreached = this.required.filter((label) => !this.get(label));
    expect(unreached, `${this.title}: never reached in this run (raise FC_NUM_RUNS?)`).toEqual([]);
  }
}
