import type { TranslateFunction } from 'react-admin';

/** 42 s, 5 min, 3 h 12 min, 2 d 4 h: an age at the precision an operator needs. */
export function formatAge(seconds: number, translate: TranslateFunction): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return translate('ls.age.seconds', { s });
  const m = Math.floor(s / 60);
  if (m < 60) return translate('ls.age.minutes', { m });
  const h = Math.floor(m / 60);
  if (h < 48) return translate('ls.age.hours', { h, m: m % 60 });
  return translate('ls.age.days', { d: Math.floor(h / 24), h: h % 24 });
}
