// Health at a glance: the counters of /v1/health, arrivals per minute by result over the last
// hour, open exceptions by reason and the oldest one; refetched every REFRESH_MS.
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import { Accordion, AccordionDetails, AccordionSummary, Alert, Box, Card, CardActionArea, CardContent, Typography } from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { Link, Title, useCreatePath, useDataProvider, useTranslate } from 'react-admin';
import type { LedgerDataProvider, Stats } from '../dataProvider';
import { ArrivalsChart, OpenByReasonChart } from './charts';
import { JsonView } from '../common/JsonView';
import { formatAge } from './age';
import { useFormatTime } from '../common/time';

const REFRESH_MS = 10_000;

const CountCard = ({ id, label, value, to }: { id: string; label: string; value: number | undefined; to?: string }) => {
  const body = (
    <CardContent>
      <Typography id={`count-${id}`} variant="body2" color="text.secondary">{label}</Typography>
      <Typography data-testid="count" variant="h4" component="p">{value === undefined ? '…' : value.toLocaleString('en-US')}</Typography>
    </CardContent>
  );
  return (
    <Card component="section" aria-labelledby={`count-${id}`} variant="outlined">
      {to ? <CardActionArea component={Link} to={to}>{body}</CardActionArea> : body}
    </Card>
  );
};

export const Dashboard = () => {
  const translate = useTranslate();
  const dataProvider = useDataProvider<LedgerDataProvider>();
  const createPath = useCreatePath();
  const formatTime = useFormatTime();
  const { data, error, dataUpdatedAt } = useQuery<Stats>({
    queryKey: ['admin-stats'],
    queryFn: () => dataProvider.getStats(),
    refetchInterval: REFRESH_MS,
  });
  const counts = data?.counts;
  const openList = `${createPath({ resource: 'exceptions', type: 'list' })}?filter=${encodeURIComponent(JSON.stringify({ status: 'open' }))}`;
  const keysIn = (status: string) => `${createPath({ resource: 'idempotency-keys', type: 'list' })}?filter=${encodeURIComponent(JSON.stringify({ status }))}`;

  return (
    <Box sx={{ py: 2, display: 'grid', gap: 2 }}>
      <Title title={translate('ls.dashboard.title')} />
      <Box sx={{ display: 'flex', alignItems: 'baseline', justifyContent: 'space-between', flexWrap: 'wrap', gap: 1 }}>
        <Typography component="h1" variant="h5">{translate('ls.dashboard.title')}</Typography>
        <Typography variant="body2" color="text.secondary" role="status">
          {dataUpdatedAt ? translate('ls.dashboard.updated', { time: formatTime(dataUpdatedAt) }) : translate('ls.dashboard.loading')}
        </Typography>
      </Box>
      {error && <Alert severity="error">{translate('ls.dashboard.error', { message: (error as Error).message })}</Alert>}
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'repeat(2, minmax(0, 1fr))', sm: 'repeat(3, minmax(0, 1fr))', lg: 'repeat(6, minmax(0, 1fr))' } }}>
        <CountCard id="events_raw" label={translate('ls.dashboard.counts.events_raw')} value={counts?.events_raw} to={createPath({ resource: 'events', type: 'list' })} />
        <CountCard id="exceptions_open" label={translate('ls.dashboard.counts.exceptions_open')} value={counts?.exceptions_open} to={openList} />
        <CountCard id="rejections" label={translate('ls.dashboard.counts.rejections')} value={counts?.rejections} to={createPath({ resource: 'rejections', type: 'list' })} />
        <CountCard id="processed" label={translate('ls.dashboard.counts.processed')} value={counts?.idempotency.processed} to={keysIn('processed')} />
        <CountCard id="quarantined" label={translate('ls.dashboard.counts.quarantined')} value={counts?.idempotency.quarantined} to={keysIn('quarantined')} />
        <CountCard id="ignored" label={translate('ls.dashboard.counts.ignored')} value={counts?.idempotency.ignored} to={keysIn('ignored')} />
      </Box>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'minmax(0, 2fr) minmax(0, 1fr)' } }}>
        <ArrivalsChart data={data?.arrivals_per_minute} />
        <Box sx={{ display: 'grid', gap: 2, alignContent: 'start' }}>
          <Card component="section" aria-labelledby="oldest-title" variant="outlined">
            <CardContent>
              <Typography id="oldest-title" component="h2" variant="subtitle1" gutterBottom>{translate('ls.dashboard.oldest.title')}</Typography>
              {data && !data.oldest_open && <Typography variant="body2">{translate('ls.dashboard.oldest.none')}</Typography>}
              {data?.oldest_open && (
                <>
                  <Typography variant="h4" component="p" data-testid="oldest-age">{formatAge(data.oldest_open.age_seconds, translate)}</Typography>
                  <Typography variant="body2" color="text.secondary" sx={{ overflowWrap: 'anywhere' }}>
                    {translate(`ls.reason.${data.oldest_open.reason_code}`, { _: data.oldest_open.reason_code })} · {data.oldest_open.tenant_id} / {data.oldest_open.idempotency_key}
                  </Typography>
                  <Link to={createPath({ resource: 'exceptions', type: 'show', id: data.oldest_open.id })}>{translate('ls.dashboard.oldest.open_it')}</Link>
                </>
              )}
            </CardContent>
          </Card>
          <OpenByReasonChart data={data?.open_by_reason} />
        </Box>
      </Box>
      {data && (
        <Accordion variant="outlined" disableGutters>
          <AccordionSummary expandIcon={<ExpandMoreIcon />} aria-controls="health-json" id="health-json-header">
            <Typography>{translate('ls.dashboard.json')}</Typography>
          </AccordionSummary>
          <AccordionDetails id="health-json">
            <JsonView value={{ db_time: data.db_time, counts: data.counts }} label={translate('ls.dashboard.json')} />
          </AccordionDetails>
        </Accordion>
      )}
    </Box>
  );
};
