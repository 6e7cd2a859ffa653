// The Prometheus alert rules in ops/prometheus: valid for promtool, firing as their unit tests say
// (`promtool test rules`), and naming only metrics the edge exports.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../src/paths.js';
// @ts-expect-error: a plain ESM script shared with the test runner
import { findPromtool } from '../../scripts/lib/promtool.mjs';
import { startHarness, type Harness } from './harness.js';

const DIR = path.join(projectRoot, 'ops/prometheus');
const RULES = path.join(DIR, 'ledger-safe.rules.yml');

interface Rule { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords or labels. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...bare.matchAll(/(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => !m[2] && !KEYWORDS.has(m[1].toLowerCase()))
    .map((m) => m[1]);
  return [...new Set(names)];
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness('alerts', {}, undefined, { jobWorker: false });
});
afterAll(() => h?.close());

test('every alert has an expression, a severity and words for whoever is paged', () => {
  const rules: Rule[] = parse(readFileSync(RULES, 'utf8')).groups.flatMap((g: { rules: Rule[] }) => g.rules);
  expect(rules.map((r) => r.alert).sort()).toEqual(['LedgerSafeExceptionOpenTooLong', 'LedgerSafeProcessingError', 'LedgerSafeRejectionRateHigh']);
  for (const rule of rules) {
    expect(rule.expr.trim(), rule.alert).not.toBe('');
    expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.severity);
    expect(rule.annotations?.summary, rule.alert).toBeTruthy();
    expect(rule.annotations?.description, rule.alert).toBeTruthy();
  }
});

test('every metric the rules name is exported at /metrics', async () => {
  const rules: Rule[] = parse(readFileSync(RULES, 'utf8')).groups.flatMap((g: { rules: Rule[] }) => g.rules);
  const named = [...new Set(rules.flatMap((r) => metricNames(r.expr)))].sort();
  expect(named).toEqual(['ledger_exception_oldest_open_seconds', 'ledger_safe_ingest_outcomes_total', 'ledger_safe_rejections_total']);
  const text = (await h.http('GET', '/metrics', { key: h.operatorKey })).text;
  const exported = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
    type === 'histogram' || type === 'summary' ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name]));
  for (const name of named) expect(exported.has(name), name).toBe(true);
  // The labels the rules select on are the ones exported.
  expect(text).toMatch(/^ledger_exception_oldest_open_seconds\{reason_code="PROCESSING_ERROR"\} \S+$/m);
});

test('the metric-name reader: functions, keywords, labels and ranges are not metrics', () => {
  expect(metricNames('sum by (job) (rate(a_total{x="b_c", y=~"d"}[5m])) / on(job) group_left(z) b:rule > 0.5 and bool c offset 5m'))
    .toEqual(['a_total', 'b:rule', 'c']);
});

test('promtool: the rules are valid and their unit tests pass', () => {
  const promtool = findPromtool(projectRoot);
  expect(execFileSync(promtool, ['check', 'rules', RULES], { encoding: 'utf8' })).toMatch(/SUCCESS: 3 rules found/);
  expect(execFileSync(promtool, ['test', 'rules', path.join(DIR, 'ledger-safe.rules.test.yml')], { cwd: DIR, encoding: 'utf8' })).toMatch(/SUCCESS/);
}, 120_000);
