import { stringify } from 'yaml';
import { UsageError } from './osa-errors';

export const FORMATS = ['table', 'json', 'yaml', 'value'] as const;
export type OutputFormat = (typeof FORMATS)[number];

export type Cell = string | number | boolean | null | undefined;

/** A list (one row per item) or a single item (field/value pairs), as the openstack CLI prints them. */
export interface ListOutput {
  readonly kind: 'list';
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<Record<string, Cell>>;
}

export interface ShowOutput {
  readonly kind: 'show';
  readonly fields: Record<string, Cell>;
}

/**
 * `-f table|json|yaml|value` and `-c COLUMN` (repeatable) as in `openstack server list -f value -c Name`.
 * Column names match case-insensitively; an unknown one is a usage error listing the known ones.
 */
export function render(
  output: ListOutput | ShowOutput,
  format: OutputFormat,
  wanted: readonly string[],
): string {
  if (output.kind === 'list') {
    const columns = selectColumns(output.columns, wanted);
    const rows = output.rows.map((row) =>
      Object.fromEntries(columns.map((column) => [column, row[column] ?? null])),
    );
    if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
    if (format === 'yaml') return stringify(rows);
    if (format === 'value')
      return (
        rows.map((row) => columns.map((column) => text(row[column])).join(' ')).join('\n') +
        (rows.length ? '\n' : '')
      );
    return table(
      columns,
      rows.map((row) => columns.map((column) => text(row[column]))),
    );
  }
  const names = selectColumns(Object.keys(output.fields), wanted);
  const fields = Object.fromEntries(names.map((name) => [name, output.fields[name] ?? null]));
  if (format === 'json') return `${JSON.stringify(fields, null, 2)}\n`;
  if (format === 'yaml') return stringify(fields);
  if (format === 'value')
    return names.map((name) => text(fields[name])).join('\n') + (names.length ? '\n' : '');
  return table(
    ['Field', 'Value'],
    names.map((name) => [name, text(fields[name])]),
  );
}

function selectColumns(available: readonly string[], wanted: readonly string[]): string[] {
  if (wanted.length === 0) return [...available];
  return wanted.map((name) => {
    const found = available.find((column) => column.toLowerCase() === name.toLowerCase());
    if (!found)
      throw new UsageError(`-c ${name}: no such column; choose from: ${available.join(', ')}`);
    return found;
  });
}

function text(value: Cell): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

/** An ASCII table like the openstack CLI's (cliff/prettytable). */
function table(headers: readonly string[], rows: readonly string[][]): string {
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...rows.map((row) => row[index].length)),
  );
  const rule = `+${widths.map((width) => '-'.repeat(width + 2)).join('+')}+`;
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, index) => cell.padEnd(widths[index])).join(' | ')} |`;
  return [rule, line(headers), rule, ...rows.map(line), rule].join('\n') + '\n';
}
