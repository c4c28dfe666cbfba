// Dates, durations and run states as people read them.
import type { Run, RunOutcome, RunStatus } from './types.ts';

const DAY = 86_400_000;

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleDateString('en-GB', { year: 'numeric', month: 'short', day: '2-digit' });
}

export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '—';
  const s = Math.round((now - t) / 1000);
  const abs = Math.abs(s);
  const fmt = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  const text =
    abs < 10
      ? 'just now'
      : abs < 60
        ? fmt(abs, 'second')
        : abs < 3600
          ? fmt(Math.round(abs / 60), 'minute')
          : abs < DAY / 1000
            ? fmt(Math.round(abs / 3600), 'hour')
            : fmt(Math.round(abs / 86400), 'day');
  if (text === 'just now') return text;
  return s >= 0 ? `${text} ago` : `in ${text}`;
}

export function daysUntil(iso: string | null | undefined, now = Date.now()): number | null {
  if (!iso) return null;
  const t = new Date(iso).getTime();
  return Number.isNaN(t) ? null : Math.floor((t - now) / DAY);
}

export function duration(run: Pick<Run, 'startedAt' | 'completedAt' | 'status'>, now = Date.now()): string {
  if (!run.startedAt) return '—';
  const end = run.completedAt ? new Date(run.completedAt).getTime() : now;
  const ms = Math.max(0, end - new Date(run.startedAt).getTime());
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** One word for where a run stands: its status while active, its outcome once completed. */
export function runState(run: { status: RunStatus; outcome: RunOutcome }): string {
  if (run.status !== 'completed') return run.status;
  return run.outcome === 'partially_succeeded' ? 'partially succeeded' : run.outcome;
}

export function runTone(run: { status: RunStatus; outcome: RunOutcome }): 'info' | 'active' | 'good' | 'warn' | 'bad' | 'blocked' | 'muted' {
  if (run.status === 'queued') return 'info';
  if (run.status === 'running') return 'active';
  switch (run.outcome) {
    case 'succeeded':
      return 'good';
    case 'partially_succeeded':
      return 'warn';
    case 'failed':
      return 'bad';
    case 'blocked':
      return 'blocked';
    default:
      return 'muted';
  }
}

export const isActive = (run: { status: RunStatus }) => run.status === 'queued' || run.status === 'running';

/** "itemsSynced" -> "Items synced". */
export function humanizeKey(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_.]/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
