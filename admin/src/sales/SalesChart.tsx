// Daily net sales by store, drawn as SVG here (grouped bars: a group per day, a bar per store and
// currency). A bar's height is the only thing computed from a number; every figure on it, in its
// tooltip and in its label is the text PostgreSQL wrote.
import { Box, Card, CardContent, Typography, useTheme } from '@mui/material';
import { useListContext, useTranslate } from 'react-admin';
import { exactText } from '../common/Exact';
import type { SalesDay } from './types';

const WIDTH = 860;
const HEIGHT = 280;
const PAD = { top: 24, right: 12, bottom: 40, left: 12 };

export const SalesChart = () => {
  const { data = [] } = useListContext<SalesDay>();
  const translate = useTranslate();
  const theme = useTheme();
  // Colours that differ in both themes; the legend and each bar's label say which store is which.
  const palette = [theme.palette.primary.main, theme.palette.warning.main, theme.palette.success.main, theme.palette.error.main,
    theme.palette.grey[600], theme.palette.info.dark];
  const seriesOf = (d: SalesDay) => `${d.tenant_id} · ${d.store_id} · ${d.currency}`;
  const series = [...new Set(data.map(seriesOf))].sort();
  const dates = [...new Set(data.map((d) => d.business_date))].sort();
  const values = data.map((d) => Number(exactText(d.net_amount)));
  const top = Math.max(0, ...values);
  const bottom = Math.min(0, ...values);
  const span = top - bottom || 1;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + ((top - v) / span) * plotHeight;
  const groupWidth = (WIDTH - PAD.left - PAD.right) / Math.max(dates.length, 1);
  const barWidth = Math.min(48, (groupWidth * 0.8) / Math.max(series.length, 1));
  const labelled = dates.length * series.length <= 24;

  return (
    <Card component="figure" aria-labelledby="sales-chart-title" aria-describedby="sales-chart-summary" variant="outlined" sx={{ m: 0, mb: 2 }}>
      <CardContent>
        <Typography id="sales-chart-title" component="h2" variant="subtitle1">{translate('ls.sales.chart_title')}</Typography>
        <Typography id="sales-chart-summary" component="figcaption" variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          {data.length === 0
            ? translate('ls.sales.chart_empty')
            : translate('ls.sales.chart_summary', { smart_count: data.length, from: dates[0], to: dates[dates.length - 1] })}
        </Typography>
        {data.length > 0 && (
          <>
            <Box component="svg" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={translate('ls.sales.chart_title')} sx={{ width: '100%', height: 300, display: 'block' }}>
              <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} stroke={theme.palette.divider} />
              {dates.map((date, i) => {
                const x0 = PAD.left + i * groupWidth + (groupWidth - barWidth * series.length) / 2;
                return (
                  <g key={date}>
                    {data.filter((d) => d.business_date === date).map((d) => {
                      const s = series.indexOf(seriesOf(d));
                      const v = Number(exactText(d.net_amount));
                      const label = translate('ls.sales.bar', { store: d.store_id, date, net: exactText(d.net_amount), currency: d.currency });
                      return (
                        <g key={d.id}>
                          <rect x={x0 + s * barWidth} width={barWidth - 2} y={Math.min(y(v), y(0))} height={Math.max(1, Math.abs(y(v) - y(0)))}
                            fill={palette[s % palette.length]} aria-label={label}>
                            <title>{label}</title>
                          </rect>
                          {labelled && (
                            <text x={x0 + s * barWidth + (barWidth - 2) / 2} y={Math.min(y(v), y(0)) - 4} textAnchor="middle" fontSize={11}
                              fill={theme.palette.text.primary}>{exactText(d.net_amount)}</text>
                          )}
                        </g>
                      );
                    })}
                    <text x={PAD.left + i * groupWidth + groupWidth / 2} y={HEIGHT - PAD.bottom + 16} textAnchor="middle" fontSize={12}
                      fill={theme.palette.text.secondary}>{date}</text>
                  </g>
                );
              })}
            </Box>
            <Box component="ul" aria-label={translate('resources.sales.fields.store_id')} sx={{ display: 'flex', flexWrap: 'wrap', gap: 2, listStyle: 'none', p: 0, m: 0 }}>
              {series.map((name, s) => (
                <Box component="li" key={name} sx={{ display: 'flex', alignItems: 'center', gap: 0.75, fontSize: 13 }}>
                  <Box component="span" sx={{ width: 12, height: 12, bgcolor: palette[s % palette.length], display: 'inline-block' }} />
                  {name}
                </Box>
              ))}
            </Box>
          </>
        )}
      </CardContent>
    </Card>
  );
};
