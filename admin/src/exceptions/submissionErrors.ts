// A problem's `errors` ([{path, message}]) onto the form's fields: paths that name a field land on
// it; paths inside the replayed payload (LSR01: occurred_at, event_type…) land on the patch that
// produced them; anything else, and a problem without errors (409 already resolved, 5xx), on the
// form, said as `general` (the failure in words, status included).
import type { HttpError } from 'react-admin';
import type { Problem } from '../http';

export function submissionErrors(error: unknown, general: string, fields: string[], payloadField?: string): Record<string, unknown> {
  const problem = ((error as HttpError)?.body ?? {}) as Problem;
  const out: Record<string, string> = {};
  const unplaced: string[] = [];
  for (const { path, message } of problem.errors ?? []) {
    const head = path.split('.')[0];
    const field = fields.includes(head) ? head : path && payloadField ? payloadField : null;
    if (!field) {
      unplaced.push(message);
      continue;
    }
    const text = field === head ? message : `${path}: ${message}`;
    out[field] = out[field] ? `${out[field]}; ${text}` : text;
  }
  if (unplaced.length || Object.keys(out).length === 0) {
    return { ...out, root: { serverError: [general, ...unplaced].join(' — ') } };
  }
  return out;
}
