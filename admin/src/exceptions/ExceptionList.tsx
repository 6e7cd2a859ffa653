import { DataTable, DateField, List, SelectInput, SimpleList, TextInput, useTranslate } from 'react-admin';
import { ChipField } from '../common/Chips';
import { exactExporter } from '../common/exporter';
import { ShowLink } from '../common/ShowLink';
import { useIsSmall } from '../common/useIsSmall';

const STATUS = ['open', 'resolved'].map((id) => ({ id, name: `ls.status.${id}` }));
export const REASONS = ['IDEMPOTENCY_CONFLICT', 'UNKNOWN_EVENT_TYPE', 'PROCESSING_ERROR'].map((id) => ({ id, name: `ls.reason.${id}` }));

const filters = [
  <TextInput key="q" source="q" label="ls.filters.key_search" alwaysOn resettable />,
  <SelectInput key="status" source="status" choices={STATUS} alwaysOn />,
  <SelectInput key="reason_code" source="reason_code" choices={REASONS} />,
  <TextInput key="tenant_id" source="tenant_id" />,
  <TextInput key="assigned_to" source="assigned_to" />,
  <TextInput key="idempotency_key" source="idempotency_key" />,
];

export const ExceptionList = () => {
  const isSmall = useIsSmall();
  const translate = useTranslate();
  return (
    <List filters={filters} exporter={exactExporter} filterDefaultValues={{ status: 'open' }} sort={{ field: 'opened_at', order: 'DESC' }} perPage={25}>
      {isSmall ? (
        <SimpleList
          primaryText={(r) => r.idempotency_key}
          secondaryText={(r) => `${r.tenant_id} · ${translate(`ls.reason.${r.reason_code}`, { _: r.reason_code })}`}
          tertiaryText={(r) => translate(`ls.status.${r.status}`)}
          linkType="show"
        />
      ) : (
        <DataTable rowClick="show" bulkActionButtons={false}>
          <DataTable.Col source="opened_at"><DateField source="opened_at" showTime /></DataTable.Col>
          <DataTable.Col source="idempotency_key"><ShowLink source="idempotency_key" /></DataTable.Col>
          <DataTable.Col source="tenant_id" />
          <DataTable.Col source="reason_code"><ChipField source="reason_code" kind="reason" /></DataTable.Col>
          <DataTable.Col source="status"><ChipField source="status" kind="status" /></DataTable.Col>
          <DataTable.Col source="arrivals" align="right" />
          <DataTable.Col source="assigned_to" />
          <DataTable.Col source="last_arrival_at"><DateField source="last_arrival_at" showTime /></DataTable.Col>
        </DataTable>
      )}
    </List>
  );
};
