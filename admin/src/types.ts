// Records as /admin/api answers them (the ledger.get_console_* and list_console_* functions, db/functions/310-340).
import type { RaRecord } from 'react-admin';
import type { Json } from './lib/json';

export interface RawEvent {
  tenant_id: string; raw_id: number; idempotency_key: string; event_type: string; payload: Json;
  attempt: number; source: string; result: string; reason_code: string | null; exception_id: string | null; received_at: string;
}

export interface KeyState {
  tenant_id: string; idempotency_key: string; status: string; event_type: string; canonical_raw_id: number | null;
  canonical_payload: Json | null; canonical_fingerprint: string | null; open_exception_id: string | null; arrivals: number;
  first_seen_at: string; last_seen_at: string; updated_at: string;
}

export interface ExceptionRecord extends RaRecord {
  id: string; exception_id: string; tenant_id: string; idempotency_key: string; reason_code: string; status: 'open' | 'resolved';
  raw_id: number; details: Json; arrivals: number; opened_at: string; last_arrival_at: string;
  assigned_to: string | null; assigned_at: string | null; resolution_action: string | null; resolution_notes: string | null;
  resolved_by: string | null; resolved_by_claimed: string | null; resolved_at: string | null; canonical_raw_id: number | null;
  override_patch: Json | null; replay_count: number; replayed_at: string | null;
  store_id: string | null; txn_id: string | null; source_system: string | null; event_type: string | null;
  /** Seconds since it opened, while open. */
  age_seconds: number | null;
  /** Only on GET one: ledger.exception_detail. */
  detail?: {
    raw_event: RawEvent | null; events_processed: KeyState | null; first_raw_event: RawEvent | null;
    last_raw_event: RawEvent | null; arrivals: RawEvent[];
  };
}

/** The key's arrivals the detail knows of (the first, the held ones, the latest), in order. */
export function knownArrivals(detail: ExceptionRecord['detail']): RawEvent[] {
  if (!detail) return [];
  const all = [detail.first_raw_event, detail.raw_event, ...detail.arrivals, detail.last_raw_event].filter((a): a is RawEvent => Boolean(a));
  return [...new Map(all.map((a) => [a.raw_id, a])).values()].sort((a, b) => a.raw_id - b.raw_id);
}

export const keyId = (tenantId: string, idempotencyKey: string) => `${tenantId}/${idempotencyKey}`;

/** A store or txn id inside a console id: % and / escaped (db/functions/355-console-transactions.sql). */
const idPart = (text: string) => text.replace(/%/g, '%25').replace(/\//g, '%2F');

/** The console id of a transaction: <tenant_id>/<store_id>/<txn_id>. */
export const transactionId = (tenantId: string, storeId: string, txnId: string) => `${tenantId}/${idPart(storeId)}/${idPart(txnId)}`;
