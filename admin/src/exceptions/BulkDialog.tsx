// Act on many exceptions at once (POST /v1/exceptions/bulk): the selected ones, or all that match
// the list's filter. First a dry run says how many match, how many would succeed and why the
// others would fail (the server judges each as a single resolve would); only that checked request
// can be confirmed. Then the job's progress until it ends, with a link to its failures. The filter
// is fixed when the dialog opens ("open longer than" becomes one opened_before), so the dry run
// and the job cover the same exceptions; the job request carries an Idempotency-Key made then too,
// so a retry after a lost answer gives the same job, never a second.
import {
  Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, FormControl, FormControlLabel, FormLabel, LinearProgress,
  MenuItem, Radio, RadioGroup, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography,
} from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { useContext, useMemo, useState } from 'react';
import { DataProviderContext, Link, useCreatePath, useTranslate } from 'react-admin';
import { ActionButton } from '../common/ActionButton';
import { useOperators, useReasonCodes } from '../common/catalogue';
import { useDecision } from '../common/useDecision';
import { useIsSmall } from '../common/useIsSmall';
import type { BulkAction, BulkBody, DryRun, Job, LedgerDataProvider } from '../dataProvider';
import type { Problem } from '../http';
import { parsePatch } from '../lib/json';
import { serverFilter } from './filters';

export type BulkTarget = { kind: 'selected'; ids: string[] } | { kind: 'matching'; filter: Record<string, unknown>; total: number };

/** A random UUID: crypto.randomUUID exists only on https and localhost, getRandomValues everywhere. */
function randomKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const ACTIONS: BulkAction[] = ['mark_resolved_no_replay', 'override_and_replay', 'assign'];
const mono = { '& textarea': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 13 } };

interface Values { action: BulkAction; patch: string; notes: string; assignee: string }

function requestOf(filter: Record<string, unknown>, v: Values, dryRun: boolean): BulkBody {
  if (v.action === 'assign') return { filter, action: v.action, assigned_to: v.assignee, dry_run: dryRun, ...(v.notes.trim() ? { resolution_notes: v.notes } : {}) };
  return { filter, action: v.action, resolution_notes: v.notes, dry_run: dryRun, ...(v.action === 'override_and_replay' ? { override_patch: v.patch } : {}) };
}

export const BulkDialog = ({ target, action, onClose }: { target: BulkTarget; action: BulkAction; onClose: (changed: boolean) => void }) => {
  const translate = useTranslate();
  const isSmall = useIsSmall();
  const [filter] = useState(() => (target.kind === 'selected' ? { exception_ids: target.ids } : serverFilter(target.filter)));
  const [requestKey] = useState(randomKey);
  const [values, setValues] = useState<Values>({ action, patch: '{}', notes: '', assignee: '' });
  const [checked, setChecked] = useState<{ signature: string; dryRun: DryRun } | null>(null);
  const [problem, setProblem] = useState<{ message: string; errors: Problem['errors'] } | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  // The form's own complaints wait for a first check: an empty form is not yet a mistake.
  const [tried, setTried] = useState(false);
  const signature = JSON.stringify(values);
  const dryRun = checked?.signature === signature ? checked.dryRun : null;

  const bulk = useDecision((dataProvider, args: { body: BulkBody; key?: string }) => dataProvider.bulkResolve(args.body, args.key));
  const set = (name: keyof Values) => (event: { target: { value: string } }) => setValues({ ...values, [name]: event.target.value });

  const patch = parsePatch(values.patch);
  const clientErrors: Partial<Record<keyof Values, string>> = {};
  if (values.action === 'override_and_replay' && 'error' in patch) clientErrors.patch = translate(`ls.resolve.patch_${patch.error}`);
  if (values.action !== 'assign' && !values.notes.trim()) clientErrors.notes = translate('ls.bulk.notes_required');
  if (values.action === 'assign' && !values.assignee) clientErrors.assignee = translate('ls.bulk.assignee_required');
  const serverErrors = Object.fromEntries((problem?.errors ?? []).map((e) => [e.path, e.message]));
  const fieldError = (name: keyof Values, path: string) => (tried ? clientErrors[name] : undefined) ?? serverErrors[path];

  const send = async (dry: boolean) => {
    setTried(true);
    if (Object.keys(clientErrors).length > 0) return;
    setProblem(null);
    const outcome = await bulk.decide({ body: requestOf(filter, values, dry), key: dry ? undefined : requestKey });
    if (!outcome.ok) {
      if (!outcome.loggedOut) setProblem({ message: outcome.message, errors: ((outcome.error as { body?: Problem })?.body ?? {}).errors });
      return;
    }
    if (dry) setChecked({ signature, dryRun: outcome.data as DryRun });
    else setJobId((outcome.data as { job_id: string }).job_id);
  };

  const count = target.kind === 'selected' ? target.ids.length : target.total;
  const title = translate(`ls.bulk.title_${values.action}`, { smart_count: count });

  return (
    <Dialog open onClose={bulk.pending ? undefined : () => onClose(jobId !== null)} fullScreen={isSmall} fullWidth maxWidth="md" aria-labelledby="bulk-title">
      <DialogTitle id="bulk-title">{title}</DialogTitle>
      <DialogContent dividers>
        {jobId ? <JobProgress jobId={jobId} /> : (
          <Stack spacing={2}>
            <Typography variant="body2">
              {target.kind === 'selected'
                ? translate('ls.bulk.target_selected', { smart_count: target.ids.length })
                : translate('ls.bulk.target_matching', { smart_count: target.total })}
            </Typography>
            {problem && (
              <Alert severity="error" role="alert">
                {problem.message}
                {(problem.errors ?? []).filter((e) => e.path).map((e) => <Box key={e.path} component="div"><code>{e.path}</code>: {e.message}</Box>)}
              </Alert>
            )}
            <FormControl>
              <FormLabel id="bulk-action">{translate('ls.bulk.action')}</FormLabel>
              <RadioGroup row={!isSmall} aria-labelledby="bulk-action" value={values.action} onChange={set('action')}>
                {ACTIONS.map((a) => <FormControlLabel key={a} value={a} control={<Radio />} label={translate(`ls.bulk.action_${a}`)} />)}
              </RadioGroup>
            </FormControl>
            {values.action === 'override_and_replay' && (
              <TextField label={translate('resources.exceptions.fields.override_patch')} value={values.patch} onChange={set('patch')}
                multiline minRows={3} maxRows={12} fullWidth sx={mono}
                error={Boolean(fieldError('patch', 'override_patch'))} helperText={fieldError('patch', 'override_patch') ?? translate('ls.bulk.patch_help')} />
            )}
            {values.action === 'assign' && <AssigneeSelect value={values.assignee} onChange={set('assignee')} error={fieldError('assignee', 'assigned_to')} />}
            <TextField label={translate('resources.exceptions.fields.resolution_notes')} value={values.notes} onChange={set('notes')}
              multiline minRows={2} fullWidth required={values.action !== 'assign'}
              error={Boolean(fieldError('notes', 'resolution_notes'))}
              helperText={fieldError('notes', 'resolution_notes') ?? translate(values.action === 'assign' ? 'ls.bulk.notes_help_assign' : 'ls.resolve.notes_help')} />
            {dryRun ? <DryRunReport dryRun={dryRun} /> : checked && <Alert severity="info">{translate('ls.bulk.changed')}</Alert>}
          </Stack>
        )}
      </DialogContent>
      <DialogActions>
        {jobId ? <ActionButton label="ra.action.close" onClick={() => onClose(true)} /> : (
          <>
            <ActionButton label="ra.action.cancel" onClick={() => onClose(false)} disabled={bulk.pending} />
            <ActionButton label="ls.bulk.check" variant={dryRun ? 'outlined' : 'contained'} onClick={() => send(true)}
              disabled={bulk.pending} />
            {dryRun && dryRun.would_succeed > 0 && (
              <Button size="small" variant="contained" onClick={() => send(false)} disabled={bulk.pending}>
                {translate(`ls.bulk.confirm_${values.action}`, { smart_count: dryRun.would_succeed })}
              </Button>
            )}
          </>
        )}
      </DialogActions>
    </Dialog>
  );
};

const AssigneeSelect = ({ value, onChange, error }: { value: string; onChange: (e: { target: { value: string } }) => void; error?: string }) => {
  const translate = useTranslate();
  const operators = useOperators();
  return (
    <TextField select label={translate('resources.exceptions.fields.assigned_to')} value={value} onChange={onChange} fullWidth
      error={Boolean(error)} helperText={error ?? translate('ls.assign.pick_help')}>
      {operators.map((o) => <MenuItem key={o.actor} value={o.actor}>{o.actor}</MenuItem>)}
    </TextField>
  );
};

const DryRunReport = ({ dryRun }: { dryRun: DryRun }) => {
  const translate = useTranslate();
  const reasons = useReasonCodes(['resolution']);
  const failing = dryRun.sample.filter((s) => s.outcome === 'would_fail');
  const failed = Object.values(dryRun.would_fail).reduce((n, c) => n + c, 0);
  return (
    <Box component="section" aria-labelledby="dry-run-title" sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 1.5 }}>
      <Typography id="dry-run-title" component="h3" variant="subtitle1">{translate('ls.bulk.dry_run_title')}</Typography>
      <Typography role="status" variant="body2" sx={{ mb: 1 }}>
        {translate('ls.bulk.dry_run_counts', { matched: dryRun.matched, succeed: dryRun.would_succeed, fail: failed })}
      </Typography>
      {failed > 0 && (
        <Table size="small" aria-label={translate('ls.bulk.reasons')}>
          <TableHead><TableRow><TableCell>{translate('ls.bulk.reason')}</TableCell><TableCell align="right">{translate('ls.bulk.count')}</TableCell></TableRow></TableHead>
          <TableBody>
            {Object.entries(dryRun.would_fail).map(([code, n]) => (
              <TableRow key={code}>
                <TableCell><code>{code}</code> — {reasons.describe(code)}</TableCell>
                <TableCell align="right">{n}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {failing.length > 0 && (
        <Table size="small" aria-label={translate('ls.bulk.failing_sample')} sx={{ mt: 1 }}>
          <TableHead><TableRow>
            <TableCell>{translate('resources.exceptions.fields.idempotency_key')}</TableCell>
            <TableCell>{translate('ls.bulk.why')}</TableCell>
          </TableRow></TableHead>
          <TableBody>
            {failing.map((s) => (
              <TableRow key={s.exception_id}>
                <TableCell sx={{ overflowWrap: 'anywhere' }}>{s.tenant_id} / {s.idempotency_key}</TableCell>
                <TableCell>{s.reason}: {(s.errors ?? []).map((e) => e.message).join('; ') || s.message}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {dryRun.would_succeed === 0 && <Alert severity="warning" sx={{ mt: 1 }}>{translate('ls.bulk.nothing_to_do')}</Alert>}
    </Box>
  );
};

/** A job until it ends: a progress bar, its counts, and links to it and to its failures. */
export const JobProgress = ({ jobId, linkToJob = true }: { jobId: string; linkToJob?: boolean }) => {
  const translate = useTranslate();
  const createPath = useCreatePath();
  const dataProvider = useContext(DataProviderContext) as LedgerDataProvider;
  const { data: job, error } = useQuery<Job>({
    queryKey: ['job', jobId], queryFn: () => dataProvider.getJob(jobId),
    refetchInterval: (query) => (query.state.data && query.state.data.status !== 'running' ? false : 500),
  });
  const cancel = useDecision((provider, id: string) => provider.cancelJob(id));
  const [cancelProblem, setCancelProblem] = useState<string | null>(null);
  const percent = useMemo(() => (job && job.matched > 0 ? Math.round((100 * job.done) / job.matched) : job ? 100 : 0), [job]);
  if (error) return <Alert severity="error">{(error as Error).message}</Alert>;
  if (!job) return <LinearProgress aria-label={translate('ls.bulk.starting')} />;
  const running = job.status === 'running';
  const failuresLink = `${createPath({ resource: 'job-items', type: 'list' })}?filter=${encodeURIComponent(JSON.stringify({ job_id: job.job_id, status: 'failed' }))}`;
  return (
    <Stack spacing={1.5} component="section" aria-labelledby="job-progress-title">
      <Typography id="job-progress-title" component="h3" variant="subtitle1">
        {translate(`ls.job.status_line.${job.status}`)}
      </Typography>
      <LinearProgress variant="determinate" value={percent} aria-label={translate('ls.job.progress')} aria-valuetext={`${percent}%`} />
      <Typography variant="body2" role="status" data-testid="job-counts">
        {translate('ls.job.counts', { done: job.done, matched: job.matched, succeeded: job.succeeded, failed: job.failed, skipped: job.skipped })}
      </Typography>
      {cancelProblem && <Alert severity="error">{cancelProblem}</Alert>}
      <Stack direction="row" spacing={2} useFlexGap sx={{ flexWrap: 'wrap', alignItems: 'center' }}>
        {linkToJob && <Link to={createPath({ resource: 'jobs', type: 'show', id: job.job_id })}>{translate('ls.job.open')}</Link>}
        {job.failed > 0 && <Link to={failuresLink}>{translate('ls.job.failures_link', { smart_count: job.failed })}</Link>}
        {running && (
          <ActionButton label="ls.job.cancel" color="warning" variant="outlined" disabled={cancel.pending} onClick={async () => {
            const outcome = await cancel.decide(job.job_id);
            if (!outcome.ok && !outcome.loggedOut) setCancelProblem(outcome.message);
          }} />
        )}
      </Stack>
    </Stack>
  );
};
