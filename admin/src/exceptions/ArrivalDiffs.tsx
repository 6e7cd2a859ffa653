// The canonical payload beside each held arrival, compared field by field.
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import { Accordion, AccordionDetails, AccordionSummary, Box, Stack, Typography } from '@mui/material';
import { useTranslate } from 'react-admin';
import { DiffSummary, DiffTable } from '../common/DiffTable';
import { formatTime } from '../common/Facts';
import { JsonView } from '../common/JsonView';
import { ShowLink } from '../common/ShowLink';
import { ValueChip } from '../common/Chips';
import type { ExceptionRecord } from '../types';

const SHOWN = 20;

export const ArrivalDiffs = ({ record }: { record: ExceptionRecord }) => {
  const translate = useTranslate();
  const detail = record.detail;
  if (!detail) return <Typography variant="body2">{translate('ls.exception.loading')}</Typography>;
  const key = detail.events_processed;
  const canonical = key?.canonical_payload != null;
  const base = canonical ? key!.canonical_payload! : detail.first_raw_event?.payload ?? null;
  const baseLabel = canonical
    ? translate('ls.exception.canonical', { raw_id: key!.canonical_raw_id })
    : translate('ls.exception.first_arrival', { raw_id: detail.first_raw_event?.raw_id });
  const held = detail.arrivals.slice(0, SHOWN);

  return (
    <Stack spacing={2}>
      <Typography variant="body2" color="text.secondary">
        {canonical ? translate('ls.exception.compare_canonical') : translate('ls.exception.compare_first')}
      </Typography>
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
