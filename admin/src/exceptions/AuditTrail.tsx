// The audit rows about one exception, newest first; each expands to its before → after diff.
import { DataTable, ReferenceManyField, SimpleList, useRecordContext, useTranslate } from 'react-admin';
import { ChipField } from '../common/Chips';
import { DiffTable } from '../common/DiffTable';
import { JobLink } from '../jobs/JobLink';
import { TimeField, useFormatTime } from '../common/time';
import { useIsSmall } from '../common/useIsSmall';
import type { Json } from '../lib/json';

export const AuditChange = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record) return null;
  return (
    <DiffTable before={record.before as Json} after={record.after as Json} beforeLabel={translate('resources.audit-log.fields.before')}
      afterLabel={translate('resources.audit-log.fields.after')} caption={translate('ls.audit.diff_caption', { id: record.id })} />
  );
};

export const AuditTrail = () => {
  const isSmall = useIsSmall();
  const translate = useTranslate();
  const formatTime = useFormatTime();
  return (
    <ReferenceManyField reference="audit-log" target="exception_id" sort={{ field: 'id', order: 'DESC' }} perPage={50}>
      {isSmall ? (
        <SimpleList
          primaryText={(r) => translate(`ls.audit_action.${String(r.action).replace('.', '_')}`, { _: r.action })}
          secondaryText={(r) => `${r.actor}${r.notes ? ` · ${r.notes}` : ''}`}
          tertiaryText={(r) => formatTime(r.at)}
          linkType="show"
        />
      ) : (
        <DataTable bulkActionButtons={false} expand={<AuditChange />} rowClick={false} aria-label={translate('ls.exception.sections.audit')}>
          <DataTable.Col source="at" label="resources.audit-log.fields.at"><TimeField source="at" /></DataTable.Col>
          <DataTable.Col source="action" label="resources.audit-log.fields.action"><ChipField source="action" kind="audit_action" /></DataTable.Col>
          <DataTable.Col source="actor" label="resources.audit-log.fields.actor" />
          <DataTable.Col source="notes" label="resources.audit-log.fields.notes" />
          <DataTable.Col source="job_id" label="resources.audit-log.fields.job_id" disableSort><JobLink /></DataTable.Col>
        </DataTable>
      )}
    </ReferenceManyField>
  );
};
