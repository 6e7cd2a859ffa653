// The operator's decisions (resolve, assign) claim success only on a 2xx answer. They call the data
// provider itself, not useDataProvider's proxy: once a refused key (401) has logged out, the proxy
// answers the call with an empty success ({data: {}}), and the console said "Assigned to …" for an
// assignment the server had refused.
import { useMutation } from '@tanstack/react-query';
import { useContext } from 'react';
import { DataProviderContext, HttpError, useLogoutIfAccessDenied, useTranslate } from 'react-admin';
import type { LedgerDataProvider } from '../dataProvider';
import type { Problem } from '../http';

/** A message of i18n.ts and its arguments: what notify takes. */
export interface Notice { key: string; args: Record<string, unknown> }

export type Outcome<T> =
  | { ok: true; data: T }
  /**
   * `loggedOut`: the key was refused and the console is on its way to the login page, which says
   * so. `notice` and `message` say the failure (the latter translated, for a form).
   */
  | { ok: false; loggedOut: boolean; error: unknown; notice: Notice; message: string };

/** A failed call in words: its status as it came, and what is known of the change. */
export function describeFailure(error: unknown): Notice {
  if (!(error instanceof HttpError)) return { key: 'ls.failure.unreachable', args: { detail: (error as Error)?.message ?? String(error) } };
  const problem = (error.body ?? {}) as Problem;
  const args = { status: error.status, title: problem.title ?? '', detail: problem.detail ?? error.message };
  if (error.status === 401) return { key: 'ls.login.refused', args: {} };
  if (error.status === 403) return { key: 'ls.failure.forbidden', args };
  if (error.status === 409) return { key: 'ls.failure.conflict', args };
  if (error.status >= 500) return { key: 'ls.failure.server', args };
  return { key: 'ls.failure.invalid', args };
}

export function useDecision<A, T>(call: (dataProvider: LedgerDataProvider, args: A) => Promise<T>) {
  const dataProvider = useContext(DataProviderContext) as LedgerDataProvider;
  const logoutIfAccessDenied = useLogoutIfAccessDenied();
  const translate = useTranslate();
  const mutation = useMutation({ mutationFn: (args: A) => call(dataProvider, args) });
  const decide = async (args: A): Promise<Outcome<T>> => {
    try {
      return { ok: true, data: await mutation.mutateAsync(args) };
    } catch (error) {
      const loggedOut = await logoutIfAccessDenied(error);
      const notice = describeFailure(error);
      return { ok: false, loggedOut, error, notice, message: translate(notice.key, notice.args) };
    }
  };
  return { decide, pending: mutation.isPending };
}
