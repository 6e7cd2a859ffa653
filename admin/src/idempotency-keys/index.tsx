// Idempotency state: one row per (tenant, key) with its canonical payload. Read-only.
import KeyIcon from '@mui/icons-material/VpnKey';
import { Box } from '@mui/material';
import { DataTable, List, ReferenceManyField, SelectInput, Show, SimpleList, TextInput, useRecordContext, useTranslate } from 'react-admin';
import { ChipField, ValueChip } from '../common/Chips';
import { Facts } from '../common/Facts';
import { PayloadTransactionLink } from '../transactions/PayloadTransactionLink';
import { Time, TimeField } from '../common/time';
import { JsonView } from '../common/JsonView';
import { Section } from '../common/Section';
import { exactExporter } from '../common/exporter';
import { ShowLink } from '../common/ShowLink';
import { useIsSmall } from '../common/useIsSmall';
import type { KeyState } from '../types';

const STATUS = ['processed', 'quarantined', 'ignored'].map((id) => ({ id, name: `ls.status.${id}` }));

const filters = [
  <TextInput key="tenant_id" source="tenant_id" alwaysOn />,
  <TextInput key="q" source="q" label="ls.filters.key_search" alwaysOn />,
  <SelectInput key="status" source="status" choices={STATUS} />,
  <TextInput key="idempotency_key" source="idempotency_key" />,
  <TextInput key="event_type" source="event_type" />,
  <TextInput key="store_id" source="store_id" />,
  <TextInput key="txn_id" source="txn_id" />,
  <TextInput key="source_system" source="source_system" />,
];

const KeyList = () => {
  const isSmall = useIsSmall();
  const translate = useTranslate();
  return (
    <List filters={filters} exporter={exactExporter} sort={{ field: 'updated_at', order: 'DESC' }} perPage={25}>
      {isSmall ? (
        <SimpleList
          primaryText={(r) => r.idempotency_key}
          secondaryText={(r) => `${r.tenant_id} · ${translate(`ls.status.${r.status}`)}`}
          tertiaryText={(r) => String(r.arrivals)}
          linkType="show"
        />
      ) : (
        <DataTable rowClick="show" bulkActionButtons={false}>
          <DataTable.Col source="tenant_id" />
          <DataTable.Col source="idempotency_key"><ShowLink source="idempotency_key" /></DataTable.Col>
          <DataTable.Col source="status"><ChipField source="status" kind="status" /></DataTable.Col>
          <DataTable.Col source="event_type" />
          <DataTable.Col source="arrivals" align="right" />
          <DataTable.Col source="first_seen_at"><TimeField source="first_seen_at" /></DataTable.Col>
          <DataTable.Col source="updated_at"><TimeField source="updated_at" /></DataTable.Col>
        </DataTable>
      )}
    </List>
  );
};

const KeyTitle = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  return <>{translate('ls.idempotency_key.title', { key: record?.idempotency_key ?? '' })}</>;
};

const KeyView = () => {
  const record = useRecordContext<KeyState & { id: string }>();
  const translate = useTranslate();
  if (!record) return null;
  return (
    <Box sx={{ display: 'grid', gap: 2, mb: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'minmax(0, 2fr) minmax(0, 3fr)' } }}>
      <Section id="key" title={translate('ls.idempotency_key.title', { key: record.idempotency_key })}>
        <Facts resource="idempotency-keys" facts={[
          { field: 'tenant_id', value: record.tenant_id },
          { field: 'idempotency_key', value: record.idempotency_key },
          { field: 'status', value: <ValueChip kind="status" value={record.status} /> },
          { field: 'event_type', value: record.event_type },
          { field: 'txn_id', value: <PayloadTransactionLink tenantId={record.tenant_id} payload={record.canonical_payload} /> },
          { field: 'open_exception_id', value: record.open_exception_id && <ShowLink resource="exceptions" id={record.open_exception_id} /> },
          { field: 'canonical_raw_id', value: record.canonical_raw_id && <ShowLink resource="events" id={record.canonical_raw_id} /> },
          { field: 'arrivals', value: record.arrivals },
          { field: 'first_seen_at', value: <Time value={record.first_seen_at} /> },
          { field: 'last_seen_at', value: <Time value={record.last_seen_at} /> },
          { field: 'updated_at', value: <Time value={record.updated_at} /> },
          { field: 'canonical_fingerprint', value: record.canonical_fingerprint && <code>{record.canonical_fingerprint}</code> },
        ]} />
      </Section>
      <Section id="canonical" title={translate('resources.idempotency-keys.fields.canonical_payload')}>
        <JsonView value={record.canonical_payload} label={translate('resources.idempotency-keys.fields.canonical_payload')} maxHeight={640} />
      </Section>
      <Box sx={{ gridColumn: '1 / -1' }}>
        <Section id="key-exceptions" title={translate('ls.idempotency_key.exceptions')}>
          <ReferenceManyField reference="exceptions" source="idempotency_key" target="idempotency_key" filter={{ tenant_id: record.tenant_id }}
            sort={{ field: 'opened_at', order: 'ASC' }} perPage={50}>
            <DataTable rowClick="show" bulkActionButtons={false} empty={<>{translate('ls.idempotency_key.no_exceptions')}</>}>
              <DataTable.Col source="opened_at" label="resources.exceptions.fields.opened_at"><TimeField source="opened_at" /></DataTable.Col>
              <DataTable.Col source="reason_code" label="resources.exceptions.fields.reason_code"><ChipField source="reason_code" kind="reason" /></DataTable.Col>
              <DataTable.Col source="status" label="resources.exceptions.fields.status"><ChipField source="status" kind="status" /></DataTable.Col>
              <DataTable.Col source="resolution_action" label="resources.exceptions.fields.resolution_action"><ChipField source="resolution_action" kind="resolved_as" /></DataTable.Col>
              <DataTable.Col source="resolved_at" label="resources.exceptions.fields.resolved_at"><TimeField source="resolved_at" /></DataTable.Col>
              <DataTable.Col source="arrivals" label="resources.exceptions.fields.arrivals" />
              <DataTable.Col source="id" label="resources.exceptions.fields.exception_id"><ShowLink resource="exceptions" /></DataTable.Col>
            </DataTable>
          </ReferenceManyField>
        </Section>
      </Box>
      <Box sx={{ gridColumn: '1 / -1' }}>
        <Section id="key-arrivals" title={translate('ls.idempotency_key.arrivals')}>
          <ReferenceManyField reference="events" source="idempotency_key" target="idempotency_key" filter={{ tenant_id: record.tenant_id }}
            sort={{ field: 'id', order: 'ASC' }} perPage={50}>
            <DataTable rowClick="show" bulkActionButtons={false}>
              <DataTable.Col source="id" label="resources.events.fields.id"><ShowLink /></DataTable.Col>
              <DataTable.Col source="received_at" label="resources.events.fields.received_at"><TimeField source="received_at" /></DataTable.Col>
              <DataTable.Col source="attempt" label="resources.events.fields.attempt" />
              <DataTable.Col source="result" label="resources.events.fields.result"><ChipField source="result" kind="result" /></DataTable.Col>
              <DataTable.Col source="reason_code" label="resources.events.fields.reason_code"><ChipField source="reason_code" kind="reason" /></DataTable.Col>
            </DataTable>
          </ReferenceManyField>
        </Section>
      </Box>
    </Box>
  );
};

const KeyShow = () => (
  <Show title={<KeyTitle />} component="div">
    <KeyView />
  </Show>
);

export default { list: KeyList, show: KeyShow, icon: KeyIcon, recordRepresentation: 'idempotency_key' };
