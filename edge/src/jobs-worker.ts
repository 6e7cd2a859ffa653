// Runs the steps of bulk-resolution jobs (ledger.run_job_step) until none has work, then polls.
// Every job lives in the database: a restarted edge finds the running ones and goes on, and
// several edges may run workers at once (a step claims its items with SKIP LOCKED). The worker
// holds one pool connection at a time, for one short step (a few items, at most maxMs), and lets
// every waiting request go first, so it never starves ingest.
import type pino from 'pino';
import type { Caller, Database } from './db/database.js';

export interface JobWorkerOptions {
  /** Items one step resolves at most (each under its own savepoint, one transaction per step). */
  stepItems?: number;
  /** A step takes no new item after this long. */
  stepMs?: number;
  /** How often an idle worker looks for work (a new job made by this edge wakes it at once). */
  pollMs?: number;
  /** A pause between steps; 0: none. */
  pauseMs?: number;
}

interface StepAnswer { job_id: string | null; status: string | null; done: number; succeeded: number; failed: number; skipped: number; more: boolean }

/** Resolutions are recorded as the job's creator: the worker's own actor is never audited. */
const WORKER: Caller = { role: 'ledger_operator', actor: 'system:job-worker' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class JobWorker {
  private readonly stepItems: number;
  private readonly stepMs: number;
  private readonly pollMs: number;
  private readonly pauseMs: number;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(private readonly db: Database, private readonly logger: pino.Logger, options: JobWorkerOptions = {}) {
    this.stepItems = options.stepItems ?? 25;
    this.stepMs = options.stepMs ?? 200;
    this.pollMs = options.pollMs ?? 1_000;
    this.pauseMs = options.pauseMs ?? 0;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Look for work now (a job was just made). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Waits for the step under way, if any; the job goes on at the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let step: StepAnswer;
      try {
        const [row] = await this.db.query(WORKER, 'select ledger.run_job_step(null, $1, $2) as step', [this.stepItems, this.stepMs]);
        step = row.step;
      } catch (error) {
        // The database is away or busy: the job waits in its rows.
        this.logger.warn({ err: error }, 'job step failed; retrying');
        await this.idle(this.pollMs);
        continue;
      }
      if (step.job_id === null) {
        await this.idle(this.pollMs);
        continue;
      }
      if (step.status !== 'running') this.logger.info({ job_id: step.job_id, status: step.status }, 'job ended');
      // Requests waiting for a connection go first.
      await (this.pauseMs > 0 ? sleep(this.pauseMs) : new Promise((resolve) => setImmediate(resolve)));
      while (!this.stopping && this.db.pool.waitingCount > 0) await sleep(10);
    }
  }
}
