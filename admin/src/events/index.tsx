// Bronze: every accepted arrival as received, with the outcome decided for it. Read-only.
import InboxIcon from '@mui/icons-material/Inbox';
import { Box } from '@mui/material';
import { DataTable, List, SelectInput, Show, SimpleList, TextInput, useRecordContext, useTranslate } from 'react-admin';
import { useReasonCodes } from '../common/catalogue';
import { ChipField, ValueChip } from '../common/Chips';
import { Facts } from '../common/Facts';
import { Time, TimeField, useFormatTime } from '../common/time';
import { JsonView } from '../common/JsonView';
import { RecordTitle } from '../common/RecordTitle';
import { Section } from '../common/Section';
import { exactExporter } from '../common/exporter';
import { ShowLink } from '../common/ShowLink';
import { useIsSmall } from '../common/useIsSmall';
import { PayloadTransactionLink } from '../transactions/PayloadTransactionLink';
import { keyId, type RawEvent } from '../types';

const RESULTS = ['processed', 'duplicate', 'quarantined', 'ignored'].map((id) => ({ id, name: `ls.result.${id}` }));

const useFilters = () => {
  const reasons = useReasonCodes(['quarantine', 'ignore']);
  return [
    <TextInput key="tenant_id" source="tenant_id" alwaysOn />,
    <TextInput key="idempotency_key" source="idempotency_key" alwaysOn />,
    <SelectInput key="result" source="result" choices={RESULTS} />,
    <SelectInput key="reason_code" source="reason_code" choices={reasons.choices} translateChoice={false} isPending={reasons.isPending} />,
    <TextInput key="event_type" source="event_type" />,
    <TextInput key="store_id" source="store_id" />,
    <TextInput key="txn_id" source="txn_id" />,
    <TextInput key="source_system" source="source_system" />,
    <TextInput key="exception_id" source="exception_id" />,
  ];
};

const EventList = () => {
  const isSmall = useIsSmall();
  const translate = useTranslate();
  const formatTime = useFormatTime();
  const filters = useFilters();
  return (
    <List filters={filters} exporter={exactExporter} sort={{ field: 'id', order: 'DESC' }} perPage={25}>
      {isSmall ? (
        <SimpleList
          primaryText={(r) => `#${r.id} ${r.idempotency_key}`}
          secondaryText={(r) => `${r.tenant_id} · ${r.event_type} · ${translate(`ls.result.${r.result}`)}`}
          tertiaryText={(r) => formatTime(r.received_at)}
          linkType="show"
        />
      ) : (
        <DataTable rowClick="show" bulkActionButtons={false}>
          <DataTable.Col source="id"><ShowLink /></DataTable.Col>
          <DataTable.Col source="received_at"><TimeField source="received_at" /></DataTable.Col>
          <DataTable.Col source="tenant_id" />
          <DataTable.Col source="idempotency_key" />
          <DataTable.Col source="event_type" />
          <DataTable.Col source="attempt" align="right" />
          <DataTable.Col source="result"><ChipField source="result" kind="result" /></DataTable.Col>
          <DataTable.Col source="reason_code"><ChipField source="reason_code" kind="reason" /></DataTable.Col>
          <DataTable.Col source="source" />
        </DataTable>
      )}
    </List>
  );
};

const EventView = () => {
  const record = useRecordContext<RawEvent & { id: number; fingerprint: string }>();
  const translate = useTranslate();
  if (!record) return null;
  return (
    <Box sx={{ display: 'grid', gap: 2, mb: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'minmax(0, 2fr) minmax(0, 3fr)' } }}>
      <Section id="event" title={translate('ls.event.title', { id: record.id })}>
        <Facts resource="events" facts={[
          { field: 'received_at', value: <Time value={record.received_at} /> },
          { field: 'tenant_id', value: record.tenant_id },
          { field: 'idempotency_key', value: <ShowLink resource="idempotency-keys" id={keyId(record.tenant_id, record.idempotency_key)}>{record.idempotency_key}</ShowLink> },
          { field: 'event_type', value: record.event_type },
          { field: 'txn_id', value: <PayloadTransactionLink tenantId={record.tenant_id} payload={record.payload} /> },
          { field: 'attempt', value: record.attempt },
          { field: 'result', value: <ValueChip kind="result" value={record.result} /> },
          { field: 'reason_code', value: <ValueChip kind="reason" value={record.reason_code} /> },
          { field: 'exception_id', value: record.exception_id && <ShowLink resource="exceptions" id={record.exception_id} /> },
          { field: 'source', value: record.source },
          { field: 'fingerprint', value: <code>{record.fingerprint}</code> },
        ]} />
      </Section>
      <Section id="payload" title={translate('resources.events.fields.payload')}>
        <JsonView value={record.payload} label={translate('resources.events.fields.payload')} maxHeight={640} />
      </Section>
    </Box>
  );
};

const EventShow = () => (
  <Show title={<RecordTitle message="ls.event.title" />} component="div">
    <EventView />
  </Show>
);

export default { list: EventList, show: EventShow, icon: InboxIcon };
