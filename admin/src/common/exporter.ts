// Lists export as CSV with every number as the server wrote it: react-admin's default exporter
// writes what JSON.parse made of them and spreads a payload over columns. Here a JSON value (a
// patch, a before/after state) is one cell holding its exact JSON text.
import { downloadCSV, type Exporter } from 'react-admin';
import { toJsonText, type Json } from '../lib/json';

const cell = (value: unknown): string =>
  value === null || value === undefined ? '' : typeof value === 'object' ? toJsonText(value as Json) : String(value);

const quoted = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

export function toCsv(records: Record<string, unknown>[]): string {
  const columns = [...new Set(records.flatMap((record) => Object.keys(record)))];
  return [columns, ...records.map((record) => columns.map((column) => cell(record[column])))]
    .map((row) => row.map(quoted).join(','))
    .join('\r\n');
}

export const exactExporter: Exporter = (records, _fetchRelated, _dataProvider, resource) => {
  downloadCSV(toCsv(records), resource ?? 'export');
};
