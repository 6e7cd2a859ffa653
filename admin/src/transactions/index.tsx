// Silver: the current postings (a store's day, a txn_id), and one transaction as
// ledger.get_transaction tells it: its values as corrected, its lines with what was returned, and
// the timeline of every posting of it or referring to it, each with its key and Bronze row.
import ReceiptLongIcon from '@mui/icons-material/ReceiptLong';
import { Alert, Box, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';
import {
  DataTable, DateInput, List, SelectInput, Show, TextInput, useGetRecordId, useRecordContext, useShowContext, useTranslate,
} from 'react-admin';
import { ListLinkButton } from '../common/ActionButton';
import { ChipField, ValueChip } from '../common/Chips';
import { ExactField, ExactNumber, exactText } from '../common/Exact';
import { exactExporter } from '../common/exporter';
import { Facts } from '../common/Facts';
import { Section } from '../common/Section';
import { ShowLink } from '../common/ShowLink';
import { Time, TimeField } from '../common/time';
import type { Json } from '../lib/json';
import { keyId, transactionId } from '../types';

const KINDS = ['sale', 'return', 'correction', 'reversal'].map((id) => ({ id, name: `ls.kind.${id}` }));

interface Posting {
  posting_id: Json; kind: string; txn_id: string; store_id: string; idempotency_key: string; raw_id: Json; version: Json;
  business_date: string; occurred_at: string; total_amount: Json; gold_amount: Json; status: string; superseded_by: Json | null;
  withdrawn: boolean; posted_at: string; lines: { sku: string; qty: Json; amount: Json }[] | null;
}

interface Transaction {
  id: string; tenant_id: string; store_id: string; txn_id: string; kind: string; current: boolean; status: string; currency: string;
  business_date: string; occurred_at: string; idempotency_key: string; raw_id: Json; version: Json; posted_total: Json;
  tax_amount: Json | null; discount_amount: Json | null; total: Json; returned_total: Json; remaining_total: Json;
  corrected_by: Json | null; reversed_by: Json | null; original: { store_id: string; txn_id: string; posting_id: Json } | null;
  lines: { line_no: Json; sku: string; qty: Json; amount: Json; returned: Json }[]; timeline: Posting[];
}

const filters = [
  <TextInput key="tenant_id" source="tenant_id" alwaysOn />,
  <TextInput key="store_id" source="store_id" alwaysOn />,
  <DateInput key="business_date" source="business_date" alwaysOn />,
  <TextInput key="txn_id" source="txn_id" alwaysOn />,
  <SelectInput key="kind" source="kind" choices={KINDS} />,
  <TextInput key="q" source="q" />,
];

const TransactionList = () => (
  <List filters={filters} exporter={exactExporter} sort={{ field: 'posting_id', order: 'DESC' }} perPage={25}>
    <DataTable rowClick="show" bulkActionButtons={false}>
      <DataTable.Col source="txn_id"><ShowLink source="txn_id" /></DataTable.Col>
      <DataTable.Col source="kind"><ChipField source="kind" kind="kind" /></DataTable.Col>
      <DataTable.Col source="status" disableSort><ChipField source="status" kind="posting_status" /></DataTable.Col>
      <DataTable.Col source="business_date" />
      <DataTable.Col source="store_id" />
      <DataTable.Col source="tenant_id" disableSort />
      <DataTable.Col source="total_amount" align="right"><ExactField source="total_amount" /></DataTable.Col>
      <DataTable.Col source="currency" disableSort />
      <DataTable.Col source="occurred_at"><TimeField source="occurred_at" /></DataTable.Col>
      <DataTable.Col source="idempotency_key" disableSort />
      <DataTable.Col source="posting_id" align="right" />
    </DataTable>
  </List>
);

const TransactionTitle = () => {
  const record = useRecordContext<Transaction>();
  const translate = useTranslate();
  return <>{translate('ls.transaction.title', { txn_id: record?.txn_id ?? '', store_id: record?.store_id ?? '' })}</>;
};

const KeyLink = ({ tenantId, idempotencyKey }: { tenantId: string; idempotencyKey: string }) => (
  <ShowLink resource="idempotency-keys" id={keyId(tenantId, idempotencyKey)}>{idempotencyKey}</ShowLink>
);

const BronzeLink = ({ rawId }: { rawId: Json }) => {
  const translate = useTranslate();
  return <ShowLink resource="events" id={exactText(rawId)}>{translate('ls.transaction.bronze_row', { id: exactText(rawId) })}</ShowLink>;
};

const field = (name: string) => `resources.transactions.fields.${name}`;

const Lines = ({ record }: { record: Transaction }) => {
  const translate = useTranslate();
  if (record.lines.length === 0) return <Typography variant="body2">{translate('ls.transaction.no_lines')}</Typography>;
  return (
    <TableContainer>
      <Table size="small" aria-label={translate('ls.transaction.lines_caption')}>
        <TableHead>
          <TableRow>
            {['line_no', 'sku', 'qty', 'amount', 'returned'].map((f) => (
              <TableCell key={f} align={f === 'sku' ? 'left' : 'right'}>{translate(field(f))}</TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {record.lines.map((l) => (
            <TableRow key={exactText(l.line_no)}>
              <TableCell align="right">{exactText(l.line_no)}</TableCell>
              <TableCell>{l.sku}</TableCell>
              <TableCell align="right"><ExactNumber value={l.qty} /></TableCell>
              <TableCell align="right"><ExactNumber value={l.amount} /></TableCell>
              <TableCell align="right"><ExactNumber value={l.returned} /></TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
};

const PostingState = ({ posting }: { posting: Posting }) => {
  const translate = useTranslate();
  if (posting.withdrawn) return <>{translate('ls.transaction.withdrawn')}</>;
  if (posting.superseded_by !== null) return <>{translate('ls.transaction.superseded', { id: exactText(posting.superseded_by) })}</>;
  return <ValueChip kind="posting_status" value={posting.status} />;
};

const Timeline = ({ record }: { record: Transaction }) => {
  const translate = useTranslate();
  const columns = ['posting_id', 'kind', 'txn_id', 'business_date', 'occurred_at', 'total_amount', 'gold_amount', 'lines', 'state', 'idempotency_key', 'raw_id'];
  return (
    <TableContainer>
      <Table size="small" aria-label={translate('ls.transaction.timeline_caption')}>
        <TableHead>
          <TableRow>
            {columns.map((f) => <TableCell key={f} align={f === 'total_amount' || f === 'gold_amount' ? 'right' : 'left'}>{translate(field(f))}</TableCell>)}
          </TableRow>
        </TableHead>
        <TableBody>
          {record.timeline.map((p) => {
            const other = p.txn_id !== record.txn_id || p.store_id !== record.store_id;
            return (
              <TableRow key={exactText(p.posting_id)}>
                <TableCell>#{exactText(p.posting_id)}</TableCell>
                <TableCell><ValueChip kind="kind" value={p.kind} /></TableCell>
                <TableCell>
                  {other ? <ShowLink resource="transactions" id={transactionId(record.tenant_id, p.store_id, p.txn_id)}>{p.txn_id}</ShowLink> : p.txn_id}
                </TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{p.business_date}</TableCell>
                <TableCell><Time value={p.occurred_at} /></TableCell>
                <TableCell align="right"><ExactNumber value={p.total_amount} /></TableCell>
                <TableCell align="right"><ExactNumber value={p.gold_amount} /></TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{(p.lines ?? []).map((l) => `${exactText(l.qty)} × ${l.sku}`).join(', ')}</TableCell>
                <TableCell><PostingState posting={p} /></TableCell>
                <TableCell><KeyLink tenantId={record.tenant_id} idempotencyKey={p.idempotency_key} /></TableCell>
                <TableCell><BronzeLink rawId={p.raw_id} /></TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </TableContainer>
  );
};

const TransactionView = () => {
  const record = useRecordContext<Transaction>();
  const translate = useTranslate();
  // A row of the list stands in for the record until the whole one has come: it has no lines nor timeline.
  if (!record?.timeline) return null;
  const money = (value: Json | null) => value === null ? null : <><ExactNumber value={value} /> {record.currency}</>;
  return (
    <Stack spacing={2} sx={{ mb: 2, minWidth: 0 }}>
      <Typography component="h1" variant="h5" sx={{ overflowWrap: 'anywhere' }}>
        {translate('ls.transaction.title', { txn_id: record.txn_id, store_id: record.store_id })}
      </Typography>
      <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'minmax(0, 2fr) minmax(0, 3fr)' } }}>
        <Section id="transaction" title={translate('ls.transaction.sections.transaction')}>
          <Facts resource="transactions" facts={[
            { field: 'kind', value: <ValueChip kind="kind" value={record.kind} /> },
            { field: 'status', value: <ValueChip kind="posting_status" value={record.status} /> },
            { field: 'tenant_id', value: record.tenant_id },
            { field: 'store_id', value: record.store_id },
            { field: 'txn_id', value: record.txn_id },
            { field: 'business_date', value: record.business_date },
            { field: 'occurred_at', value: <Time value={record.occurred_at} /> },
            { field: 'posted_total', value: money(record.posted_total) },
            { field: 'tax_amount', value: money(record.tax_amount) },
            { field: 'discount_amount', value: money(record.discount_amount) },
            { field: 'total', value: money(record.total) },
            { field: 'returned_total', value: money(record.returned_total) },
            { field: 'remaining_total', value: money(record.remaining_total) },
            { field: 'corrected_by', value: record.corrected_by === null ? null : `#${exactText(record.corrected_by)}` },
            { field: 'reversed_by', value: record.reversed_by === null ? null : `#${exactText(record.reversed_by)}` },
            { field: 'original', value: record.original && (
              <ShowLink resource="transactions" id={transactionId(record.tenant_id, record.original.store_id, record.original.txn_id)}>
                {record.original.txn_id}
              </ShowLink>
            ) },
            { field: 'idempotency_key', value: <KeyLink tenantId={record.tenant_id} idempotencyKey={record.idempotency_key} /> },
            { field: 'raw_id', value: <BronzeLink rawId={record.raw_id} /> },
            { field: 'version', value: exactText(record.version) },
            { field: 'current', value: translate(record.current ? 'ra.boolean.true' : 'ra.boolean.false') },
          ]} />
        </Section>
        <Section id="lines" title={translate('ls.transaction.sections.lines')}>
          <Lines record={record} />
        </Section>
      </Box>
      <Section id="timeline" title={translate('ls.transaction.sections.timeline')}>
        <Timeline record={record} />
      </Section>
    </Stack>
  );
};

/** A transaction that was never posted (held as an exception, mistyped): said on the page. */
const TransactionMissing = () => {
  const translate = useTranslate();
  const id = String(useGetRecordId() ?? '');
  const { error } = useShowContext();
  const status = (error as { status?: number } | null)?.status;
  const message = status === 404 ? 'ls.transaction.not_found' : status === 422 ? 'ls.transaction.malformed_id' : 'ls.transaction.unreadable';
  return (
    <Stack spacing={2} sx={{ my: 2 }}>
      <Typography component="h1" variant="h5">{translate('ls.transaction.missing_title')}</Typography>
      <Alert severity={status === 404 || status === 422 ? 'warning' : 'error'} role="alert">
        {translate(message, { id, detail: (error as Error | null)?.message ?? '' })}
      </Alert>
      <Box><ListLinkButton resource="transactions" /></Box>
    </Stack>
  );
};

const TransactionShow = () => (
  <Show title={<TransactionTitle />} component="div" error={<TransactionMissing />} queryOptions={{ onError: () => {} }}>
    <TransactionView />
  </Show>
);

export default { list: TransactionList, show: TransactionShow, icon: ReceiptLongIcon };
