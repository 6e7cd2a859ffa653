// One exception: its state, the key's state, every held arrival against the canonical payload,
// and the audit trail; resolve and assign from the toolbar.
import { Alert, Box, Stack, Typography } from '@mui/material';
import { Show, TopToolbar, useGetRecordId, useRecordContext, useShowContext, useTranslate } from 'react-admin';
import { ListLinkButton } from '../common/ActionButton';
import { ValueChip } from '../common/Chips';
import { Facts } from '../common/Facts';
import { Time } from '../common/time';
import { formatAge } from '../dashboard/age';
import { JsonView } from '../common/JsonView';
import { Section } from '../common/Section';
import { ShowLink } from '../common/ShowLink';
import { keyId, type ExceptionRecord } from '../types';
import { ArrivalDiffs, CanonicalNow } from './ArrivalDiffs';
import { AssignButton, AssignToMeButton } from './AssignButtons';
import { AuditTrail } from './AuditTrail';
import { DetailsInWords } from './DetailsInWords';
import { ResolveButton } from './ResolveDialog';

const ExceptionTitle = () => {
  const record = useRecordContext<ExceptionRecord>();
  const translate = useTranslate();
  return <>{translate('ls.exception.title', { key: record?.idempotency_key ?? '' })}</>;
};

const Actions = () => {
  const translate = useTranslate();
  return (
    <TopToolbar role="toolbar" aria-label={translate('ls.exception.actions')} sx={{ flexWrap: 'wrap', gap: 1 }}>
      <ListLinkButton resource="exceptions" />
      <AssignToMeButton />
      <AssignButton />
      <ResolveButton />
    </TopToolbar>
  );
};

const ExceptionView = () => {
  const record = useRecordContext<ExceptionRecord>();
  const translate = useTranslate();
  if (!record) return null;
  const key = record.detail?.events_processed;
  const resolved = record.status === 'resolved';
  return (
    <Stack spacing={2} sx={{ mb: 2, minWidth: 0 }}>
      <Typography component="h1" variant="h5" sx={{ overflowWrap: 'anywhere' }}>
        {translate('ls.exception.title', { key: record.idempotency_key })}
      </Typography>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'repeat(2, minmax(0, 1fr))' } }}>
        <Section id="exception" title={translate('ls.exception.sections.exception')}>
          <Facts resource="exceptions" facts={[
            { field: 'status', value: <ValueChip kind="status" value={record.status} /> },
            { field: 'reason_code', value: <ValueChip kind="reason" value={record.reason_code} /> },
            { field: 'tenant_id', value: record.tenant_id },
            { field: 'idempotency_key', value: record.idempotency_key },
            { field: 'exception_id', value: record.exception_id },
            { field: 'opened_at', value: <Time value={record.opened_at} /> },
            ...(resolved ? [] : [{ field: 'age_seconds', value: record.age_seconds !== null && formatAge(Number(record.age_seconds), translate) }]),
            { field: 'last_arrival_at', value: <Time value={record.last_arrival_at} /> },
            { field: 'arrivals', value: record.arrivals },
            { field: 'raw_id', value: <ShowLink resource="events" id={record.raw_id} /> },
            { field: 'assigned_to', value: record.assigned_to },
            { field: 'assigned_at', value: <Time value={record.assigned_at} /> },
            ...(resolved ? [
              { field: 'resolution_action', value: <ValueChip kind="resolved_as" value={record.resolution_action} /> },
              { field: 'resolution_notes', value: record.resolution_notes },
              { field: 'resolved_by', value: record.resolved_by },
              { field: 'resolved_by_claimed', value: record.resolved_by_claimed },
              { field: 'resolved_at', value: <Time value={record.resolved_at} /> },
              { field: 'canonical_raw_id', value: record.canonical_raw_id && <ShowLink resource="events" id={record.canonical_raw_id} /> },
              { field: 'replay_count', value: record.replay_count },
            ] : []),
          ]} />
          {resolved && record.override_patch && (
            <Box sx={{ mt: 1.5 }}>
              <Typography variant="body2" color="text.secondary" gutterBottom>{translate('resources.exceptions.fields.override_patch')}</Typography>
              <JsonView value={record.override_patch} label={translate('resources.exceptions.fields.override_patch')} />
            </Box>
          )}
        </Section>
        <Section id="key" title={translate('ls.exception.sections.key')}
          action={<ShowLink resource="idempotency-keys" id={keyId(record.tenant_id, record.idempotency_key)}>{translate('ls.exception.open_key')}</ShowLink>}>
          {key ? (
            <Facts resource="idempotency-keys" facts={[
              { field: 'status', value: <ValueChip kind="status" value={key.status} /> },
              { field: 'event_type', value: key.event_type },
              { field: 'canonical_raw_id', value: key.canonical_raw_id && <ShowLink resource="events" id={key.canonical_raw_id} /> },
              { field: 'arrivals', value: key.arrivals },
              { field: 'first_seen_at', value: <Time value={key.first_seen_at} /> },
              { field: 'last_seen_at', value: <Time value={key.last_seen_at} /> },
              { field: 'updated_at', value: <Time value={key.updated_at} /> },
              { field: 'canonical_fingerprint', value: key.canonical_fingerprint && <code>{key.canonical_fingerprint.slice(0, 16)}…</code> },
            ]} />
          ) : (
            <Typography variant="body2">{translate('ls.exception.loading')}</Typography>
          )}
        </Section>
      </Box>
      <Section id="details" title={translate('ls.details.title')}>
        <DetailsInWords record={record} />
      </Section>
      {resolved && record.resolution_action === 'override_and_replay' && (
        <Section id="canonical-now" title={translate('ls.exception.sections.canonical_now')}>
          <CanonicalNow record={record} />
        </Section>
      )}
      <Section id="payloads" title={translate('ls.exception.sections.payloads')}>
        <ArrivalDiffs record={record} />
      </Section>
      <Section id="audit" title={translate('ls.exception.sections.audit')}>
        <AuditTrail />
      </Section>
    </Stack>
  );
};

/** An id that is no exception's, or not an exception id at all: said on the page, not as a redirect. */
const ExceptionMissing = () => {
  const translate = useTranslate();
  const id = String(useGetRecordId() ?? '');
  const { error } = useShowContext();
  const status = (error as { status?: number } | null)?.status;
  const message = status === 404 ? 'ls.exception.not_found' : status === 422 ? 'ls.exception.malformed_id' : 'ls.exception.unreadable';
  return (
    <Stack spacing={2} sx={{ my: 2 }}>
      <Typography component="h1" variant="h5">{translate('ls.exception.missing_title')}</Typography>
      <Alert severity={status === 404 || status === 422 ? 'warning' : 'error'} role="alert">
        {translate(message, { id, detail: (error as Error | null)?.message ?? '' })}
      </Alert>
      <Box><ListLinkButton resource="exceptions" /></Box>
    </Stack>
  );
};

export const ExceptionShow = () => (
  <Show title={<ExceptionTitle />} actions={<Actions />} component="div" error={<ExceptionMissing />} queryOptions={{ onError: () => {} }}>
    <ExceptionView />
  </Show>
);
