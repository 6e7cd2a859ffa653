// A record of /admin/api/sales (ledger.list_console_daily_sales): amounts and rates as PostgreSQL wrote them.
import type { RaRecord } from 'react-admin';
import type { Json } from '../lib/json';

export interface SalesDay extends RaRecord {
  id: string; tenant_id: string; store_id: string; business_date: string; currency: string;
  sales_count: Json; sales_amount: Json; returns_count: Json; returns_amount: Json; corrections_count: Json; corrections_amount: Json;
  reversals_count: Json; reversals_amount: Json; net_amount: Json; return_rate: Json | null; correction_rate: Json | null; closed: boolean;
}
