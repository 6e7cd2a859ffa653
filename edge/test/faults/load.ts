// A bounded load of producers for the fault tests: `workers` loops, each posting envelopes with
// event ids of its own, every fourth one sent again once delivered (a producer's retry). A delivery
// is retried, with the same body, until it is answered 2xx, as a producer does after a 503 or a
// lost connection; every answer and every failure is recorded with its timing.
import { envelope } from '../support.js';

export interface Attempt {
  path: string;
  eventId?: string;
  body?: string;
  startedAt: number;
  ms: number;
  /** The HTTP status, or 0 when the request failed without an answer (connection lost, timeout). */
  status: number;
  json?: any;
  contentType: string | null;
  retryAfter: string | null;
  error?: string;
}

export interface LoadOptions {
  url: () => string;
  key: string;
  tenant: string;
  prefix: string;
  workers?: number;
  /** An unanswered request is abandoned (and retried) after this long. */
  timeoutMs?: number;
  /** How long a delivery started before stop() may take to be answered 2xx. */
  drainMs?: number;
}

export async function send(url: string, path: string, init: RequestInit, timeoutMs: number, record: Attempt[], eventId?: string): Promise<Attempt> {
  const startedAt = Date.now();
  let attempt: Attempt;
  try {
    const r = await fetch(url + path, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await r.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    attempt = { path, eventId, body: init.body as string | undefined, startedAt, ms: Date.now() - startedAt, status: r.status, json,
      contentType: r.headers.get('content-type'), retryAfter: r.headers.get('retry-after') };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    attempt = { path, eventId, body: init.body as string | undefined, startedAt, ms: Date.now() - startedAt, status: 0,
      contentType: null, retryAfter: null, error: e.cause?.code ?? e.name };
  }
  record.push(attempt);
  return attempt;
}

export class Load {
  readonly attempts: Attempt[] = [];
  /** Every event id handed to a worker. */
  readonly eventIds: string[] = [];
  private stopping = false;
  private next = 0;
  private workers: Promise<void>[] = [];

  constructor(private readonly options: LoadOptions) {}

  start(): this {
    this.workers = Array.from({ length: this.options.workers ?? 20 }, () => this.work());
    return this;
  }

  /** Stops handing out new events; resolves when every delivery under way is answered 2xx. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers);
  }

  ok(since = 0): Attempt[] {
    return this.attempts.filter((a) => a.status >= 200 && a.status < 300 && a.startedAt >= since);
  }

  private async work(): Promise<void> {
    const { tenant, prefix } = this.options;
    while (!this.stopping) {
      const n = this.next++;
      const eventId = `${prefix}-${n}`;
      this.eventIds.push(eventId);
      const body = JSON.stringify(envelope(tenant, eventId, { total_amount: n }));
      await this.deliver(eventId, body);
      if (n % 4 === 0) await this.deliver(eventId, body);
    }
  }

  private async deliver(eventId: string, body: string): Promise<void> {
    const { url, key, timeoutMs = 10_000, drainMs = 30_000 } = this.options;
    let deadline = Infinity;
    for (;;) {
      const a = await send(url(), '/v1/events', {
        method: 'POST', body, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      }, timeoutMs, this.attempts, eventId);
      if (a.status >= 200 && a.status < 300) return;
      if (a.status !== 0 && a.status !== 503) return; // not a transient failure: the test looks at it
      if (this.stopping && deadline === Infinity) deadline = Date.now() + drainMs;
      if (Date.now() > deadline) return;
      // A producer backs off before retrying; short here, to keep the fault busy.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
