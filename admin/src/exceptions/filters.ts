// The exception list's filter as the console keeps it (in the URL) and as the server takes it. Two
// filters the server does not know: "open longer than", a duration turned into opened_before at the
// moment of asking (so that a list read now and a bulk resolution checked now agree), and
// "unassigned", which is assigned_to null (react-admin drops null filter values).
export const OPEN_LONGER_THAN = 'open_longer_than';

/** Durations offered, in seconds. */
export const AGE_CHOICES = [3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600];

export function serverFilter(filter: Record<string, unknown>, now: Date = new Date()): Record<string, unknown> {
  const { [OPEN_LONGER_THAN]: longerThan, unassigned, ...rest } = filter;
  const server: Record<string, unknown> = unassigned === true ? { ...rest, assigned_to: null } : rest;
  const seconds = Number(longerThan);
  if (longerThan === undefined || longerThan === '' || longerThan === null || !Number.isFinite(seconds)) return server;
  return { ...server, opened_before: new Date(now.getTime() - seconds * 1000).toISOString() };
}
