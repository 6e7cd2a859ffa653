// Mixed traffic for the fault tests: producers sending new keys, exact retries, conflicting
// payloads, unknown types and batches that mix all of these (a key repeated inside a batch too),
// and an operator resolving the exceptions that opened, replaying or ignoring them. Every request
// is retried, with the same body, on a lost connection or a 503, as a producer or an operator
// does; every attempt is recorded. A seeded generator makes a run repeatable (FAULT_SEED).
import { envelope } from '../support.js';
import { send, type Attempt } from './load.js';

/** mulberry32: small, seeded, good enough to pick actions. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const faultSeed = () => (process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : Math.floor(Math.random() * 2 ** 31));

export interface MixedOptions {
  url: () => string;
  producerKey: string;
  operatorKey: string;
  tenant: string;
  seed: number;
  workers?: number;
  timeoutMs?: number;
  /** How long a request started before stop() may take to be answered. */
  drainMs?: number;
}

/** One request as sent: a single envelope, a batch (its items' texts), or a resolution. */
export interface Sent extends Attempt {
  kind: 'single' | 'batch' | 'resolve';
  items?: { eventId: string; body: string }[];
  exceptionId?: string;
  action?: string;
}

export class MixedLoad {
  readonly attempts: Sent[] = [];
  /** Bodies answered 2xx, by key: what retries and conflicts are made from. */
  private delivered = new Map<string, string>();
  /** Exceptions answers named, not yet resolved by this load. */
  private exceptions = new Set<string>();
  private next = 0;
  private stopping = false;
  private workers: Promise<void>[] = [];
  private random: () => number;

  constructor(private readonly options: MixedOptions) {
    this.random = seeded(options.seed);
  }

  start(): this {
    this.workers = Array.from({ length: this.options.workers ?? 12 }, () => this.work());
    return this;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers);
  }

  /** Answered 2xx (a batch counts once, whatever its items). */
  ok(since = 0): Sent[] {
    return this.attempts.filter((a) => a.status >= 200 && a.status < 300 && a.startedAt >= since);
  }

  private pick<T>(items: T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  private fresh(): string {
    return `m-${this.options.seed}-${this.next++}`;
  }

  /** An item to send: a new key (sometimes of an unknown type), a retry, or a conflict. */
  private item(): { eventId: string; body: string } {
    const r = this.random();
    const known = [...this.delivered.keys()];
    if (r < 0.45 || known.length === 0) {
      const eventId = this.fresh();
      return { eventId, body: JSON.stringify(envelope(this.options.tenant, eventId, { total_amount: this.next })) };
    }
    if (r < 0.6) {
      const eventId = this.fresh();
      return { eventId, body: JSON.stringify(envelope(this.options.tenant, eventId, { event_type: 'MAGIC' })) };
    }
    const eventId = this.pick(known);
    if (r < 0.8) return { eventId, body: this.delivered.get(eventId)! };
    return { eventId, body: JSON.stringify(envelope(this.options.tenant, eventId, { total_amount: this.random() })) };
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      const r = this.random();
      if (r < 0.55) {
        const item = this.item();
        await this.deliver({ kind: 'single', items: [item] }, '/v1/events', item.body, this.options.producerKey);
      } else if (r < 0.8) {
        const items = Array.from({ length: 3 + Math.floor(this.random() * 12) }, () => this.item());
        // A key twice in one batch: its second arrival must see the first.
        if (this.random() < 0.5) items.push({ ...items[0], body: this.random() < 0.5 ? items[0].body : items[0].body.replace('"SALE"', '"RETURN"') });
        await this.deliver({ kind: 'batch', items }, '/v1/events/batch', `{"events":[${items.map((i) => i.body).join(',')}]}`, this.options.producerKey);
      } else if (this.exceptions.size) {
        const exceptionId = this.pick([...this.exceptions]);
        this.exceptions.delete(exceptionId);
        const action = this.random() < 0.5 ? 'mark_resolved_no_replay' : 'override_and_replay';
        await this.deliver({ kind: 'resolve', exceptionId, action }, `/v1/exceptions/${exceptionId}/resolve`,
          JSON.stringify({ action, resolution_notes: 'resolved under faults', ...(action === 'override_and_replay' ? { override_patch: { event_type: 'SALE' } } : {}) }),
          this.options.operatorKey);
      }
    }
  }

  private learn(a: Sent): void {
    if (a.status < 200 || a.status >= 300) return;
    const answers: { answer: any; item?: { eventId: string; body: string } }[] = a.kind === 'single' ? [{ answer: a.json, item: a.items![0] }]
      : a.kind === 'batch' ? (a.json?.results ?? []).map((answer: any, i: number) => ({ answer, item: a.items![i] })) : [];
    for (const { answer, item } of answers) {
      if (!item || answer.status < 200 || answer.status >= 300) continue;
      if (!this.delivered.has(item.eventId)) this.delivered.set(item.eventId, item.body);
      if (answer.exception_id) this.exceptions.add(answer.exception_id);
    }
  }

  private async deliver(what: Pick<Sent, 'kind' | 'items' | 'exceptionId' | 'action'>, path: string, body: string, key: string): Promise<void> {
    const { url, timeoutMs = 10_000, drainMs = 30_000 } = this.options;
    let deadline = Infinity;
    for (;;) {
      const record: Attempt[] = [];
      const a: Sent = Object.assign(await send(url(), path, {
        method: 'POST', body, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      }, timeoutMs, record), what);
      this.attempts.push(a);
      this.learn(a);
      if (a.status !== 0 && a.status !== 503) return;
      if (this.stopping && deadline === Infinity) deadline = Date.now() + drainMs;
      if (Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
