// The audit log as CSV (RFC 4180), streamed page by page so an export of the whole history
// never sits in memory and never holds one long query open.
import { Readable } from 'node:stream';
import type { Db } from '../db/connect.ts';
import { auditPage, decodeCursor, type AuditFilter, type AuditItem } from './query.ts';

export const CSV_COLUMNS = [
  'id',
  'at',
  'actor',
  'action',
  'tenant',
  'outcome',
  'operation_type',
  'run_id',
  'run_url',
  'reason_code',
  'reason_message',
  'details',
] as const;
const PAGE = 1000;

/**
 * One field: quoted when it holds a comma, quote or line break (quotes doubled). A field that a
 * spreadsheet would run as a formula (= + - @, tab, CR first) is prefixed with `'`, since audit
 * values come from users (emails, names in details).
 */
export function csvField(value: string | null | undefined): string {
  let v = value ?? '';
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export function csvRow(item: AuditItem): string {
  const cells = [
    item.id,
    item.at,
    item.actor?.email,
    item.action,
    item.tenant?.slug,
    item.outcome,
    item.operationType,
    item.run?.id,
    item.run?.url,
    item.reason?.code,
    item.reason?.message,
    JSON.stringify(item.details),
  ];
  return `${cells.map(csvField).join(',')}\r\n`;
}

/**
 * Every matching row, newest first; `max` caps the count (the `limit` query parameter). The
 * first page is read before answering, so a query the database refuses is still an error
 * answer, not a 200 cut short.
 */
export async function auditCsv(db: Db, userId: string, filter: AuditFilter, max: number | undefined): Promise<Readable> {
  let left = max ?? Number.POSITIVE_INFINITY;
  const first = await auditPage(db, userId, filter, Math.min(PAGE, left));
  async function* lines(): AsyncGenerator<string> {
    yield `${CSV_COLUMNS.join(',')}\r\n`;
    let page = first;
    for (;;) {
      if (page.items.length) yield page.items.map(csvRow).join('');
      left -= page.items.length;
      if (!page.next || left <= 0) return;
      page = await auditPage(db, userId, { ...filter, before: decodeCursor(page.next) }, Math.min(PAGE, left));
    }
  }
  return Readable.from(lines(), { objectMode: false });
}
