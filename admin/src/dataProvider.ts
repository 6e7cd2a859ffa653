// ra-data-simple-rest over /admin/api for reading, plus the operator's decisions, which go to the
// same /v1 routes every other client uses.
import simpleRestProvider from 'ra-data-simple-rest';
import type { DataProvider, RaRecord } from 'react-admin';
import { API_URL, httpClient } from './http';

export interface ResolveBody {
  action: 'override_and_replay' | 'mark_resolved_no_replay';
  resolution_notes: string;
  override_patch?: Record<string, unknown>;
  canonical_raw_id?: number | null;
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

export interface LedgerDataProvider extends DataProvider {
  resolveException(id: string, body: ResolveBody): Promise<{ data: RaRecord }>;
  assignException(id: string, assignedTo: string): Promise<{ data: RaRecord }>;
  getStats(): Promise<Stats>;
}

const exceptionUrl = (id: string, verb: string) => `/v1/exceptions/${encodeURIComponent(id)}/${verb}`;

const post = async (url: string, body: unknown) => {
  const { json } = await httpClient(url, { method: 'POST', body: JSON.stringify(body), headers: new Headers({ 'Content-Type': 'application/json', Accept: 'application/json' }) });
  return { data: { ...json, id: json.exception_id } };
};

export const dataProvider: LedgerDataProvider = {
  ...simpleRestProvider(API_URL, httpClient),
  resolveException: (id, body) => post(exceptionUrl(id, 'resolve'), body),
  assignException: (id, assignedTo) => post(exceptionUrl(id, 'assign'), { assigned_to: assignedTo }),
  getStats: async () => (await httpClient(`${API_URL}/stats`)).json as Stats,
};
