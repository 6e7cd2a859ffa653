// Sales: Gold's daily sales per store (ledger.get_daily_sales through /admin/api/sales), as a chart
// and a table, by date range and store; each store-day opens its transactions. Close-a-day lives
// here, where the days are.
import PointOfSaleIcon from '@mui/icons-material/PointOfSale';
import type { MouseEvent } from 'react';
import { Chip } from '@mui/material';
import {
  DataTable, DateInput, ExportButton, FilterButton, Link, List, Pagination, SelectInput, TextInput, TopToolbar, useGetList, useRecordContext, useTranslate,
} from 'react-admin';
import { ExactField } from '../common/Exact';
import { exactExporter } from '../common/exporter';
import { CloseDayButton } from './CloseDayButton';
import { SalesChart } from './SalesChart';
import type { SalesDay } from './types';

/** The transactions list of one store-day. */
export const transactionsOfDay = (d: Pick<SalesDay, 'tenant_id' | 'store_id' | 'business_date'>) =>
  `/transactions?filter=${encodeURIComponent(JSON.stringify({ tenant_id: d.tenant_id, store_id: d.store_id, business_date: d.business_date }))}`;

const useFilters = () => {
  const { data: stores = [], isPending } = useGetList<{ id: string; store_id: string }>('stores', {
    pagination: { page: 1, perPage: 1000 }, sort: { field: 'store_id', order: 'ASC' },
  });
  const choices = [...new Set(stores.map((s) => s.store_id))].map((id) => ({ id, name: id }));
  return [
    <TextInput key="tenant_id" source="tenant_id" alwaysOn />,
    <SelectInput key="store_id" source="store_id" choices={choices} translateChoice={false} isPending={isPending} alwaysOn />,
    <DateInput key="from_date" source="from_date" alwaysOn />,
    <DateInput key="to_date" source="to_date" alwaysOn />,
  ];
};

const Actions = () => (
  <TopToolbar>
    <FilterButton />
    <CloseDayButton />
    <ExportButton />
  </TopToolbar>
);

const DayLink = () => {
  const record = useRecordContext<SalesDay>();
  const translate = useTranslate();
  if (!record) return null;
  return <Link to={transactionsOfDay(record)} onClick={(e: MouseEvent) => e.stopPropagation()}>{translate('ls.sales.transactions_of_day')}</Link>;
};

const DayState = () => {
  const record = useRecordContext<SalesDay>();
  const translate = useTranslate();
  if (!record) return null;
  return <Chip size="small" variant="outlined" color={record.closed ? 'default' : 'success'} label={translate(record.closed ? 'ls.sales.closed' : 'ls.sales.open')} />;
};

const SalesList = () => {
  const filters = useFilters();
  return (
    <List filters={filters} actions={<Actions />} exporter={exactExporter} sort={{ field: 'business_date', order: 'ASC' }} perPage={100}
      pagination={<Pagination rowsPerPageOptions={[25, 100, 500]} />}
      // Seventeen columns: what is too wide scrolls inside the table's own box, not the page.
      sx={{ minWidth: 0, '& .RaDataTable-tableWrapper': { overflowX: 'auto', contain: 'inline-size' },
        '& .RaDataTable-rowCell, & .RaDataTable-headerCell': { px: 1 } }}>
      <SalesChart />
      <DataTable rowClick={(_id, _resource, record) => transactionsOfDay(record as SalesDay)} bulkActionButtons={false}>
        <DataTable.Col source="business_date" />
        <DataTable.Col source="tenant_id" />
        <DataTable.Col source="store_id" />
        <DataTable.Col source="currency" disableSort />
        <DataTable.Col source="sales_count" disableSort align="right"><ExactField source="sales_count" /></DataTable.Col>
        <DataTable.Col source="sales_amount" align="right"><ExactField source="sales_amount" /></DataTable.Col>
        <DataTable.Col source="returns_count" disableSort align="right"><ExactField source="returns_count" /></DataTable.Col>
        <DataTable.Col source="returns_amount" disableSort align="right"><ExactField source="returns_amount" /></DataTable.Col>
        <DataTable.Col source="corrections_count" disableSort align="right"><ExactField source="corrections_count" /></DataTable.Col>
        <DataTable.Col source="corrections_amount" disableSort align="right"><ExactField source="corrections_amount" /></DataTable.Col>
        <DataTable.Col source="reversals_count" disableSort align="right"><ExactField source="reversals_count" /></DataTable.Col>
        <DataTable.Col source="reversals_amount" disableSort align="right"><ExactField source="reversals_amount" /></DataTable.Col>
        <DataTable.Col source="net_amount" align="right"><ExactField source="net_amount" /></DataTable.Col>
        <DataTable.Col source="return_rate" align="right" disableSort><ExactField source="return_rate" suffix=" %" /></DataTable.Col>
        <DataTable.Col source="correction_rate" align="right" disableSort><ExactField source="correction_rate" suffix=" %" /></DataTable.Col>
        <DataTable.Col source="closed" disableSort><DayState /></DataTable.Col>
        <DataTable.Col source="id" label="ls.sales.transactions_of_day" disableSort><DayLink /></DataTable.Col>
      </DataTable>
    </List>
  );
};

export default { list: SalesList, icon: PointOfSaleIcon };
