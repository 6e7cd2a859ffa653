// Every request of the console: the operator key as a Bearer token, and problem+json errors
// (RFC 9457) turned into react-admin's HttpError with the problem's detail as the message.
import { fetchUtils, HttpError } from 'react-admin';
import { session } from './session';

export const API_URL = `${import.meta.env.BASE_URL}api`;

export interface Problem { title?: string; detail?: string; status?: number; errors?: { path: string; message: string }[] }

export async function httpClient(url: string, options: fetchUtils.Options = {}) {
  const headers = new Headers(options.headers ?? { Accept: 'application/json' });
  const key = session.key();
  if (key) headers.set('Authorization', `Bearer ${key}`);
  try {
    return await fetchUtils.fetchJson(url, { ...options, headers });
  } catch (error) {
    if (error instanceof HttpError) {
      const problem = (error.body ?? {}) as Problem;
      throw new HttpError(problem.detail ?? problem.title ?? error.message, error.status, problem);
    }
    throw error;
  }
}
