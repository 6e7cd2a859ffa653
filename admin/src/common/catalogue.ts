// What the console lists but does not write out: reason codes from ledger.reason_codes (the
// catalogue), operators from the operator keys' names.
import { useQuery } from '@tanstack/react-query';
import { useDataProvider, useGetList, useTranslate } from 'react-admin';
import type { LedgerDataProvider, Operator } from '../dataProvider';

export interface ReasonCode { id: string; reason_code: string; kind: 'rejection' | 'quarantine' | 'ignore' | 'resolution'; http_status: number; description: string }

/**
 * The reason codes of some kinds, as choices (labelled by i18n's `family` when it has a label, else
 * by the code) with their descriptions.
 */
export function useReasonCodes(kinds: ReasonCode['kind'][], family: 'reason' | 'rejection' = 'reason') {
  const translate = useTranslate();
  const { data = [], isPending } = useGetList<ReasonCode>('reason-codes', {
    filter: { kind: kinds }, pagination: { page: 1, perPage: 200 }, sort: { field: 'id', order: 'ASC' },
  }, { staleTime: 5 * 60_000 });
  const choices = data.map((c) => ({ id: c.reason_code, name: translate(`ls.${family}.${c.reason_code}`, { _: c.reason_code }), description: c.description }));
  const describe = (code: string) => data.find((c) => c.reason_code === code)?.description ?? code;
  return { choices, describe, isPending };
}

export function useOperators() {
  const dataProvider = useDataProvider<LedgerDataProvider>();
  const { data = [] } = useQuery<Operator[]>({ queryKey: ['operators'], queryFn: () => dataProvider.getOperators(), staleTime: 60_000 });
  return data;
}
