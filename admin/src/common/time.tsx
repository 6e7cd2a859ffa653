// Every time the console shows: 24-hour, with its zone written out, in UTC unless the operator
// chose local time (a setting kept in this browser). Payloads and the server speak UTC; a time
// without its zone beside them is a time misread.
import { ToggleButton, ToggleButtonGroup, Tooltip } from '@mui/material';
import { useRecordContext, useStore, useTranslate } from 'react-admin';

export type Zone = 'utc' | 'local';

export const localZoneName = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The setting: UTC (the default) or the browser's zone. */
export const useZone = () => useStore<Zone>('ls.time_zone', 'utc');

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string, seconds: boolean): Intl.DateTimeFormat {
  const key = `${timeZone}|${seconds}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}), hourCycle: 'h23', timeZoneName: 'shortOffset',
    });
    formatters.set(key, f);
  }
  return f;
}

/** 2026-02-25 14:03:07 UTC, or 2026-02-25 19:33:07 GMT+5:30 in local time. */
export function formatTime(value: string | number | Date | null | undefined, zone: Zone, { seconds = true, date = true } = {}): string | null {
  if (value === null || value === undefined || value === '') return null;
  const at = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(at.getTime())) return String(value);
  const timeZone = zone === 'utc' ? 'UTC' : localZoneName();
  const part = Object.fromEntries(formatter(timeZone, seconds).formatToParts(at).map((p) => [p.type, p.value]));
  const name = zone === 'utc' || part.timeZoneName === 'GMT' ? 'UTC' : part.timeZoneName;
  const clock = `${part.hour}:${part.minute}${seconds ? `:${part.second}` : ''}`;
  return `${date ? `${part.year}-${part.month}-${part.day} ` : ''}${clock} ${name}`;
}

/** formatTime in the zone the operator chose. */
export function useFormatTime() {
  const [zone] = useZone();
  return (value: string | number | Date | null | undefined, options?: { seconds?: boolean; date?: boolean }) => formatTime(value, zone, options);
}

export const Time = ({ value, seconds }: { value: string | number | Date | null | undefined; seconds?: boolean }) => {
  const format = useFormatTime();
  const text = format(value, { seconds });
  if (text === null) return null;
  const iso = value instanceof Date ? value.toISOString() : new Date(value as string).toISOString();
  return <time dateTime={iso} style={{ whiteSpace: 'nowrap' }}>{text}</time>;
};

/** A record's time, for lists. */
export const TimeField = ({ source, seconds }: { source: string; label?: string; seconds?: boolean }) => {
  const record = useRecordContext();
  return <Time value={record?.[source]} seconds={seconds} />;
};

/** UTC | Local: where the console shows its times. */
export const ZoneToggle = () => {
  const [zone, setZone] = useZone();
  const translate = useTranslate();
  return (
    <ToggleButtonGroup size="small" exclusive value={zone} onChange={(_, value: Zone | null) => value && setZone(value)}
      aria-label={translate('ls.time.setting')} sx={{ bgcolor: 'background.paper', mx: 1 }}>
      <ToggleButton value="utc" sx={{ py: 0.25 }}>{translate('ls.time.utc')}</ToggleButton>
      <Tooltip title={localZoneName()} describeChild>
        <ToggleButton value="local" sx={{ py: 0.25 }}>{translate('ls.time.local')}</ToggleButton>
      </Tooltip>
    </ToggleButtonGroup>
  );
};
