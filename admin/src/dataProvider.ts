// ra-data-simple-rest over /admin/api for reading (with the exact httpClient of http.ts), plus the
// operator's decisions, which go to the same /v1 routes every other client uses.
import simpleRestProvider from 'ra-data-simple-rest';
import type { DataProvider, RaRecord } from 'react-admin';
import { serverFilter } from './exceptions/filters';
import { API_URL, httpClient } from './http';
import { parsePatch } from './lib/json';

export interface ResolveBody {
  action: 'override_and_replay' | 'mark_resolved_no_replay';
  resolution_notes: string;
  /** The merge patch as the operator typed it (JSON text of an object). */
  override_patch?: string;
  /** The arrival to replay, as its digits. */
  canonical_raw_id?: string;
}

export interface Stats {
  db_time: string;
  counts: {
    events_raw: number; rejections: number; exceptions_open: number;
    idempotency: { processed: number; quarantined: number; ignored: number };
  };
  arrivals_per_minute: { minute: string; processed: number; duplicate: number; quarantined: number; ignored: number }[];
  open_by_reason: { reason_code: string; count: number }[];
  oldest_open: { id: string; tenant_id: string; idempotency_key: string; reason_code: string; opened_at: string; age_seconds: number } | null;
}

export type BulkAction = 'mark_resolved_no_replay' | 'override_and_replay' | 'assign';

export interface BulkBody {
  filter: Record<string, unknown>;
  action: BulkAction;
  resolution_notes?: string;
  /** The merge patch as the operator typed it (JSON text of an object). */
  override_patch?: string;
  assigned_to?: string;
  dry_run: boolean;
}

export interface DryRun {
  matched: number; would_succeed: number; would_fail: Record<string, number>;
  sample: { exception_id: string; tenant_id: string; idempotency_key: string; outcome: 'would_succeed' | 'would_fail'; reason?: string;
    message?: string; errors?: { path: string; message: string }[] }[];
}

export interface Job {
  job_id: string; status: 'running' | 'succeeded' | 'failed' | 'cancelled'; action: BulkAction; matched: number; done: number;
  succeeded: number; failed: number; skipped: number; created_by: string; created_at: string; finished_at: string | null;
  failures: { exception_id: string; idempotency_key: string; reason: string; errors: { path: string; message: string }[] | null }[];
  failures_truncated: boolean;
}

export interface Operator { id: string; name: string; actor: string }

export interface CloseDayBody { tenant_id: string; store_id?: string; business_date: string; notes: string }

export interface BusinessDay { id: string; tenant_id: string; store_id: string | null; business_date: string; closed_at: string; closed_by: string; notes: string }

export interface LedgerDataProvider extends DataProvider {
  resolveException(id: string, body: ResolveBody): Promise<{ data: RaRecord }>;
  assignException(id: string, assignedTo: string): Promise<{ data: RaRecord }>;
  /** POST /v1/exceptions/bulk: a dry run, or a job (retried with the same idempotency key, the same job). */
  bulkResolve(body: BulkBody, idempotencyKey?: string): Promise<DryRun | { job_id: string; status: Job['status']; matched: number }>;
  getJob(id: string): Promise<Job>;
  cancelJob(id: string): Promise<Job>;
  getOperators(): Promise<Operator[]>;
  getStats(): Promise<Stats>;
  /** POST /admin/api/business-days: ledger.close_business_day, audited. */
  closeBusinessDay(body: CloseDayBody): Promise<BusinessDay>;
}

const exceptionUrl = (id: string, verb: string) => `/v1/exceptions/${encodeURIComponent(id)}/${verb}`;

const post = async (url: string, text: string) => {
  const { json } = await httpClient(url, { method: 'POST', body: text, headers: new Headers({ 'Content-Type': 'application/json', Accept: 'application/json' }) });
  return { data: { ...json, id: json.exception_id } };
};

/** The resolution as JSON text with the patch in it as typed: JSON.stringify of a parsed patch would write 40.0 as 40. */
export function resolutionText(body: ResolveBody): string {
  const members = [`"action": ${JSON.stringify(body.action)}`, `"resolution_notes": ${JSON.stringify(body.resolution_notes)}`];
  if (body.canonical_raw_id !== undefined) {
    if (!/^[0-9]+$/.test(body.canonical_raw_id)) throw new Error(`not an arrival id: ${body.canonical_raw_id}`);
    members.push(`"canonical_raw_id": ${body.canonical_raw_id}`);
  }
  if (body.override_patch !== undefined) {
    const patch = parsePatch(body.override_patch);
    if (!('text' in patch)) throw new Error('the merge patch is not a JSON object');
    members.push(`"override_patch": ${patch.text}`);
  }
  return `{${members.join(', ')}}`;
}

/** A bulk request as JSON text, its patch as typed. */
export function bulkText(body: BulkBody): string {
  const members = [`"filter": ${JSON.stringify(body.filter)}`, `"action": ${JSON.stringify(body.action)}`, `"dry_run": ${body.dry_run}`];
  if (body.resolution_notes !== undefined) members.push(`"resolution_notes": ${JSON.stringify(body.resolution_notes)}`);
  if (body.assigned_to !== undefined) members.push(`"assigned_to": ${JSON.stringify(body.assigned_to)}`);
  if (body.override_patch !== undefined) {
    const patch = parsePatch(body.override_patch);
    if (!('text' in patch)) throw new Error('the merge patch is not a JSON object');
    members.push(`"override_patch": ${patch.text}`);
  }
  return `{${members.join(', ')}}`;
}

const rest = simpleRestProvider(API_URL, httpClient);
const jsonHeaders = () => new Headers({ 'Content-Type': 'application/json', Accept: 'application/json' });

export const dataProvider: LedgerDataProvider = {
  ...rest,
  getList: (resource, params) =>
    rest.getList(resource, resource === 'exceptions' ? { ...params, filter: serverFilter(params.filter ?? {}) } : params),
  bulkResolve: async (body, idempotencyKey) => {
    const headers = jsonHeaders();
    if (idempotencyKey) headers.set('Idempotency-Key', idempotencyKey);
    return (await httpClient('/v1/exceptions/bulk', { method: 'POST', body: bulkText(body), headers })).json;
  },
  getJob: async (id) => (await httpClient(`/v1/jobs/${encodeURIComponent(id)}`)).json as Job,
  cancelJob: async (id) => (await httpClient(`/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST', headers: jsonHeaders() })).json as Job,
  getOperators: async () => (await httpClient(`${API_URL}/operators`)).json as Operator[],
  resolveException: (id, body) => post(exceptionUrl(id, 'resolve'), resolutionText(body)),
  assignException: (id, assignedTo) => post(exceptionUrl(id, 'assign'), JSON.stringify({ assigned_to: assignedTo })),
  getStats: async () => (await httpClient(`${API_URL}/stats`)).json as Stats,
  closeBusinessDay: async (body) =>
    (await httpClient(`${API_URL}/business-days`, { method: 'POST', body: JSON.stringify(body), headers: jsonHeaders() })).json as BusinessDay,
};
