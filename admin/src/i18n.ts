// Every string the console shows, in one place (react-admin's own come from ra-language-english).
import polyglotI18nProvider from 'ra-i18n-polyglot';
import englishMessages from 'ra-language-english';

const ls = {
  app: { title: 'Ledger-Safe console' },
  login: {
    intro: 'Log in with an operator key. `npm start` prints the demo one on its first start; `npx ledger-safe keys create --role operator` makes more.',
    key: 'Operator key',
    key_help: 'Kept in this tab only (sessionStorage) and sent to this server alone.',
    submit: 'Log in',
    key_required: 'Paste an operator key.',
    unknown_key: 'This key is unknown or revoked.',
    not_operator: 'This is not an operator key: producer keys cannot use the console.',
    unavailable: 'The server could not be reached. Is it running?',
    required: 'Please log in.',
    refused: 'The server refused your key (401): it is unknown or has been revoked. Log in with a valid operator key.',
  },
  // What the console says when the server did not do what was asked: the status as it came, and
  // never a claim about the change it cannot know.
  failure: {
    forbidden: 'Refused (%{status} %{title}): %{detail}. Nothing was changed.',
    conflict: 'Conflict (%{status} %{title}): %{detail}. Nothing was changed.',
    invalid: 'Refused (%{status} %{title}): %{detail}. Nothing was changed.',
    server: 'The server failed (%{status} %{title}): %{detail}. Whether the change was made is not known: check the current state before trying again.',
    unreachable: 'The server could not be reached (%{detail}). Whether the change was made is not known: reload the page before trying again.',
  },
  filters: { key_search: 'Search keys' },
  dashboard: {
    title: 'Health',
    updated: 'Updated %{time}; refreshes every 10 s',
    loading: 'Loading…',
    error: 'Could not load the figures: %{message}',
    counts: {
      events_raw: 'Bronze events',
      exceptions_open: 'Open exceptions',
      rejections: 'Rejections',
      processed: 'Keys processed',
      quarantined: 'Keys quarantined',
      ignored: 'Keys ignored',
    },
    arrivals: {
      title: 'Arrivals per minute, last hour',
      summary: '%{total} arrivals in the last hour: %{processed} processed, %{duplicate} duplicate, %{quarantined} quarantined, %{ignored} ignored.',
    },
    open_by_reason: { title: 'Open exceptions by reason', none: 'No open exception.', count: 'Open exceptions' },
    oldest: { title: 'Oldest open exception', none: 'No open exception: the queue is empty.', open_it: 'Open it' },
    json: 'The counts as JSON (what GET /v1/health answers an operator)',
  },
  age: { seconds: '%{s} s', minutes: '%{m} min', hours: '%{h} h %{m} min', days: '%{d} d %{h} h' },
  status: { open: 'Open', resolved: 'Resolved', processed: 'Processed', quarantined: 'Quarantined', ignored: 'Ignored' },
  result: { processed: 'Processed', duplicate: 'Duplicate', quarantined: 'Quarantined', ignored: 'Ignored' },
  reason: {
    IDEMPOTENCY_CONFLICT: 'Idempotency conflict',
    UNKNOWN_EVENT_TYPE: 'Unknown event type',
    PROCESSING_ERROR: 'Processing error',
    ALREADY_QUARANTINED: 'Already quarantined',
    IGNORED_BY_OPERATOR: 'Ignored by an operator',
  },
  resolution: { override_and_replay: 'Replay (with an optional patch)', mark_resolved_no_replay: 'Ignore the key (no replay)' },
  resolved_as: { override_and_replay: 'Replayed', mark_resolved_no_replay: 'Ignored, no replay' },
  audit_action: { exception_opened: 'Opened', exception_assigned: 'Assigned', exception_resolved: 'Resolved' },
  rejection: {
    title: 'Rejection #%{id}',
    whole_body: 'the whole body',
    INVALID_JSON: 'Not JSON',
    INVALID_ENVELOPE: 'Invalid envelope',
    PAYLOAD_TOO_LARGE: 'Too large',
    UNSUPPORTED_MEDIA_TYPE: 'Not application/json',
    IDEMPOTENCY_KEY_MISMATCH: 'Idempotency-Key ≠ event_id',
    TENANT_MISMATCH: 'Another tenant',
  },
  diff: {
    field: 'Field',
    change: 'Change',
    changed: 'changed',
    added: 'added',
    removed: 'removed',
    absent: '(absent)',
    whole: '(whole value)',
    identical: 'Identical',
    no_changes: 'No difference.',
    count_changed: '%{smart_count} changed |||| %{smart_count} changed',
    count_added: '%{smart_count} added |||| %{smart_count} added',
    count_removed: '%{smart_count} removed |||| %{smart_count} removed',
  },
  exception: {
    title: 'Exception: %{key}',
    actions: 'Actions on this exception',
    loading: 'Loading the arrivals…',
    sections: { exception: 'Exception', key: 'State of the key', payloads: 'Held arrivals against the canonical payload', audit: 'Audit trail' },
    open_key: 'Open the key',
    canonical: 'Canonical (#%{raw_id})',
    first_arrival: 'First arrival (#%{raw_id})',
    compare_canonical: 'Each arrival this exception holds, compared field by field with the key’s canonical payload.',
    compare_first: 'The key has no canonical payload yet: each held arrival is compared with the key’s first arrival.',
    arrival: 'Arrival #%{raw_id}',
    arrival_meta: 'attempt %{attempt}, received %{at}',
    diff_caption: '%{base} compared with %{arrival}',
    both_json: 'Both payloads as JSON',
    more_arrivals: '%{smart_count} more held arrival is listed under Bronze events. |||| %{smart_count} more held arrivals are listed under Bronze events.',
  },
  resolve: {
    open: 'Resolve…',
    title: 'Resolve the exception on %{key}',
    replay_help: 'The chosen arrival, with the merge patch applied, is validated like a new arrival and becomes the key’s canonical payload; the key becomes processed.',
    ignore_help: 'The exception closes without replay; the key becomes ignored, and its later arrivals are answered “ignored”.',
    choice: '#%{raw_id} · attempt %{attempt} · %{result} · %{at}',
    choice_canonical: '#%{raw_id} · attempt %{attempt} · %{result} · %{at} (current canonical)',
    canonical_help: 'The arrival to replay: one of this key’s.',
    patch_help: 'An RFC 7396 JSON merge patch: members replace, null removes, {} changes nothing.',
    patch_not_json: 'The patch is not valid JSON.',
    patch_not_object: 'A merge patch is a JSON object: {"field": value}.',
    preview: 'Payload that will be replayed',
    preview_waiting: 'The preview appears once the patch is a JSON object.',
    preview_diff: 'What the patch changes in arrival #%{raw_id}',
    after_patch: 'After the patch',
    notes_help: 'Why: kept in the audit trail.',
    submit_replay: 'Replay',
    submit_ignore: 'Ignore the key',
    replayed: 'Replayed: the key is processed.',
    ignored: 'Resolved: the key is ignored.',
  },
  assign: {
    to_me: 'Assign to me',
    to_someone: 'Assign to…',
    title: 'Assign the exception on %{key}',
    help: 'Who owns it, e.g. operator:ann',
    submit: 'Assign',
    done: 'Assigned to %{who}.',
  },
  event: { title: 'Bronze event #%{id}' },
  idempotency_key: { title: 'Key %{key}', arrivals: 'Arrivals of this key (Bronze)' },
  audit: { title: 'Audit row #%{id}', change: 'What changed', diff_caption: 'State before and after audit row %{id}' },
};

const resources = {
  exceptions: {
    name: 'Exception |||| Exceptions',
    fields: {
      id: 'Id', exception_id: 'Exception id', tenant_id: 'Tenant', idempotency_key: 'Key', reason_code: 'Reason', status: 'Status',
      raw_id: 'Opened by arrival', details: 'Details', arrivals: 'Arrivals', opened_at: 'Opened', last_arrival_at: 'Last arrival',
      assigned_to: 'Assigned to', assigned_at: 'Assigned', resolution_action: 'Resolution', resolution_notes: 'Notes',
      resolved_by: 'Resolved by', resolved_by_claimed: 'Actor named in the request', resolved_at: 'Resolved',
      canonical_raw_id: 'Replayed arrival', override_patch: 'Merge patch', replay_count: 'Replays', replayed_at: 'Replayed',
      action: 'Action', q: 'Search keys',
    },
  },
  events: {
    name: 'Bronze event |||| Bronze events',
    fields: {
      id: 'Arrival', raw_id: 'Arrival', tenant_id: 'Tenant', idempotency_key: 'Key', event_type: 'Event type', payload: 'Payload',
      fingerprint: 'Fingerprint (SHA-256)', attempt: 'Attempt', source: 'Source', result: 'Result', reason_code: 'Reason',
      exception_id: 'Exception', received_at: 'Received',
    },
  },
  'idempotency-keys': {
    name: 'Idempotency key |||| Idempotency keys',
    fields: {
      id: 'Id', tenant_id: 'Tenant', idempotency_key: 'Key', status: 'Status', event_type: 'Event type',
      canonical_raw_id: 'Canonical arrival', canonical_fingerprint: 'Canonical fingerprint', canonical_payload: 'Canonical payload',
      open_exception_id: 'Open exception', arrivals: 'Arrivals', first_seen_at: 'First seen', last_seen_at: 'Last seen',
      updated_at: 'Updated', q: 'Search keys',
    },
  },
  'audit-log': {
    name: 'Audit row |||| Audit log',
    fields: {
      id: 'Row', at: 'At', actor: 'Actor', claimed_actor: 'Actor named in the request', action: 'Action', object_type: 'Object type',
      object_id: 'Object', tenant_id: 'Tenant', exception_id: 'Exception', notes: 'Notes', before: 'Before', after: 'After',
    },
  },
  rejections: {
    name: 'Rejection |||| Rejections',
    fields: {
      id: 'Rejection', tenant_id: 'Tenant', received_at: 'Received', source: 'Source', http_status: 'HTTP status',
      reason_code: 'Reason', idempotency_key: 'Key', errors: 'Errors', body_excerpt: 'Body (first 4 KiB)', api_key_id: 'API key',
    },
  },
};

export const messages = { ...englishMessages, ls, resources };

export const i18nProvider = polyglotI18nProvider(() => messages, 'en', [{ locale: 'en', name: 'English' }], { allowMissing: false });
