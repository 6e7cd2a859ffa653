// Enumerated values as chips, translated, with colours that repeat what the text already says.
import { Chip, type ChipProps } from '@mui/material';
import { useRecordContext, useTranslate } from 'react-admin';

const COLORS: Record<string, ChipProps['color']> = {
  open: 'warning', resolved: 'success',
  processed: 'success', duplicate: 'info', quarantined: 'warning', ignored: 'default',
  IDEMPOTENCY_CONFLICT: 'error', UNKNOWN_EVENT_TYPE: 'warning', PROCESSING_ERROR: 'error',
  ALREADY_QUARANTINED: 'warning', IGNORED_BY_OPERATOR: 'default',
  SCHEMA_VALIDATION_FAILED: 'error', DUPLICATE_TRANSACTION: 'warning', DUPLICATE_SOURCE_EVENT_ID: 'warning', TOTALS_MISMATCH: 'error',
  MISSING_REFERENCE: 'info', CURRENCY_MISMATCH: 'error', ORIGINAL_REVERSED: 'warning', CANNOT_EXCEED_ORIGINAL: 'error',
  LATE_EVENT_OUTSIDE_WINDOW: 'warning',
  sale: 'success', return: 'warning', correction: 'info', reversal: 'error', posted: 'success', reversed: 'default',
  running: 'info', succeeded: 'success', failed: 'error', cancelled: 'default', pending: 'default', skipped: 'default',
};

type Kind = 'status' | 'result' | 'reason' | 'resolution' | 'resolved_as' | 'audit_action' | 'job_status' | 'item_status' | 'kind' | 'posting_status';

/** `kind` picks the translation family (ls.status.*, ls.reason.*, …); dots in values become underscores. */
export const ValueChip = ({ kind, value }: { kind: Kind; value?: string | null }) => {
  const translate = useTranslate();
  if (!value) return null;
  const label = translate(`ls.${kind}.${value.replace(/\./g, '_')}`, { _: value });
  return <Chip size="small" variant="outlined" color={COLORS[value] ?? 'default'} label={label} />;
};

export const ChipField = ({ source, kind }: { source: string; kind: Kind; label?: string }) => {
  const record = useRecordContext();
  return <ValueChip kind={kind} value={record?.[source]} />;
};
