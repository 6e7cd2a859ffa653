// Take an open exception, or hand it to someone: POST /v1/exceptions/{id}/assign, audited.
import { Dialog, DialogActions, DialogContent, DialogTitle } from '@mui/material';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Form, SaveButton, TextInput, required, useDataProvider, useGetIdentity, useNotify, useRecordContext, useRefresh, useTranslate } from 'react-admin';
import type { LedgerDataProvider } from '../dataProvider';
import type { ExceptionRecord } from '../types';
import { dialogForm } from './ResolveDialog';
import { submissionErrors } from './submissionErrors';

const useAssign = (id: string) => {
  const dataProvider = useDataProvider<LedgerDataProvider>();
  return useMutation({ mutationFn: (assignedTo: string) => dataProvider.assignException(id, assignedTo) });
};

export const AssignToMeButton = () => {
  const record = useRecordContext<ExceptionRecord>();
  const { identity } = useGetIdentity();
  const notify = useNotify();
  const refresh = useRefresh();
  const assign = useAssign(String(record?.id));
  if (!record || record.status !== 'open' || !identity) return null;
  const me = String(identity.fullName);
  return (
    <Button
      label="ls.assign.to_me"
      disabled={assign.isPending || record.assigned_to === me}
      onClick={() => assign.mutate(me, {
        onSuccess: () => { notify('ls.assign.done', { type: 'success', messageArgs: { who: me } }); refresh(); },
        onError: (error) => notify((error as Error).message, { type: 'error' }),
      })}
    />
  );
};

export const AssignButton = () => {
  const record = useRecordContext<ExceptionRecord>();
  const [open, setOpen] = useState(false);
  if (!record || record.status !== 'open') return null;
  return (
    <>
      <Button label="ls.assign.to_someone" onClick={() => setOpen(true)} />
      {open && <AssignDialog record={record} onClose={() => setOpen(false)} />}
    </>
  );
};

const AssignDialog = ({ record, onClose }: { record: ExceptionRecord; onClose: () => void }) => {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const assign = useAssign(record.id);
  const submit = async (values: Record<string, unknown>) => {
    const who = String(values.assigned_to ?? '');
    try {
      await assign.mutateAsync(who);
    } catch (error) {
      return submissionErrors(error, ['assigned_to']);
    }
    notify('ls.assign.done', { type: 'success', messageArgs: { who } });
    onClose();
    refresh();
  };
  return (
    <Dialog open onClose={assign.isPending ? undefined : onClose} fullWidth maxWidth="xs" aria-labelledby="assign-title" sx={dialogForm}>
      <Form record={{}} onSubmit={submit} defaultValues={{ assigned_to: record.assigned_to ?? '' }}>
        <DialogTitle id="assign-title">{translate('ls.assign.title', { key: record.idempotency_key })}</DialogTitle>
        <DialogContent>
          <TextInput source="assigned_to" resource="exceptions" validate={required()} fullWidth autoFocus helperText="ls.assign.help" />
        </DialogContent>
        <DialogActions>
          <Button label="ra.action.cancel" onClick={onClose} />
          <SaveButton alwaysEnable icon={<></>} label="ls.assign.submit" />
        </DialogActions>
      </Form>
    </Dialog>
  );
};
