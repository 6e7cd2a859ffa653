// Resolve an open exception: replay a chosen arrival through a JSON merge patch (previewed live,
// with its diff), or ignore the key. Pessimistic: nothing changes on screen until the server has
// answered with a 2xx; its field errors land on the fields, any other refusal is said as what it is
// (common/useDecision), and on success the page reloads its state and audit. The patch goes to the
// server as the operator typed it (40.0 stays 40.0).
import { Alert, Box, Dialog, DialogActions, DialogContent, DialogTitle, Stack, Typography } from '@mui/material';
import { useRef, useState } from 'react';
import { useWatch } from 'react-hook-form';
import {
  Form, RadioButtonGroupInput, SaveButton, SelectInput, TextInput, required, useNotify, useRecordContext, useRefresh, useTranslate,
} from 'react-admin';
import { ActionButton } from '../common/ActionButton';
import { ServerError } from '../common/ServerError';
import { DiffSummary, DiffTable } from '../common/DiffTable';
import { JsonView } from '../common/JsonView';
import { useFormatTime } from '../common/time';
import { useDecision } from '../common/useDecision';
import { useIsSmall } from '../common/useIsSmall';
import type { ResolveBody } from '../dataProvider';
import { mergePatch, parsePatch, type Json } from '../lib/json';
import { knownArrivals, type ExceptionRecord } from '../types';
import { useCanonicalLabel } from './ArrivalDiffs';
import { submissionErrors } from './submissionErrors';

interface ResolveValues {
  action: ResolveBody['action'];
  canonical_raw_id: number | string;
  override_patch: string;
  resolution_notes: string;
}

const FIELDS = ['action', 'canonical_raw_id', 'override_patch', 'resolution_notes'];
const ACTIONS = [
  { id: 'override_and_replay', name: 'ls.resolution.override_and_replay' },
  { id: 'mark_resolved_no_replay', name: 'ls.resolution.mark_resolved_no_replay' },
];
/** react-admin's <Form> sits between the dialog's paper and its parts: keep the title and the
 * buttons in view and let the content scroll. */
export const dialogForm = { '& .MuiDialog-paper > form': { display: 'flex', flexDirection: 'column', minHeight: 0, flex: '1 1 auto' } };
const mono = { '& textarea': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 13 } };

const validPatch = (value: string) => {
  const parsed = parsePatch(value);
  return 'error' in parsed ? `ls.resolve.patch_${parsed.error}` : undefined;
};

export const ResolveButton = () => {
  const record = useRecordContext<ExceptionRecord>();
  const [open, setOpen] = useState(false);
  if (!record || record.status !== 'open') return null;
  return (
    <>
      <ActionButton label="ls.resolve.open" variant="contained" onClick={() => setOpen(true)} disabled={!record.detail} />
      {open && <ResolveDialog record={record} onClose={() => setOpen(false)} />}
    </>
  );
};

const ResolveDialog = ({ record, onClose }: { record: ExceptionRecord; onClose: () => void }) => {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const isSmall = useIsSmall();
  const resolve = useDecision((dataProvider, body: ResolveBody) => dataProvider.resolveException(record.id, body));
  // After a refusal the state may have moved (resolved elsewhere: 409): the page reloads it when the
  // dialog closes, not before, which would take the dialog and its message away.
  const failed = useRef(false);
  const close = () => {
    onClose();
    if (failed.current) refresh();
  };

  const submit = async (values: Record<string, unknown>) => {
    const v = values as unknown as ResolveValues;
    const body: ResolveBody = v.action === 'override_and_replay'
      ? { action: v.action, resolution_notes: v.resolution_notes, canonical_raw_id: String(v.canonical_raw_id), override_patch: v.override_patch }
      : { action: v.action, resolution_notes: v.resolution_notes };
    const outcome = await resolve.decide(body);
    if (!outcome.ok) {
      if (outcome.loggedOut) return {};
      failed.current = true;
      return submissionErrors(outcome.error, outcome.message, FIELDS, 'override_patch');
    }
    notify(v.action === 'override_and_replay' ? 'ls.resolve.replayed' : 'ls.resolve.ignored', { type: 'success' });
    onClose();
    refresh();
  };

  return (
    <Dialog open onClose={resolve.pending ? undefined : close} fullScreen={isSmall} fullWidth maxWidth="lg" aria-labelledby="resolve-title"
      sx={dialogForm}>
      <Form
        record={{}}
        onSubmit={submit}
        defaultValues={{ action: 'override_and_replay', canonical_raw_id: record.raw_id, override_patch: '{}', resolution_notes: '' }}
      >
        <DialogTitle id="resolve-title">{translate('ls.resolve.title', { key: record.idempotency_key })}</DialogTitle>
        <DialogContent dividers>
          <ResolveFields record={record} />
        </DialogContent>
        <DialogActions>
          <ActionButton label="ra.action.cancel" onClick={close} disabled={resolve.pending} />
          <SubmitButton />
        </DialogActions>
      </Form>
    </Dialog>
  );
};

const SubmitButton = () => {
  const action = useWatch({ name: 'action' });
  return (
    <SaveButton alwaysEnable icon={<></>} label={action === 'override_and_replay' ? 'ls.resolve.submit_replay' : 'ls.resolve.submit_ignore'} />
  );
};

const ResolveFields = ({ record }: { record: ExceptionRecord }) => {
  const translate = useTranslate();
  const isSmall = useIsSmall();
  const formatTime = useFormatTime();
  const canonicalLabel = useCanonicalLabel(record);
  const [action, rawId, patchText] = useWatch({ name: ['action', 'canonical_raw_id', 'override_patch'] });
  const arrivals = knownArrivals(record.detail);
  const canonicalId = record.detail?.events_processed?.canonical_raw_id;
  const choices = arrivals.map((a) => ({
    id: a.raw_id,
    name: translate(a.raw_id === canonicalId ? 'ls.resolve.choice_canonical' : 'ls.resolve.choice', {
      raw_id: a.raw_id, attempt: a.attempt, result: translate(`ls.result.${a.result}`), at: formatTime(a.received_at),
    }),
  }));
  const chosen = arrivals.find((a) => a.raw_id === Number(rawId));
  const parsed = parsePatch(patchText);
  const result: Json | undefined = chosen && 'patch' in parsed ? mergePatch(chosen.payload, parsed.patch) : undefined;
  const replay = action === 'override_and_replay';
  // What downstream systems hold now is what the replay changes: the diff is against it, when the
  // key has one; against the chosen arrival otherwise.
  const current: Json | undefined = record.detail?.events_processed?.canonical_payload ?? undefined;
  const base = current ?? chosen?.payload;
  const baseLabel = current !== undefined && canonicalLabel ? canonicalLabel : translate('ls.exception.arrival', { raw_id: chosen?.raw_id ?? '' });
  const diffTitle = current !== undefined ? translate('ls.resolve.preview_diff_canonical') : translate('ls.resolve.preview_diff', { raw_id: chosen?.raw_id ?? '' });

  return (
    <Stack spacing={1}>
      <ServerError />
      <RadioButtonGroupInput source="action" choices={ACTIONS} row={!isSmall} validate={required()} helperText={false} />
      <Typography variant="body2" color="text.secondary">
        {translate(replay ? 'ls.resolve.replay_help' : 'ls.resolve.ignore_help')}
      </Typography>
      {replay && (
        <Box sx={{ display: 'grid', columnGap: 3, rowGap: 1, pt: 1, gridTemplateColumns: { xs: 'minmax(0, 1fr)', md: 'repeat(2, minmax(0, 1fr))' } }}>
          <Box>
            <SelectInput source="canonical_raw_id" choices={choices} translateChoice={false} validate={required()} fullWidth
              helperText="ls.resolve.canonical_help" />
            <TextInput source="override_patch" multiline minRows={6} maxRows={16} fullWidth validate={validPatch}
              helperText="ls.resolve.patch_help" sx={mono} />
          </Box>
          <Box component="section" aria-labelledby="preview-title" sx={{ minWidth: 0 }}>
            <Typography id="preview-title" component="h3" variant="subtitle2" gutterBottom>{translate('ls.resolve.preview')}</Typography>
            {result === undefined
              ? <Alert severity="info">{translate('ls.resolve.preview_waiting')}</Alert>
              : <JsonView value={result} label={translate('ls.resolve.preview')} maxHeight={220} />}
            <Stack direction="row" spacing={1} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap', mt: 1.5, mb: 0.5 }}>
              <Typography component="h3" variant="subtitle2">{diffTitle}</Typography>
              {result !== undefined && <DiffSummary before={base} after={result} />}
            </Stack>
            {result !== undefined && (
              <DiffTable before={base} after={result} beforeLabel={baseLabel} afterLabel={translate('ls.resolve.after_patch')}
                caption={diffTitle} onlyChanges compact />
            )}
          </Box>
        </Box>
      )}
      <TextInput source="resolution_notes" multiline minRows={2} fullWidth validate={required()} helperText="ls.resolve.notes_help" />
    </Stack>
  );
};
