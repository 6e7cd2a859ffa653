// Bulk resolutions: each job with what it was asked and how far it got; its page follows a running
// job to its end, and lists the exceptions that failed and why.
import PlaylistPlayIcon from '@mui/icons-material/PlaylistPlay';
import { Box, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import {
  DataTable, List, ReferenceManyField, SelectInput, Show, SimpleList, TextInput, useRecordContext, useTranslate,
} from 'react-admin';
import { ChipField, ValueChip } from '../common/Chips';
import { Facts } from '../common/Facts';
import { JsonView } from '../common/JsonView';
import { Section } from '../common/Section';
import { exactExporter } from '../common/exporter';
import { ShowLink } from '../common/ShowLink';
import { Time, TimeField, useFormatTime } from '../common/time';
import { useIsSmall } from '../common/useIsSmall';
import { JobProgress } from '../exceptions/BulkDialog';

const STATUS = ['running', 'succeeded', 'failed', 'cancelled'].map((id) => ({ id, name: `ls.job_status.${id}` }));
const ACTIONS = ['mark_resolved_no_replay', 'override_and_replay', 'assign'].map((id) => ({ id, name: `ls.bulk.action_${id}` }));

const filters = [
  <SelectInput key="status" source="status" choices={STATUS} alwaysOn />,
  <SelectInput key="action" source="action" choices={ACTIONS} />,
  <TextInput key="created_by" source="created_by" />,
];

const Progress = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record) return null;
  return <span>{translate('ls.job.counts_short', { done: record.done, matched: record.matched, failed: record.failed, skipped: record.skipped })}</span>;
};

const JobList = () => {
  const isSmall = useIsSmall();
  const translate = useTranslate();
  const formatTime = useFormatTime();
  return (
    <List filters={filters} exporter={exactExporter} sort={{ field: 'created_at', order: 'DESC' }} perPage={25}>
      {isSmall ? (
        <SimpleList
          primaryText={(r) => translate(`ls.bulk.action_${r.action}`)}
          secondaryText={(r) => `${translate(`ls.job_status.${r.status}`)} · ${r.done}/${r.matched}`}
          tertiaryText={(r) => formatTime(r.created_at)}
          linkType="show"
        />
      ) : (
        <DataTable rowClick="show" bulkActionButtons={false}>
          <DataTable.Col source="created_at"><TimeField source="created_at" /></DataTable.Col>
          <DataTable.Col source="action" render={(r) => translate(`ls.bulk.action_${r.action}`)} />
          <DataTable.Col source="status"><ChipField source="status" kind="job_status" /></DataTable.Col>
          <DataTable.Col source="matched" align="right" />
          <DataTable.Col source="done" disableSort><Progress /></DataTable.Col>
          <DataTable.Col source="created_by" />
          <DataTable.Col source="finished_at"><TimeField source="finished_at" /></DataTable.Col>
          <DataTable.Col source="id" disableSort><ShowLink>{translate('ls.job.open_short')}</ShowLink></DataTable.Col>
        </DataTable>
      )}
    </List>
  );
};

const JobTitle = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  return <>{translate('ls.job.title', { id: String(record?.id ?? '').slice(0, 8) })}</>;
};

const JobView = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record) return null;
  return (
    <Box sx={{ display: 'grid', gap: 2, mb: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'repeat(2, minmax(0, 1fr))' } }}>
      <Typography component="h1" variant="h5" sx={{ gridColumn: '1 / -1' }}>
        {translate('ls.job.heading', { action: translate(`ls.bulk.action_${record.action}`), matched: record.matched })}
      </Typography>
      <Section id="job" title={translate('ls.job.sections.job')}>
        <Facts resource="jobs" facts={[
          { field: 'status', value: <ValueChip kind="job_status" value={record.status} /> },
          { field: 'action', value: translate(`ls.bulk.action_${record.action}`) },
          { field: 'matched', value: record.matched },
          { field: 'resolution_notes', value: record.resolution_notes },
          { field: 'assigned_to', value: record.assigned_to },
          { field: 'created_by', value: record.created_by },
          { field: 'created_at', value: <Time value={record.created_at} /> },
          { field: 'finished_at', value: <Time value={record.finished_at} /> },
          { field: 'cancelled_by', value: record.cancelled_by },
          { field: 'job_id', value: record.job_id },
        ]} />
      </Section>
      <Section id="progress" title={translate('ls.job.sections.progress')}>
        <JobProgress jobId={String(record.id)} linkToJob={false} />
      </Section>
      <Section id="filter" title={translate('ls.job.sections.request')}>
        <Typography variant="body2" color="text.secondary" gutterBottom>{translate('resources.jobs.fields.filter')}</Typography>
        <JsonView value={record.filter} label={translate('resources.jobs.fields.filter')} />
        {record.override_patch && (
          <>
            <Typography variant="body2" color="text.secondary" sx={{ mt: 1.5 }} gutterBottom>{translate('resources.jobs.fields.override_patch')}</Typography>
            <JsonView value={record.override_patch} label={translate('resources.jobs.fields.override_patch')} />
          </>
        )}
      </Section>
      <Box sx={{ gridColumn: '1 / -1' }}>
        <Section id="failures" title={translate('ls.job.sections.failures')}>
          <ReferenceManyField reference="job-items" target="job_id" filter={{ status: ['failed', 'skipped'] }} sort={{ field: 'position', order: 'ASC' }}
            perPage={50}>
            <JobItemTable empty={<Typography variant="body2">{translate('ls.job.no_failures')}</Typography>} />
          </ReferenceManyField>
        </Section>
      </Box>
    </Box>
  );
};

const JobItemTable = ({ empty }: { empty?: ReactNode }) => (
  <DataTable bulkActionButtons={false} rowClick={false} empty={empty}>
    <DataTable.Col source="position" label="resources.job-items.fields.position" align="right" />
    <DataTable.Col source="idempotency_key" label="resources.job-items.fields.idempotency_key">
      <ShowLink resource="exceptions" idFrom="exception_id" source="idempotency_key" />
    </DataTable.Col>
    <DataTable.Col source="tenant_id" label="resources.job-items.fields.tenant_id" />
    <DataTable.Col source="status" label="resources.job-items.fields.status"><ChipField source="status" kind="item_status" /></DataTable.Col>
    <DataTable.Col source="reason_code" label="resources.job-items.fields.reason_code" />
    <DataTable.Col source="errors" label="resources.job-items.fields.errors" disableSort
      render={(r) => ((r.errors ?? []) as { path: string; message: string }[]).map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')} />
    <DataTable.Col source="done_at" label="resources.job-items.fields.done_at"><TimeField source="done_at" /></DataTable.Col>
  </DataTable>
);

const JobShow = () => (
  <Show title={<JobTitle />} component="div">
    <JobView />
  </Show>
);

export default { list: JobList, show: JobShow, icon: PlaylistPlayIcon };

const ITEM_STATUS = ['pending', 'succeeded', 'failed', 'skipped'].map((id) => ({ id, name: `ls.item_status.${id}` }));

/** A job's items, by outcome: where "its failures" link to. */
const JobItemList = () => (
  <List filters={[
    <TextInput key="job_id" source="job_id" alwaysOn />,
    <SelectInput key="status" source="status" choices={ITEM_STATUS} alwaysOn />,
    <TextInput key="reason_code" source="reason_code" />,
  ]} exporter={exactExporter} sort={{ field: 'position', order: 'ASC' }} perPage={50}>
    <JobItemTable />
  </List>
);

export const jobItems = { list: JobItemList };
