import { Alert, Box, Button, ToggleButton } from '@mui/material';
import {
  AutocompleteInput, ColumnsButton, DataTable, ExportButton, FilterButton, List, SelectInput, SimpleList, TextInput, TopToolbar, useGetIdentity, useListContext,
  useRecordContext, useTranslate,
} from 'react-admin';
import { useOperators, useReasonCodes } from '../common/catalogue';
import { ChipField } from '../common/Chips';
import { exactExporter } from '../common/exporter';
import { ShowLink } from '../common/ShowLink';
import { Time, TimeField } from '../common/time';
import { useIsSmall } from '../common/useIsSmall';
import { formatAge } from '../dashboard/age';
import type { Problem } from '../http';
import { BulkScope, ExceptionBulkToolbar } from './BulkActions';
import { DetailsField } from './DetailsInWords';
import { AGE_CHOICES, OPEN_LONGER_THAN } from './filters';

const STATUS = ['open', 'resolved'].map((id) => ({ id, name: `ls.status.${id}` }));

const useFilters = () => {
  const translate = useTranslate();
  const reasons = useReasonCodes(['quarantine']);
  const operators = useOperators();
  return [
    <TextInput key="q" source="q" label="ls.filters.key_search" alwaysOn resettable />,
    <SelectInput key="status" source="status" choices={STATUS} alwaysOn />,
    <SelectInput key={OPEN_LONGER_THAN} source={OPEN_LONGER_THAN} label="ls.filters.open_longer_than" alwaysOn sx={{ minWidth: '12rem' }}
      choices={AGE_CHOICES.map((s) => ({ id: s, name: s % 86400 === 0 ? translate('ls.age.choice_days', { smart_count: s / 86400 })
        : translate('ls.age.choice_hours', { smart_count: s / 3600 }) }))} translateChoice={false} />,
    <SelectInput key="reason_code" source="reason_code" choices={reasons.choices} translateChoice={false} isPending={reasons.isPending} />,
    <TextInput key="tenant_id" source="tenant_id" />,
    <AutocompleteInput key="assigned_to" source="assigned_to" choices={operators} optionValue="actor" optionText="actor" />,
    <TextInput key="idempotency_key" source="idempotency_key" />,
    <TextInput key="store_id" source="store_id" />,
    <TextInput key="txn_id" source="txn_id" />,
    <TextInput key="source_system" source="source_system" />,
    <TextInput key="event_type" source="event_type" />,
  ];
};

/** Mine / Unassigned: the owner filters an operator reaches for first. */
const OwnerShortcuts = () => {
  const translate = useTranslate();
  const { identity } = useGetIdentity();
  const { filterValues, setFilters, displayedFilters } = useListContext();
  const me = identity?.actor as string | undefined;
  const mine = Boolean(me) && filterValues.assigned_to === me;
  const unassigned = filterValues.unassigned === true;
  const without = ({ assigned_to: _a, unassigned: _u, ...rest }: Record<string, unknown>) => rest;
  return (
    <>
      <ToggleButton size="small" value="mine" selected={mine} disabled={!me} sx={{ py: 0.25 }}
        onChange={() => setFilters(mine ? without(filterValues) : { ...without(filterValues), assigned_to: me }, displayedFilters)}>
        {translate('ls.filters.mine')}
      </ToggleButton>
      <ToggleButton size="small" value="unassigned" selected={unassigned} sx={{ py: 0.25 }}
        onChange={() => setFilters(unassigned ? without(filterValues) : { ...without(filterValues), unassigned: true }, displayedFilters)}>
        {translate('ls.filters.unassigned')}
      </ToggleButton>
    </>
  );
};

const ListActions = () => {
  const isSmall = useIsSmall();
  return (
    <TopToolbar sx={{ alignItems: 'center', gap: 1 }}>
      <OwnerShortcuts />
      <FilterButton />
      {!isSmall && <ColumnsButton />}
      <ExportButton />
    </TopToolbar>
  );
};

/** A refused filter: the server's words for each refused member, and a way out. */
const ListError = () => {
  const translate = useTranslate();
  const { error, setFilters } = useListContext();
  const problem = ((error as { body?: Problem } | null)?.body ?? {}) as Problem;
  const errors = (problem.errors ?? []).filter((e) => e.path);
  return (
    <Alert severity="error" role="alert" sx={{ m: 2 }}
      action={<Button color="inherit" size="small" onClick={() => setFilters({ status: 'open' }, {})}>{translate('ls.filters.reset')}</Button>}>
      {translate('ls.filters.refused', { detail: problem.detail ?? (error as Error | null)?.message ?? '' })}
      {errors.map((e) => <Box key={e.path}><code>{e.path}</code>: {e.message}</Box>)}
    </Alert>
  );
};

const AgeField = () => {
  const record = useRecordContext();
  const translate = useTranslate();
  if (!record || record.age_seconds === null || record.age_seconds === undefined) return null;
  return <Box component="span" sx={{ whiteSpace: 'nowrap' }}>{formatAge(Number(record.age_seconds), translate)}</Box>;
};

const OwnerField = () => {
  const record = useRecordContext();
  if (!record?.assigned_to) return null;
  return <Box component="span" sx={{ display: 'inline-flex', flexDirection: 'column' }}>
    <span>{record.assigned_to}</span>
    <Box component="span" sx={{ color: 'text.secondary', fontSize: '0.8em' }}><Time value={record.assigned_at} seconds={false} /></Box>
  </Box>;
};

export const ExceptionList = () => {
  const isSmall = useIsSmall();
  const translate = useTranslate();
  const filters = useFilters();
  return (
    <BulkScope>
      <List filters={filters} actions={<ListActions />} exporter={exactExporter} filterDefaultValues={{ status: 'open' }}
        sort={{ field: 'opened_at', order: 'DESC' }} perPage={25} error={<ListError />} queryOptions={{ onError: () => {} }}
        // Eleven columns: half the usual padding between them. What is still too wide scrolls
        // sideways inside the table's own box: a wider table must not widen the page (the sidebar
        // would scroll away), and overflow on the list's content box would clip the bulk toolbar,
        // which react-admin lifts above the table, under the filter form.
        sx={{ minWidth: 0, '& .RaDataTable-tableWrapper': { overflowX: 'auto', contain: 'inline-size' },
          '& .RaDataTable-rowCell, & .RaDataTable-headerCell': { px: 1 } }}>
        {isSmall ? (
          <SimpleList
            primaryText={(r) => r.idempotency_key}
            secondaryText={(r) => [r.tenant_id, r.store_id, r.txn_id, translate(`ls.reason.${r.reason_code}`, { _: r.reason_code })]
              .filter(Boolean).join(' · ')}
            tertiaryText={(r) => (r.age_seconds !== null ? formatAge(Number(r.age_seconds), translate) : translate(`ls.status.${r.status}`))}
            linkType="show"
          />
        ) : (
          <DataTable rowClick="show" bulkActionButtons={<></>} bulkActionsToolbar={<ExceptionBulkToolbar />}
            // Store and transaction took its room; the Columns button shows it again.
            hiddenColumns={['last_arrival_at']}>
            <DataTable.Col source="opened_at"><TimeField source="opened_at" seconds={false} /></DataTable.Col>
            <DataTable.Col source="age_seconds" disableSort><AgeField /></DataTable.Col>
            <DataTable.Col source="idempotency_key"><ShowLink source="idempotency_key" /></DataTable.Col>
            <DataTable.Col source="tenant_id" />
            <DataTable.Col source="store_id" />
            <DataTable.Col source="txn_id" />
            <DataTable.Col source="reason_code"><ChipField source="reason_code" kind="reason" /></DataTable.Col>
            <DataTable.Col source="details" disableSort sx={{ minWidth: '14rem', maxWidth: '24rem' }}><DetailsField /></DataTable.Col>
            <DataTable.Col source="status"><ChipField source="status" kind="status" /></DataTable.Col>
            <DataTable.Col source="arrivals" align="right" />
            <DataTable.Col source="assigned_to"><OwnerField /></DataTable.Col>
            <DataTable.Col source="last_arrival_at"><TimeField source="last_arrival_at" seconds={false} /></DataTable.Col>
          </DataTable>
        )}
      </List>
    </BulkScope>
  );
};
