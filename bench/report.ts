/**
 * The benchmark's one table: every row with its figures, its ratio to the ceiling where that applies, and
 * each target with PASS or MISS. Rendered as aligned text for the terminal and as Markdown for
 * docs/performance.md (the same cells).
 */
import type { Check } from './targets.js';

export interface TableRow {
  /** Row number of the issue (1..6), or "2o" for row 2's open-loop lines. */
  row: string;
  what: string;
  /** Connections for HTTP rows. */
  conns?: number;
  /** The main figure, formatted ("2,345 req/s", "812 ms"). */
  result: string;
  /** Ratio to the ceiling's requests per second, formatted. */
  ratio?: string;
  p50?: string;
  p99?: string;
  errors?: number;
  non2xx?: number;
  checks: Check[];
  /** Extra remark (ratios, counts). */
  note?: string;
}

const HEADER = ['#', 'Measurement', 'Conns', 'Result', 'x ceiling', 'p50 ms', 'p99 ms', 'Errors', 'Non-2xx', 'Targets', 'Notes'];

function checksText(checks: Check[]): string {
  return checks.map((c) => `${c.target}: ${c.pass ? 'PASS' : 'MISS'}`).join('; ');
}

function cells(row: TableRow): string[] {
  return [
    row.row,
    row.what,
    row.conns === undefined ? '' : String(row.conns),
    row.result,
    row.ratio ?? '',
    row.p50 ?? '',
    row.p99 ?? '',
    row.errors === undefined ? '' : String(row.errors),
    row.non2xx === undefined ? '' : String(row.non2xx),
    checksText(row.checks),
    row.note ?? '',
  ];
}

/** Right-aligned numeric columns. */
const NUMERIC = new Set([2, 3, 4, 5, 6, 7, 8]);

export function renderText(title: string[], rows: TableRow[]): string {
  const all = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r.map((cell, i) => (NUMERIC.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join(' | ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  return [...title, '', line(HEADER), rule, ...all.slice(1).map(line)].join('\n');
}

function escapeMd(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function renderMarkdown(title: string[], rows: TableRow[]): string {
  const head = `| ${HEADER.join(' | ')} |`;
  const sep = `|${HEADER.map((_, i) => (NUMERIC.has(i) ? '---:' : '---')).join('|')}|`;
  const body = rows.map((r) => `| ${cells(r).map(escapeMd).join(' | ')} |`);
  return [...title.map((t) => `${t}  `), '', head, sep, ...body].join('\n');
}

export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';
}

export function fmtMs(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (n < 10) return n.toFixed(2);
  if (n < 100) return n.toFixed(1);
  return n.toFixed(0);
}

export function fmtPct(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(0)}%` : 'n/a';
}
