// Fleet operations as the console reads them: bulk starts (one operation on many tenants) and
// schedules (bulk starts at the times a cron expression names). The shapes are the server's
// own response schemas, so the console cannot drift from what the API answers. No React here:
// the tests read BULK_TYPES and cronInWords directly.
import type { z } from 'zod';
import type { bulkSchema, bulkSummarySchema } from '../../src/http/routes/bulk.ts';
import type { firingSchema, scheduleSchema } from '../../src/http/routes/schedules.ts';
import { OPERATION_TYPES } from './operations.ts';
import type { OperationType } from './types.ts';

export type Bulk = z.output<typeof bulkSchema>;
export type BulkItem = Bulk['items'][number];
export type ItemOutcome = BulkItem['outcome'];
export type BulkSummary = z.output<typeof bulkSummarySchema>;
export type Schedule = z.output<typeof scheduleSchema>;
export type Firing = z.output<typeof firingSchema>;

/**
 * Types that can run on many tenants: every covered type except those that start from their
 * own target (a restore run, an onboarding session) — the registry's restore_run and
 * onboarding_session dedupe, which the schedules API refuses too.
 */
const OWN_TARGET: readonly OperationType[] = ['restore.execute', 'onboarding.verification'];
export const BULK_TYPES: OperationType[] = OPERATION_TYPES.filter((t) => !OWN_TARGET.includes(t));

/** The public wording of each answer, in the order the page shows them. */
export const ITEM_WORDING: Record<ItemOutcome, string> = {
  accepted: 'queued',
  deduped: 'already running',
  scope_busy: 'scope busy',
  blocked: 'blocked',
  forbidden: 'forbidden',
};
export const ITEM_OUTCOMES = Object.keys(ITEM_WORDING) as ItemOutcome[];

/** "3 queued · 3 blocked" from stored counts (zeros left out). */
export function countsText(counts: Record<string, number> | null | undefined): string {
  if (!counts) return '—';
  const parts = ITEM_OUTCOMES.filter((o) => (counts[o] ?? 0) > 0).map((o) => `${counts[o]} ${ITEM_WORDING[o]}`);
  return parts.length ? parts.join(' · ') : 'no tenants';
}

export const tenantCount = (n: number) => `${n} ${n === 1 ? 'tenant' : 'tenants'}`;

/**
 * A 400's message ("cron: must have five fields…; tenants.2: no such tenant") split by the
 * field it names (the first path segment), so a form can show each next to its field.
 */
export function fieldErrors(message: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of message.split('; ')) {
    const m = /^([A-Za-z]+)(?:\.[\w.]+)?: (.+)$/.exec(part);
    if (m) out[m[1]!] = out[m[1]!] ? `${out[m[1]!]}; ${m[2]}` : m[2]!;
    else out._ = out._ ? `${out._}; ${part}` : part;
  }
  return out;
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const num = (s: string, max: number) => (/^\d{1,2}$/.test(s) && Number(s) <= max ? Number(s) : null);
const pad = (n: number) => String(n).padStart(2, '0');

/** The common cron shapes in words ("Every day at 02:00"); null for anything else (shown as is). */
export function cronInWords(cron: string): string | null {
  const f = cron.trim().split(/\s+/);
  if (f.length !== 5) return null;
  const [mi, h, dom, mon, dow] = f as [string, string, string, string, string];
  const minute = num(mi, 59);
  const hour = num(h, 23);
  if (dom !== '*' || mon !== '*') {
    const day = num(dom, 31);
    return minute !== null && hour !== null && day !== null && mon === '*' && dow === '*'
      ? `On day ${day} of every month at ${pad(hour)}:${pad(minute)}`
      : null;
  }
  if (minute !== null && hour !== null) {
    const at = `at ${pad(hour)}:${pad(minute)}`;
    if (dow === '*') return `Every day ${at}`;
    if (dow === '1-5') return `Every weekday ${at}`;
    const d = num(dow, 7);
    return d !== null ? `Every ${DAYS[d]} ${at}` : null;
  }
  if (dow !== '*') return null;
  if (mi === '*' && h === '*') return 'Every minute';
  const everyMin = /^\*\/(\d{1,2})$/.exec(mi);
  if (everyMin && h === '*') return `Every ${everyMin[1]} minutes`;
  if (minute !== null && h === '*') return `Every hour at minute ${minute}`;
  const everyHour = /^\*\/(\d{1,2})$/.exec(h);
  if (minute !== null && everyHour) return `Every ${everyHour[1]} hours at minute ${minute}`;
  return null;
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** IANA zones the browser knows, for the time zone field's suggestions. */
export function timeZones(): string[] {
  try {
    return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  } catch {
    return ['UTC'];
  }
}
