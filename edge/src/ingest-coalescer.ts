// Single POST /v1/events arrivals coalesced into set-based calls ("natural batching", as group
// commit does it). While an ingest call is in flight, new arrivals wait in a queue (another call
// starts beside it only once `shareAt` arrivals wait, up to `calls` at once); as soon as a call
// ends, the whole queue (up to maxArrivals and maxBytes) goes as the next
// ledger_private.ingest_texts call, each arrival with its own producer's tenant binding and key, so
// that the database judges and answers each one alone. At low load a call is one arrival and
// nothing waits; under load calls grow by themselves, and a call's per-transaction costs (commit,
// WAL flush, statements, plans) are paid once for all its arrivals. Nobody is answered before the
// call returns, that is before the transaction holding the arrival has committed.
//
// A failed call is retried only when it is known that nothing of it was committed: the pool could
// not connect (nothing was sent: the same call again after a pause), or PostgreSQL answered a
// transient error (40001, 40P01, 55P03, 57014, 53xxx) with severity ERROR, which rolls the call's
// implicit transaction back: a call of several arrivals is then split in two halves, each retried
// as a call of its own, and a single arrival retried after a pause. A connection lost while the
// call was under way has an unknown outcome: retrying it could store the arrival twice and answer
// `duplicate` to an arrival that was in fact processed, so those arrivals are answered 503 and their
// producers retry, as without coalescing.
import type { Arrival, Database } from './db/database.js';
import { NotSent } from './db/database.js';
import { unavailable } from './errors.js';
import type { Metrics } from './metrics.js';

export interface CoalescingOptions {
  /** INGEST_COALESCE=off sends every arrival in a call of its own, as ledger_private.ingest_event_as. */
  enabled: boolean;
  /** Arrivals in one call (INGEST_COALESCE_MAX_ARRIVALS). */
  maxArrivals: number;
  /** Bytes of envelope text in one call (INGEST_COALESCE_MAX_BYTES); a larger arrival goes alone. */
  maxBytes: number;
  /** Ingest calls in flight at once (INGEST_COALESCE_CALLS), at most the pool's size. */
  calls: number;
  /**
   * While a call is in flight, another starts only once this many arrivals wait
   * (INGEST_COALESCE_SHARE_AT); with none in flight, any arrival goes at once.
   */
  shareAt: number;
  /** How long an arrival may wait for a call: the pool's wait for a connection (then 503). */
  queueTimeoutMs: number;
  /** Calls an arrival may be part of before it is answered 503. */
  attempts: number;
}

const fromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
};

/** The options of this process, from its environment; the pool bounds the calls and their wait. */
export function coalescingFromEnv(pool: { options: { max?: number; connectionTimeoutMillis?: number } }): CoalescingOptions {
  const poolSize = pool.options.max ?? 10;
  return {
    enabled: !/^(off|false|0|no)$/i.test(process.env.INGEST_COALESCE ?? 'on'),
    maxArrivals: fromEnv('INGEST_COALESCE_MAX_ARRIVALS', 200),
    maxBytes: fromEnv('INGEST_COALESCE_MAX_BYTES', 4 * 1024 * 1024),
    calls: Math.min(fromEnv('INGEST_COALESCE_CALLS', 4), poolSize),
    shareAt: fromEnv('INGEST_COALESCE_SHARE_AT', 32),
    queueTimeoutMs: pool.options.connectionTimeoutMillis || 2_000,
    attempts: 3,
  };
}

const OBJECT = 1;
const ARRAY = 2;
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/**
 * Whether a text may share a call, and its nesting depth: a JSON grammar check (RFC 8259, as
 * JSON.parse and PostgreSQL read it) that accepts only texts jsonb holds as they are and the
 * envelope rules can judge: no \u0000 or surrogate escape, no number near numeric's limits (1000
 * digits, or an exponent of four), at most 64 levels. Anything else (null) goes alone, through
 * ledger.ingest_event, so that it is answered and recorded exactly as it always was, and so that
 * no text can make a call fail for the others (a text nested past the parser's stack aborts the
 * whole statement). Accepting only what JSON.parse accepts, it also spares the route a JSON.parse.
 */
export function sharedDepth(text: string): number | null {
  const n = text.length;
  const kinds = new Uint8Array(65);
  let depth = 0;
  let deepest = 0;
  let i = 0;
  const skipSpace = () => { while (i < n && isSpace(text.charCodeAt(i))) i++; };
  /** A string from its opening quote; false when it is not one, or holds what must go alone. */
  const string = (): boolean => {
    if (text.charCodeAt(i) !== 0x22) return false;
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return true; }
      if (c < 0x20) return false;
      if (c !== 0x5c) continue;
      const e = text.charCodeAt(++i);
      if (e === 0x75) {
        if (!(isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2)) && isHex(text.charCodeAt(i + 3)) && isHex(text.charCodeAt(i + 4)))) return false;
        const unit = parseInt(text.slice(i + 1, i + 5), 16);
        if (unit === 0 || (unit >= 0xd800 && unit <= 0xdfff)) return false;
        i += 4;
      } else if (!(e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74)) {
        return false;
      }
    }
    return false;
  };
  /** A run of digits: how many (0: none). */
  const digits = (): number => {
    const from = i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    return i - from;
  };
  const number = (): boolean => {
    if (text.charCodeAt(i) === 0x2d) i++;
    let count = 0;
    if (text.charCodeAt(i) === 0x30) { i++; count = 1; } else if ((count = digits()) === 0) return false;
    if (text.charCodeAt(i) === 0x2e) {
      i++;
      const fraction = digits();
      if (fraction === 0) return false;
      count += fraction;
    }
    if (count >= 1000) return false;
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      const exponent = digits();
      if (exponent === 0 || exponent >= 4) return false;
    }
    return true;
  };
  const literal = (word: string): boolean => {
    if (!text.startsWith(word, i)) return false;
    i += word.length;
    return true;
  };
  /** After `{` or `,` in an object: a member name and its colon. */
  const memberName = (): boolean => {
    skipSpace();
    if (!string()) return false;
    skipSpace();
    if (text.charCodeAt(i) !== 0x3a) return false;
    i++;
    return true;
  };

  for (;;) {
    // A value.
    skipSpace();
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      if (++depth > 64) return null;
      if (depth > deepest) deepest = depth;
      kinds[depth] = c === 0x7b ? OBJECT : ARRAY;
      i++;
      skipSpace();
      const close = c === 0x7b ? 0x7d : 0x5d;
      if (text.charCodeAt(i) !== close) {
        if (c === 0x7b && !memberName()) return null;
        continue;
      }
      i++;
      depth--;
    } else if (c === 0x22) {
      if (!string()) return null;
    } else if (c === 0x2d || isDigit(c)) {
      if (!number()) return null;
    } else if (!(literal('true') || literal('false') || literal('null'))) {
      return null;
    }
    // After a value: the next one, the end of containers, or the end of the text.
    for (;;) {
      skipSpace();
      if (depth === 0) return i === n ? deepest : null;
      const next = text.charCodeAt(i++);
      if (next === 0x2c) {
        if (kinds[depth] === OBJECT && !memberName()) return null;
        break;
      }
      if (next !== (kinds[depth] === OBJECT ? 0x7d : 0x5d)) return null;
      depth--;
    }
  }
}

interface Waiting {
  arrival: Arrival;
  bytes: number;
  enqueuedAt: number;
  /** Calls this arrival has been part of. */
  attempts: number;
  resolve(row: Record<string, any>): void;
  reject(error: unknown): void;
}

/** SQLSTATEs after which PostgreSQL has rolled the statement's transaction back and a retry may succeed. */
const TRANSIENT = new Set(['40001', '40P01', '55P03', '57014', '53000', '53100', '53200', '53300']);

/** Errors of pg's own before anything was written to the connection. */
const NOT_QUERYABLE = /is not queryable/;

/**
 * What to do with a failed call: `again` when nothing of it was sent (the same call, after a pause),
 * `split` when PostgreSQL rolled it back for a transient reason, null when it may have committed or
 * failed for good (its arrivals are answered as the error says). `code` names the reason in /metrics.
 */
function retryOf(error: unknown): { way: 'again' | 'split'; code: string } | null {
  if (error instanceof NotSent) {
    // A server that refuses connections, or cannot take one now (starting, shutting down, full),
    // may take one a moment later. A pool that gave no connection in time has made its arrivals
    // wait that long already; a refused login stays refused.
    const code = (error.reason as { code?: string })?.code;
    return code && (/^E[A-Z]+$/.test(code) || /^(08|57P|53)/.test(code)) ? { way: 'again', code } : null;
  }
  const e = error as { code?: string; severity?: string; message?: string };
  if (typeof e?.message === 'string' && NOT_QUERYABLE.test(e.message) && !e.code) return { way: 'again', code: 'not_queryable' };
  if (e?.severity === 'ERROR' && e.code && TRANSIENT.has(e.code)) return { way: 'split', code: e.code };
  return null;
}

export class IngestCoalescer {
  private queue: Waiting[] = [];
  /** Halves of failed calls, and single arrivals to retry: they go first, each as a call of its own. */
  private retries: Waiting[][] = [];
  private inFlight = 0;
  private expiry: NodeJS.Timeout | null = null;

  constructor(private readonly db: Database, private readonly metrics: Metrics, readonly options: CoalescingOptions) {}

  /** Arrivals waiting for a call. */
  get queued(): number {
    return this.queue.length;
  }

  /** Ingests one arrival with whatever others are waiting; resolves with its answer row once committed. */
  ingest(arrival: Arrival): Promise<Record<string, any>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ arrival, bytes: Buffer.byteLength(arrival.text), enqueuedAt: performance.now(), attempts: 0, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.calls) {
      // A call already in flight will take what waits when it ends: a second call for the first
      // few arrivals would pay a whole call's cost (a one-arrival call costs the database about
      // as much as seven arrivals of a shared one) and leave the next call smaller. Only a queue
      // longer than shareAt starts one beside it.
      if (this.retries.length === 0 && this.inFlight > 0 && this.queue.length < this.options.shareAt) break;
      const group = this.retries.shift() ?? this.take();
      if (!group) break;
      this.inFlight++;
      void this.call(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    this.armExpiry();
  }

  /** The queue's head, up to maxArrivals and maxBytes (at least one arrival). */
  private take(): Waiting[] | undefined {
    const { queue } = this;
    if (queue.length === 0) return undefined;
    const now = performance.now();
    let n = 0;
    let bytes = 0;
    while (n < queue.length && n < this.options.maxArrivals && (n === 0 || bytes + queue[n].bytes <= this.options.maxBytes)) {
      bytes += queue[n].bytes;
      this.metrics.ingestQueueWait.observe((now - queue[n].enqueuedAt) / 1000);
      n++;
    }
    return n === queue.length ? queue.splice(0) : queue.splice(0, n);
  }

  private async call(group: Waiting[]): Promise<void> {
    for (const w of group) w.attempts++;
    let rows: Record<string, any>[];
    try {
      rows = await this.db.ingestArrivals(group.map((w) => w.arrival));
    } catch (error) {
      this.failed(group, error);
      return;
    }
    this.metrics.ingestCallArrivals.observe(group.length);
    for (let i = 0; i < group.length; i++) group[i].resolve(rows[i]);
  }

  private failed(group: Waiting[], error: unknown): void {
    const retry = retryOf(error);
    const reason = error instanceof NotSent ? error.reason : error;
    const again: Waiting[] = [];
    for (const w of group) {
      if (retry && w.attempts < this.options.attempts) again.push(w);
      else w.reject(reason);
    }
    if (!retry || again.length === 0) return;
    if (retry.way === 'split' && again.length > 1) {
      const half = Math.ceil(again.length / 2);
      this.metrics.ingestCallRetries.inc({ action: 'split', code: retry.code });
      this.retries.push(again.slice(0, half), again.slice(half));
      return;
    }
    // The same arrivals in another call after a pause, so that what failed them (a lock, a
    // restarting server) can pass.
    this.metrics.ingestCallRetries.inc({ action: 'retried', code: retry.code });
    setTimeout(() => {
      this.retries.push(again);
      this.pump();
    }, 20 * again[0].attempts + Math.random() * 30);
  }

  /** Arrivals that waited longer than the pool would for a connection are answered 503. */
  private armExpiry(): void {
    if (this.expiry || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0].enqueuedAt + this.options.queueTimeoutMs - performance.now());
    this.expiry = setTimeout(() => {
      this.expiry = null;
      const now = performance.now();
      while (this.queue.length > 0 && this.queue[0].enqueuedAt + this.options.queueTimeoutMs <= now) {
        this.queue.shift()!.reject(unavailable('no database connection is free; retry shortly'));
      }
      this.armExpiry();
    }, wait + 1);
    this.expiry.unref();
  }
}
