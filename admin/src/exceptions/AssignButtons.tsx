// Take an open exception, or hand it to someone: POST /v1/exceptions/{id}/assign, audited. Success
// is said only after the server's 2xx; any refusal is said as what it is (common/useDecision).
import { Alert, Autocomplete, Dialog, DialogActions, DialogContent, DialogTitle, TextField } from '@mui/material';
import { useRef, useState } from 'react';
import { Form, InputHelperText, SaveButton, required, useGetIdentity, useInput, useNotify, useRecordContext, useRefresh, useTranslate } from 'react-admin';
import { useFormState } from 'react-hook-form';
import { ActionButton } from '../common/ActionButton';
import { useOperators } from '../common/catalogue';
import { useDecision } from '../common/useDecision';
import type { ExceptionRecord } from '../types';
import { dialogForm } from './ResolveDialog';
import { submissionErrors } from './submissionErrors';

const useAssign = (id: string) => useDecision((dataProvider, assignedTo: string) => dataProvider.assignException(id, assignedTo));

export const AssignToMeButton = () => {
  const record = useRecordContext<ExceptionRecord>();
  const { identity } = useGetIdentity();
  const notify = useNotify();
  const refresh = useRefresh();
  const assign = useAssign(String(record?.id));
  if (!record || record.status !== 'open' || !identity) return null;
  const me = String(identity.fullName);
  const onClick = async () => {
    const outcome = await assign.decide(me);
    if (outcome.ok) notify('ls.assign.done', { type: 'success', messageArgs: { who: me } });
    else if (outcome.loggedOut) return;
    else notify(outcome.notice.key, { type: 'error', messageArgs: outcome.notice.args, autoHideDuration: null });
    refresh();
  };
  return <ActionButton label="ls.assign.to_me" disabled={assign.pending || record.assigned_to === me} onClick={onClick} />;
};

export const AssignButton = () => {
  const record = useRecordContext<ExceptionRecord>();
  const [open, setOpen] = useState(false);
  if (!record || record.status !== 'open') return null;
  return (
    <>
      <ActionButton label="ls.assign.to_someone" onClick={() => setOpen(true)} />
      {open && <AssignDialog record={record} onClose={() => setOpen(false)} />}
    </>
  );
};

const ServerError = () => {
  const { errors } = useFormState();
  const message = (errors.root as { serverError?: { message?: string } } | undefined)?.serverError?.message;
  return message ? <Alert severity="error" role="alert" sx={{ mb: 1 }}>{message}</Alert> : null;
};

/** The owner: one of the known operators (the operator keys' names), or a name typed in. */
const OperatorInput = () => {
  const translate = useTranslate();
  const operators = useOperators();
  const { field, fieldState } = useInput({ source: 'assigned_to', validate: required() });
  const message = fieldState.error?.message;
  return (
    <Autocomplete freeSolo autoSelect options={operators.map((o) => o.actor)} value={field.value ?? ''} inputValue={field.value ?? ''}
      onInputChange={(_, value) => field.onChange(value)} onChange={(_, value) => field.onChange(value ?? '')}
      renderInput={(params) => (
        <TextField {...params} inputRef={field.ref} onBlur={field.onBlur} label={translate('resources.exceptions.fields.assigned_to')} autoFocus
          error={Boolean(message)} helperText={<InputHelperText error={message} helperText="ls.assign.help" />} />
      )} />
  );
};

const AssignDialog = ({ record, onClose }: { record: ExceptionRecord; onClose: () => void }) => {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const assign = useAssign(record.id);
  // As in the resolve dialog: after a refusal the page reloads its state once the dialog closes.
  const failed = useRef(false);
  const close = () => {
    onClose();
    if (failed.current) refresh();
  };
  const submit = async (values: Record<string, unknown>) => {
    const who = String(values.assigned_to ?? '');
    const outcome = await assign.decide(who);
    if (!outcome.ok) {
      if (outcome.loggedOut) return {};
      failed.current = true;
      return submissionErrors(outcome.error, outcome.message, ['assigned_to']);
    }
    notify('ls.assign.done', { type: 'success', messageArgs: { who } });
    onClose();
    refresh();
  };
  return (
    <Dialog open onClose={assign.pending ? undefined : close} fullWidth maxWidth="xs" aria-labelledby="assign-title" sx={dialogForm}>
      <Form record={{}} onSubmit={submit} defaultValues={{ assigned_to: record.assigned_to ?? '' }}>
        <DialogTitle id="assign-title">{translate('ls.assign.title', { key: record.idempotency_key })}</DialogTitle>
        <DialogContent>
          <ServerError />
          <OperatorInput />
        </DialogContent>
        <DialogActions>
          <ActionButton label="ra.action.cancel" onClick={close} disabled={assign.pending} />
          <SaveButton alwaysEnable icon={<></>} label="ls.assign.submit" />
        </DialogActions>
      </Form>
    </Dialog>
  );
};
