// Numbers as PostgreSQL wrote them (40.10, 12345678901234567890123.45): the exact parser keeps a
// number a double would change as a LosslessNumber holding its text, so its text is all we show.
import { Box } from '@mui/material';
import { useRecordContext } from 'react-admin';
import type { Json } from '../lib/json';

export const exactText = (value: Json | undefined): string => (value === null || value === undefined ? '' : String(value));

export const ExactNumber = ({ value, suffix = '' }: { value: Json | undefined; suffix?: string }) =>
  value === null || value === undefined
    ? <>—</>
    : <Box component="span" sx={{ fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' }}>{exactText(value)}{suffix}</Box>;

export const ExactField = ({ source, suffix }: { source: string; suffix?: string; label?: string }) => {
  const record = useRecordContext();
  return <ExactNumber value={record?.[source]} suffix={suffix} />;
};
