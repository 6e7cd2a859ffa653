// Arrivals refused for a bad envelope, with what was answered. Read-only.
import BlockIcon from '@mui/icons-material/Block';
import { Box, List as MuiList, ListItem, ListItemText } from '@mui/material';
import { DataTable, List, SelectInput, Show, SimpleList, TextInput, useRecordContext, useTranslate } from 'react-admin';
import { useReasonCodes } from '../common/catalogue';
import { Facts } from '../common/Facts';
import { Time, TimeField, useFormatTime } from '../common/time';
import { JsonView } from '../common/JsonView';
import { RecordTitle } from '../common/RecordTitle';
import { Section } from '../common/Section';
import { exactExporter } from '../common/exporter';
import { ShowLink } from '../common/ShowLink';
import { useIsSmall } from '../common/useIsSmall';
import { parseExact } from '../lib/json';

const useFilters = () => {
  const reasons = useReasonCodes(['rejection'], 'rejection');
  return [
    <TextInput key="tenant_id" source="tenant_id" alwaysOn />,
    <SelectInput key="reason_code" source="reason_code" choices={reasons.choices} translateChoice={false} isPending={reasons.isPending} alwaysOn />,
    <TextInput key="idempotency_key" source="idempotency_key" />,
    <TextInput key="http_status" source="http_status" />,
  ];
};

const RejectionList = () => {
  const isSmall = useIsSmall();
  const translate = useTranslate();
  const formatTime = useFormatTime();
  const filters = useFilters();
  return (
    <List filters={filters} exporter={exactExporter} sort={{ field: 'id', order: 'DESC' }} perPage={25}>
      {isSmall ? (
        <SimpleList
          primaryText={(r) => `${r.http_status} ${translate(`ls.rejection.${r.reason_code}`, { _: r.reason_code })}`}
          secondaryText={(r) => `${r.tenant_id}${r.idempotency_key ? ` · ${r.idempotency_key}` : ''}`}
          tertiaryText={(r) => formatTime(r.received_at)}
          linkType="show"
        />
      ) : (
        <DataTable rowClick="show" bulkActionButtons={false}>
          <DataTable.Col source="id"><ShowLink /></DataTable.Col>
          <DataTable.Col source="received_at"><TimeField source="received_at" /></DataTable.Col>
          <DataTable.Col source="tenant_id" />
          <DataTable.Col source="http_status" align="right" />
          <DataTable.Col source="reason_code" render={(r) => translate(`ls.rejection.${r.reason_code}`, { _: r.reason_code })} />
          <DataTable.Col source="idempotency_key" disableSort />
          <DataTable.Col source="source" />
        </DataTable>
      )}
    </List>
  );
};

/** body_excerpt is text: pretty-printed when it is JSON (numbers as sent), as sent otherwise. */
const excerpt = (text: string | null): { value?: unknown; text?: string } => {
  if (!text) return { value: null };
  try { return { value: parseExact(text) }; } catch { return { text }; }
};

const RejectionView = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record) return null;
  const errors = (record.errors ?? []) as { path: string; message: string }[];
  return (
    <Box sx={{ display: 'grid', gap: 2, mb: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'repeat(2, minmax(0, 1fr))' } }}>
      <Section id="rejection" title={translate('ls.rejection.title', { id: record.id })}>
        <Facts resource="rejections" facts={[
          { field: 'received_at', value: <Time value={record.received_at} /> },
          { field: 'tenant_id', value: record.tenant_id },
          { field: 'http_status', value: record.http_status },
          { field: 'reason_code', value: translate(`ls.rejection.${record.reason_code}`, { _: record.reason_code }) },
          { field: 'idempotency_key', value: record.idempotency_key },
          { field: 'source', value: record.source },
          { field: 'api_key_id', value: record.api_key_id },
        ]} />
        <MuiList dense aria-label={translate('resources.rejections.fields.errors')}>
          {errors.map((e, i) => (
            <ListItem key={i} disableGutters>
              <ListItemText primary={e.message} secondary={e.path || translate('ls.rejection.whole_body')} />
            </ListItem>
          ))}
        </MuiList>
      </Section>
      <Section id="excerpt" title={translate('resources.rejections.fields.body_excerpt')}>
        <JsonView {...excerpt(record.body_excerpt)} label={translate('resources.rejections.fields.body_excerpt')} />
      </Section>
    </Box>
  );
};

const RejectionShow = () => (
  <Show title={<RecordTitle message="ls.rejection.title" />} component="div">
    <RejectionView />
  </Show>
);

export default { list: RejectionList, show: RejectionShow, icon: BlockIcon };
