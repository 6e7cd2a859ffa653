// Every decision with its actor and the state before and after. Read-only.
import HistoryIcon from '@mui/icons-material/History';
import { Box } from '@mui/material';
import { DataTable, List, SelectInput, Show, SimpleList, TextInput, useRecordContext, useTranslate } from 'react-admin';
import { ChipField, ValueChip } from '../common/Chips';
import { Facts } from '../common/Facts';
import { Time, TimeField, useFormatTime } from '../common/time';
import { JobLink } from '../jobs/JobLink';
import { JsonView } from '../common/JsonView';
import { RecordTitle } from '../common/RecordTitle';
import { Section } from '../common/Section';
import { exactExporter } from '../common/exporter';
import { ShowLink } from '../common/ShowLink';
import { useIsSmall } from '../common/useIsSmall';
import { AuditChange } from '../exceptions/AuditTrail';

const ACTIONS = ['exception.opened', 'exception.assigned', 'exception.resolved']
  .map((id) => ({ id, name: `ls.audit_action.${id.replace('.', '_')}` }));

const filters = [
  <TextInput key="exception_id" source="exception_id" alwaysOn />,
  <TextInput key="tenant_id" source="tenant_id" alwaysOn />,
  <SelectInput key="action" source="action" choices={ACTIONS} />,
  <TextInput key="actor" source="actor" />,
  <TextInput key="job_id" source="job_id" />,
];

const AuditList = () => {
  const isSmall = useIsSmall();
  const translate = useTranslate();
  const formatTime = useFormatTime();
  return (
    <List filters={filters} exporter={exactExporter} sort={{ field: 'id', order: 'DESC' }} perPage={25}>
      {isSmall ? (
        <SimpleList
          primaryText={(r) => translate(`ls.audit_action.${String(r.action).replace('.', '_')}`, { _: r.action })}
          secondaryText={(r) => `${r.actor} · ${r.tenant_id}${r.idempotency_key ? ` · ${r.idempotency_key}` : ''}`}
          tertiaryText={(r) => formatTime(r.at)}
          linkType="show"
        />
      ) : (
        <DataTable rowClick="show" bulkActionButtons={false} expand={<AuditChange />}>
          <DataTable.Col source="id"><ShowLink /></DataTable.Col>
          <DataTable.Col source="at"><TimeField source="at" /></DataTable.Col>
          <DataTable.Col source="action"><ChipField source="action" kind="audit_action" /></DataTable.Col>
          <DataTable.Col source="actor" />
          <DataTable.Col source="tenant_id" />
          <DataTable.Col source="idempotency_key" disableSort><ShowLink resource="exceptions" idFrom="exception_id" source="idempotency_key" /></DataTable.Col>
          <DataTable.Col source="notes" disableSort />
          <DataTable.Col source="job_id" disableSort><JobLink /></DataTable.Col>
        </DataTable>
      )}
    </List>
  );
};

const AuditView = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record) return null;
  const field = (name: string) => translate(`resources.audit-log.fields.${name}`);
  return (
    <Box sx={{ display: 'grid', gap: 2, mb: 2 }}>
      <Section id="audit" title={translate('ls.audit.title', { id: record.id })}>
        <Facts resource="audit-log" facts={[
          { field: 'at', value: <Time value={record.at} /> },
          { field: 'action', value: <ValueChip kind="audit_action" value={record.action} /> },
          { field: 'actor', value: record.actor },
          { field: 'claimed_actor', value: record.claimed_actor },
          { field: 'tenant_id', value: record.tenant_id },
          { field: 'object_type', value: record.object_type },
          { field: 'object_id', value: record.object_id },
          { field: 'idempotency_key', value: record.idempotency_key },
          { field: 'exception_id', value: record.exception_id && <ShowLink resource="exceptions" id={record.exception_id} /> },
          { field: 'job_id', value: <JobLink /> },
          { field: 'notes', value: record.notes },
        ]} />
      </Section>
      <Section id="change" title={translate('ls.audit.change')}>
        <AuditChange />
      </Section>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'repeat(2, minmax(0, 1fr))' } }}>
        <Section id="before" title={field('before')}><JsonView value={record.before} label={field('before')} /></Section>
        <Section id="after" title={field('after')}><JsonView value={record.after} label={field('after')} /></Section>
      </Box>
    </Box>
  );
};

const AuditShow = () => (
  <Show title={<RecordTitle message="ls.audit.title" />} component="div">
    <AuditView />
  </Show>
);

export default { list: AuditList, show: AuditShow, icon: HistoryIcon };
