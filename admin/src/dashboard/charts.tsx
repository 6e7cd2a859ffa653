// The dashboard's charts (recharts, SVG). Each is a figure named by its heading, with a sentence
// that says in words what the bars show.
import { Card, CardContent, Typography, useTheme } from '@mui/material';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useTranslate } from 'react-admin';
import { useFormatTime } from '../common/time';
import type { Stats } from '../dataProvider';

const RESULTS = ['processed', 'duplicate', 'quarantined', 'ignored'] as const;

const ChartCard = ({ id, title, summary, children }: { id: string; title: string; summary: string; children: React.ReactNode }) => (
  <Card component="figure" aria-labelledby={`${id}-title`} aria-describedby={`${id}-summary`} variant="outlined" sx={{ m: 0 }}>
    <CardContent>
      <Typography id={`${id}-title`} component="h2" variant="subtitle1">{title}</Typography>
      <Typography id={`${id}-summary`} component="figcaption" variant="body2" color="text.secondary" sx={{ mb: 1 }}>{summary}</Typography>
      {children}
    </CardContent>
  </Card>
);

export const ArrivalsChart = ({ data }: { data: Stats['arrivals_per_minute'] | undefined }) => {
  const translate = useTranslate();
  const theme = useTheme();
  const formatTime = useFormatTime();
  const colors = { processed: theme.palette.success.main, duplicate: theme.palette.info.main, quarantined: theme.palette.warning.main, ignored: theme.palette.grey[500] };
  const rows = (data ?? []).map((m) => ({ ...m, label: formatTime(m.minute, { date: false, seconds: false }) }));
  const totals = Object.fromEntries(RESULTS.map((r) => [r, rows.reduce((n, m) => n + m[r], 0)]));
  const summary = translate('ls.dashboard.arrivals.summary', {
    total: RESULTS.reduce((n, r) => n + totals[r], 0), ...totals,
  });
  return (
    <ChartCard id="arrivals" title={translate('ls.dashboard.arrivals.title')} summary={summary}>
      <ResponsiveContainer width="100%" height={280}>
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" interval="preserveStartEnd" minTickGap={24} tick={{ fontSize: 12 }} />
          <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
          <Tooltip />
          <Legend formatter={(value) => <span style={{ color: theme.palette.text.primary }}>{value}</span>} />
          {RESULTS.map((r) => (
            <Bar key={r} dataKey={r} stackId="arrivals" name={translate(`ls.result.${r}`)} fill={colors[r]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </ChartCard>
  );
};

export const OpenByReasonChart = ({ data }: { data: Stats['open_by_reason'] | undefined }) => {
  const translate = useTranslate();
  const theme = useTheme();
  const rows = (data ?? []).map((g) => ({ ...g, label: translate(`ls.reason.${g.reason_code}`, { _: g.reason_code }) }));
  const summary = rows.length === 0
    ? translate('ls.dashboard.open_by_reason.none')
    : rows.map((g) => `${g.label}: ${g.count}`).join(', ');
  return (
    <ChartCard id="open-by-reason" title={translate('ls.dashboard.open_by_reason.title')} summary={summary}>
      {rows.length > 0 && (
        <ResponsiveContainer width="100%" height={Math.max(120, rows.length * 44 + 40)}>
          <BarChart data={rows} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" allowDecimals={false} tick={{ fontSize: 12 }} />
            <YAxis type="category" dataKey="label" width={150} tick={{ fontSize: 12 }} />
            <Tooltip />
            <Bar dataKey="count" name={translate('ls.dashboard.open_by_reason.count')} fill={theme.palette.warning.main} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      )}
    </ChartCard>
  );
};
