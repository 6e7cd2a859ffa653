// Pretty-printed JSON in a scrollable block that keyboard users can reach and screen readers name.
import { Box } from '@mui/material';
import { envelopeOrder, toJsonText, type Json } from '../lib/json';

/** `text` is shown as it is (a body that was not JSON); `value` pretty-printed, every number as written. */
export const JsonView = ({ value, text, label, maxHeight = 480 }: { value?: unknown; text?: string; label: string; maxHeight?: number }) => (
  <Box
    component="pre"
    tabIndex={0}
    role="region"
    aria-label={label}
    sx={{
      m: 0, p: 1.5, borderRadius: 1, bgcolor: 'action.hover', overflow: 'auto', maxHeight,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 13, lineHeight: 1.5,
      whiteSpace: 'pre-wrap', wordBreak: 'break-word',
      '&:focus-visible': { outline: 2, outlineColor: 'primary.main', outlineStyle: 'solid' },
    }}
  >
    {text ?? (value === undefined || value === null ? '—' : toJsonText(envelopeOrder(value as Json), 2))}
  </Box>
);

