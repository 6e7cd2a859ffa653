// The key's canonical payload (what downstream systems hold now) beside each held arrival,
// compared field by field. Once the exception is resolved, each held arrival says so, and a replay's
// canonical payload is named for what it is: the arrival it came from, patched or not.
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import { Accordion, AccordionDetails, AccordionSummary, Box, Chip, Stack, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { DiffSummary, DiffTable } from '../common/DiffTable';
import { JsonView } from '../common/JsonView';
import { ShowLink } from '../common/ShowLink';
import { ValueChip } from '../common/Chips';
import { useFormatTime } from '../common/time';
import { toJsonText, type Json } from '../lib/json';
import { knownArrivals, type ExceptionRecord } from '../types';

const SHOWN = 20;

/** "Canonical payload (arrival #131)", or "(arrival #131, patched)" when the payload is not that arrival's as sent. */
export function useCanonicalLabel(record: ExceptionRecord): string | null {
  const translate = useTranslate();
  const key = record.detail?.events_processed;
  if (!key || key.canonical_payload == null) return null;
  const source = knownArrivals(record.detail).find((a) => a.raw_id === key.canonical_raw_id);
  const patched = source ? toJsonText(source.payload) !== toJsonText(key.canonical_payload) : false;
  return translate(patched ? 'ls.exception.canonical_patched' : 'ls.exception.canonical', { raw_id: key.canonical_raw_id });
}

export const ArrivalDiffs = ({ record }: { record: ExceptionRecord }) => {
  const translate = useTranslate();
  const formatTime = useFormatTime();
  const canonicalLabel = useCanonicalLabel(record);
  const detail = record.detail;
  if (!detail) return <Typography variant="body2">{translate('ls.exception.loading')}</Typography>;
  const key = detail.events_processed;
  const base: Json | null = canonicalLabel ? key!.canonical_payload! : detail.first_raw_event?.payload ?? null;
  const baseLabel = canonicalLabel ?? translate('ls.exception.first_arrival', { raw_id: detail.first_raw_event?.raw_id });
  const held = detail.arrivals.slice(0, SHOWN);
  const resolved = record.status === 'resolved';

  return (
    <Stack spacing={2}>
      <Typography variant="body2" color="text.secondary">
        {canonicalLabel ? translate('ls.exception.compare_canonical') : translate('ls.exception.compare_first')}
      </Typography>
      {resolved && (
        <Typography variant="body2" role="status">
          {translate(record.resolution_action === 'override_and_replay' ? 'ls.exception.resolved_replayed' : 'ls.exception.resolved_ignored', {
            at: formatTime(record.resolved_at), who: record.resolved_by, raw_id: record.canonical_raw_id,
          })}
        </Typography>
      )}
      {held.map((arrival) => {
        const label = translate('ls.exception.arrival', { raw_id: arrival.raw_id });
        return (
          <Box key={arrival.raw_id} component="article" aria-labelledby={`arrival-${arrival.raw_id}`}
            sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 1.5 }}>
            <Stack direction="row" spacing={1} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap', mb: 1 }}>
              <Typography id={`arrival-${arrival.raw_id}`} component="h3" variant="subtitle1">
                <ShowLink resource="events" id={arrival.raw_id}>{label}</ShowLink>
              </Typography>
              <Typography variant="body2" color="text.secondary">
                {translate('ls.exception.arrival_meta', { attempt: arrival.attempt, at: formatTime(arrival.received_at) })}
              </Typography>
              <ValueChip kind="result" value={arrival.result} />
              {resolved && (
                <Chip size="small" color="success" variant="outlined"
                  label={translate(record.resolution_action === 'override_and_replay' ? 'ls.exception.held_replayed' : 'ls.exception.held_ignored')} />
              )}
              {arrival.raw_id === key?.canonical_raw_id && <Chip size="small" label={translate('ls.exception.is_canonical_source')} />}
              <DiffSummary before={base} after={arrival.payload} />
            </Stack>
            <DiffTable before={base} after={arrival.payload} beforeLabel={baseLabel} afterLabel={label}
              caption={translate('ls.exception.diff_caption', { base: baseLabel, arrival: label })} />
            <Accordion disableGutters elevation={0} sx={{ mt: 1, '&:before': { display: 'none' } }}>
              <AccordionSummary expandIcon={<ExpandMoreIcon />} aria-controls={`json-${arrival.raw_id}`} id={`json-${arrival.raw_id}-header`}>
                <Typography variant="body2">{translate('ls.exception.both_json')}</Typography>
              </AccordionSummary>
              <AccordionDetails id={`json-${arrival.raw_id}`}>
                <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'repeat(2, minmax(0, 1fr))' } }}>
                  <Box><Typography variant="caption" component="p">{baseLabel}</Typography><JsonView value={base} label={baseLabel} /></Box>
                  <Box><Typography variant="caption" component="p">{label}</Typography><JsonView value={arrival.payload} label={label} /></Box>
                </Box>
              </AccordionDetails>
            </Accordion>
          </Box>
        );
      })}
      {detail.arrivals.length > SHOWN && (
        <Typography variant="body2">{translate('ls.exception.more_arrivals', { smart_count: detail.arrivals.length - SHOWN })}</Typography>
      )}
    </Stack>
  );
};

/** After a replay: the payload the key now holds, named for where it came from. */
export const CanonicalNow = ({ record }: { record: ExceptionRecord }) => {
  const translate = useTranslate();
  const label = useCanonicalLabel(record);
  const key = record.detail?.events_processed;
  if (!label || !key) return null;
  return (
    <Stack spacing={1}>
      <Typography variant="body2" color="text.secondary">{label}</Typography>
      <JsonView value={key.canonical_payload} label={translate('ls.exception.sections.canonical_now')} maxHeight={360} />
    </Stack>
  );
};
