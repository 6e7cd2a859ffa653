// Every request of the console: the operator key as a Bearer token, answers parsed without losing a
// digit (ra-data-simple-rest's fetchJson parses with JSON.parse, which rounds
// 12345678901234567890123.45 and writes 40.0 as 40), and problem+json errors (RFC 9457) turned
// into react-admin's HttpError with the problem's detail as the message. A non-2xx answer always
// rejects: nothing that calls this can take a refusal for a success.
import { HttpError } from 'react-admin';
import { parseExact, type Json } from './lib/json';
import { session } from './session';

export const API_URL = `${import.meta.env.BASE_URL}api`;

export interface Problem { title?: string; detail?: string; status?: number; errors?: { path: string; message: string }[] }

export interface Answer { status: number; headers: Headers; body: string; json: any }

export async function httpClient(url: string, options: RequestInit = {}): Promise<Answer> {
  const headers = new Headers(options.headers ?? { Accept: 'application/json' });
  if (options.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  const key = session.key();
  if (key) headers.set('Authorization', `Bearer ${key}`);
  const response = await fetch(url, { ...options, headers });
  const body = await response.text();
  let json: Json | undefined;
  try {
    json = parseExact(body);
  } catch {
    json = undefined;
  }
  if (response.status < 200 || response.status >= 300) {
    const problem = (json ?? {}) as Problem;
    throw new HttpError(problem.detail ?? problem.title ?? response.statusText, response.status, { ...problem, status: response.status });
  }
  return { status: response.status, headers: response.headers, body, json };
}
