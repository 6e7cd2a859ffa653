// An exception's details in words (details.ts), with links to the transaction it is about and, for
// a return, correction or void, to its original sale.
import { Box, Stack, Typography } from '@mui/material';
import { useRecordContext, useTranslate } from 'react-admin';
import { JsonView } from '../common/JsonView';
import { ShowLink } from '../common/ShowLink';
import { transactionId, type ExceptionRecord } from '../types';
import { describeDetails, text } from './details';

/** The sentences alone, for a list's cell. */
export const DetailsField = (_: { label?: string }) => {
  const record = useRecordContext<ExceptionRecord>();
  const translate = useTranslate();
  if (!record) return null;
  return <>{describeDetails(record.reason_code, record.details).map((s) => translate(s.key, s.args)).join(' ')}</>;
};

export const DetailsInWords = ({ record }: { record: ExceptionRecord }) => {
  const translate = useTranslate();
  const sentences = describeDetails(record.reason_code, record.details);
  const details = (record.details ?? {}) as Record<string, unknown>;
  const originalTxn = text(details.original_txn_id as string | undefined);
  const originalStore = text(details.original_store_id as string | undefined) || record.store_id;
  return (
    <Stack spacing={1.5}>
      {sentences.length > 0
        ? (
          <Box component="ul" sx={{ m: 0, pl: 2.5 }}>
            {sentences.map((s, i) => <Typography component="li" variant="body2" key={i}>{translate(s.key, s.args)}</Typography>)}
          </Box>
        )
        : <Typography variant="body2" color="text.secondary">{translate('ls.details.none')}</Typography>}
      <Stack direction="row" spacing={2} useFlexGap sx={{ flexWrap: 'wrap' }}>
        {record.store_id && record.txn_id && (
          <ShowLink resource="transactions" id={transactionId(record.tenant_id, record.store_id, record.txn_id)}>
            {translate('ls.details.open_transaction', { txn_id: record.txn_id })}
          </ShowLink>
        )}
        {originalTxn && originalStore && (
          <ShowLink resource="transactions" id={transactionId(record.tenant_id, originalStore, originalTxn)}>
            {translate('ls.details.open_original', { txn_id: originalTxn })}
          </ShowLink>
        )}
      </Stack>
      {record.details !== null && record.details !== undefined && (
        <JsonView value={record.details} label={translate('resources.exceptions.fields.details')} maxHeight={240} />
      )}
    </Stack>
  );
};
