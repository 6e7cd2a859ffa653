// A field-level diff of two JSON payloads: one row per leaf, changed / added / removed rows
// highlighted and named in words (colour is never the only signal).
import { Box, Chip, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';
import { alpha, type Theme } from '@mui/material/styles';
import { useTranslate } from 'react-admin';
import { countChanges, diff, envelopeOrder, showJson, type Change, type Json } from '../lib/json';
import { useIsSmall } from './useIsSmall';

const tint = (change: Change) => (theme: Theme) => {
  const color = { same: null, changed: theme.palette.warning.main, added: theme.palette.success.main, removed: theme.palette.error.main }[change];
  return color ? alpha(color, theme.palette.mode === 'dark' ? 0.25 : 0.14) : undefined;
};

const mono = { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 13, overflowWrap: 'anywhere' } as const;

export interface DiffTableProps {
  before: Json | undefined;
  after: Json | undefined;
  beforeLabel: string;
  afterLabel: string;
  caption: string;
  onlyChanges?: boolean;
  /** Three columns, the change named under the field: for phones and narrow panels. */
  compact?: boolean;
}

export const DiffSummary = ({ before, after }: { before: Json | undefined; after: Json | undefined }) => {
  const translate = useTranslate();
  const counts = countChanges(diff(before, after));
  const total = counts.changed + counts.added + counts.removed;
  if (total === 0) return <Chip size="small" label={translate('ls.diff.identical')} />;
  return (
    <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap' }}>
      {(['changed', 'added', 'removed'] as const).filter((c) => counts[c] > 0).map((c) => (
        <Chip key={c} size="small" sx={{ bgcolor: tint(c) }} label={translate(`ls.diff.count_${c}`, { smart_count: counts[c] })} />
      ))}
    </Stack>
  );
};

/** On a phone the change is named under the field instead of in a fourth column. */
export const DiffTable = ({ before, after, beforeLabel, afterLabel, caption, onlyChanges = false, compact = false }: DiffTableProps) => {
  const translate = useTranslate();
  const isSmall = useIsSmall() || compact;
  const rows = diff(envelopeOrder(before), envelopeOrder(after)).filter((r) => !onlyChanges || r.change !== 'same');
  const absent = <Box component="span" sx={{ color: 'text.secondary' }}>{translate('ls.diff.absent')}</Box>;
  return (
    <TableContainer sx={{ maxWidth: '100%', overflowX: 'auto' }}>
      <Table size="small" aria-label={caption} sx={{ tableLayout: 'fixed', '& td, & th': { px: isSmall ? 0.75 : 2, verticalAlign: 'top' } }}>
        <TableHead>
          <TableRow>
            <TableCell scope="col" sx={{ width: isSmall ? '32%' : '26%' }}>{translate('ls.diff.field')}</TableCell>
            <TableCell scope="col">{beforeLabel}</TableCell>
            <TableCell scope="col">{afterLabel}</TableCell>
            {!isSmall && <TableCell scope="col" sx={{ width: '12%' }}>{translate('ls.diff.change')}</TableCell>}
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.length === 0 && (
            <TableRow><TableCell colSpan={4}><Typography variant="body2">{translate('ls.diff.no_changes')}</Typography></TableCell></TableRow>
          )}
          {rows.map((row) => {
            const change = row.change === 'same' ? '' : translate(`ls.diff.${row.change}`);
            return (
              <TableRow key={row.path} data-change={row.change} sx={{ bgcolor: tint(row.change) }}>
                <TableCell component="th" scope="row" sx={mono}>
                  {row.path || translate('ls.diff.whole')}
                  {isSmall && change && <Box component="span" sx={{ display: 'block', fontFamily: 'inherit', fontStyle: 'italic' }}>{change}</Box>}
                </TableCell>
                <TableCell sx={{ ...mono, textDecoration: row.change === 'removed' || row.change === 'changed' ? 'line-through' : undefined }}>
                  {row.change === 'added' ? absent : showJson(row.before)}
                </TableCell>
                <TableCell sx={{ ...mono, fontWeight: row.change === 'same' ? undefined : 600 }}>
                  {row.change === 'removed' ? absent : showJson(row.after)}
                </TableCell>
                {!isSmall && <TableCell>{change}</TableCell>}
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </TableContainer>
  );
};
