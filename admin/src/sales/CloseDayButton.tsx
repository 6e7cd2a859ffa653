// Close a business day (ledger.close_business_day through POST /admin/api/business-days): tenant,
// optional store, day and why. Pessimistic: the day is said closed only after a 2xx; the server's
// field errors land on the fields, a refusal (409 already closed, 403) is said in words in the
// dialog. Offered to operator keys only: the database lets no other role close a day.
import { Dialog, DialogActions, DialogContent, DialogTitle, Stack, Typography } from '@mui/material';
import { useState } from 'react';
import { DateInput, Form, SaveButton, TextInput, required, useGetIdentity, useListContext, useNotify, useRefresh, useTranslate } from 'react-admin';
import { ActionButton } from '../common/ActionButton';
import { ServerError } from '../common/ServerError';
import { useDecision } from '../common/useDecision';
import { useIsSmall } from '../common/useIsSmall';
import type { CloseDayBody } from '../dataProvider';
import { submissionErrors } from '../exceptions/submissionErrors';

const FIELDS = ['tenant_id', 'store_id', 'business_date', 'notes'];

export const CloseDayButton = () => {
  const { identity } = useGetIdentity();
  const [open, setOpen] = useState(false);
  if (identity?.role !== 'operator') return null;
  return (
    <>
      <ActionButton label="ls.close_day.open" onClick={() => setOpen(true)} />
      {open && <CloseDayDialog onClose={() => setOpen(false)} />}
    </>
  );
};

const CloseDayDialog = ({ onClose }: { onClose: () => void }) => {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const isSmall = useIsSmall();
  const { filterValues } = useListContext();
  const close = useDecision((dataProvider, body: CloseDayBody) => dataProvider.closeBusinessDay(body));

  const submit = async (values: Record<string, unknown>) => {
    const body: CloseDayBody = {
      tenant_id: String(values.tenant_id ?? ''), business_date: String(values.business_date ?? ''), notes: String(values.notes ?? ''),
      ...(values.store_id ? { store_id: String(values.store_id) } : {}),
    };
    const outcome = await close.decide(body);
    if (!outcome.ok) return outcome.loggedOut ? {} : submissionErrors(outcome.error, outcome.message, FIELDS);
    const day = outcome.data;
    notify('ls.close_day.done', { type: 'success', messageArgs: {
      date: day.business_date, store: day.store_id ?? translate('ls.close_day.every_store', { tenant: day.tenant_id }),
    } });
    onClose();
    refresh();
  };

  return (
    <Dialog open onClose={close.pending ? undefined : onClose} fullScreen={isSmall} fullWidth maxWidth="sm" aria-labelledby="close-day-title">
      <Form record={{}} onSubmit={submit} defaultValues={{
        tenant_id: filterValues.tenant_id ?? '', store_id: filterValues.store_id ?? '', business_date: filterValues.to_date ?? '', notes: '',
      }}>
        <DialogTitle id="close-day-title">{translate('ls.close_day.title')}</DialogTitle>
        <DialogContent dividers>
          <Stack spacing={1}>
            <ServerError />
            <Typography variant="body2" color="text.secondary">{translate('ls.close_day.help')}</Typography>
            <TextInput source="tenant_id" resource="sales" validate={required()} fullWidth helperText={false} />
            <TextInput source="store_id" resource="sales" fullWidth helperText="ls.close_day.store_help" />
            <DateInput source="business_date" resource="sales" validate={required()} fullWidth helperText={false} />
            <TextInput source="notes" resource="sales" multiline minRows={2} validate={required()} fullWidth helperText="ls.close_day.notes_help" />
          </Stack>
        </DialogContent>
        <DialogActions>
          <ActionButton label="ra.action.cancel" onClick={onClose} disabled={close.pending} />
          <SaveButton alwaysEnable icon={<></>} label="ls.close_day.submit" />
        </DialogActions>
      </Form>
    </Dialog>
  );
};
