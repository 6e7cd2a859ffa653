// The transaction a payload names (its store_id and txn_id), as a link to its page: from a Bronze
// event or a key. The page says so when nothing of it is posted.
import { ShowLink } from '../common/ShowLink';
import type { Json } from '../lib/json';
import { transactionId } from '../types';

export const PayloadTransactionLink = ({ tenantId, payload }: { tenantId: string; payload: Json | null | undefined }) => {
  const fields = (payload ?? {}) as Record<string, Json>;
  const { store_id: storeId, txn_id: txnId } = fields;
  if (typeof storeId !== 'string' || typeof txnId !== 'string' || !storeId || !txnId) return null;
  return <ShowLink resource="transactions" id={transactionId(tenantId, storeId, txnId)}>{`${storeId} / ${txnId}`}</ShowLink>;
};
