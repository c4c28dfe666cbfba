// Cron expressions and time zones, through croner (a maintained parser with IANA time zone
// support). Across DST changes: a local time that does not exist that day (02:30 when clocks
// jump 02:00 -> 03:00) fires once at the first instant after the gap; a local time that occurs
// twice (clocks fall back) fires once, at its first occurrence.
import { Cron } from 'croner';

/** Why a cron expression or time zone is refused, in words for a 400; null when fine. */
export function cronProblem(cron: string): string | null {
  if (cron.trim().split(/\s+/).length !== 5) return 'must have five fields: minute hour day-of-month month day-of-week';
  try {
    new Cron(cron, { paused: true });
    return null;
  } catch (err) {
    return `is not a valid cron expression (${(err as Error).message.replace(/^CronPattern:\s*/, '')})`;
  }
}

export function timezoneProblem(timezone: string): string | null {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return null;
  } catch {
    return 'is not an IANA time zone (e.g. "Europe/Berlin", "UTC")';
  }
}

/** The first instant strictly after `after` at which the schedule fires; null if it never does again. */
export function nextFire(cron: string, timezone: string, after: Date): Date | null {
  return new Cron(cron, { paused: true, timezone }).nextRun(after);
}
