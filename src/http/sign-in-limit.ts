// The sign-in limit: failed password attempts per account and per client address, counted in
// PostgreSQL so the limit holds however many `serve` processes answer.
//
// Every attempt is counted *before* its password is looked at, by one upsert that increments
// the account's and the address's counters and returns them: the row locks of that statement
// serialise parallel attempts on any number of processes, so each sees a distinct count and
// only the allowed number is ever evaluated (150 parallel guesses: 10 are checked, 140 get
// 429). An attempt that turns out not to be a failure (the right password, a new account
// accepting an invitation) gives its count back, so people who type their password right are
// never slowed down; once a limit is reached, even the right password waits for the window.
import crypto from 'node:crypto';
import net from 'node:net';
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { HttpError } from './errors.ts';

export interface LoginLimit {
  /** Failed attempts allowed per account (email) per window. */
  max: number;
  /** Failed attempts allowed per client address per window; default five times `max`. */
  addressMax?: number;
  windowMs: number;
}
export const DEFAULT_LOGIN_LIMIT: LoginLimit = { max: 10, addressMax: 50, windowMs: 60_000 };

export type Reservation = { allowed: false; retryAfterSeconds: number } | { allowed: true; release(): Promise<void> };

export interface LoginLimiter {
  /**
   * Counts one attempt against the account and the client address. Not allowed: the attempt
   * must not be evaluated. Allowed: call `release` when it turned out not to be a failure.
   */
  reserve(k: { account: string; address: string }): Promise<Reservation>;
}

const hashKey = (kind: 'account' | 'address', value: string) => crypto.createHash('sha256').update(`${kind}:${value}`).digest('hex');

/**
 * The address a limit is kept for: IPv4 as is, IPv6 by its /64 (one customer line or host
 * usually holds a whole /64, so counting single IPv6 addresses would be no limit at all).
 */
export function addressKey(ip: string): string {
  const bare = ip.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1]!;
  if (!net.isIPv6(bare)) return bare;
  const [head = '', tail] = bare.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groupsOf = (gs: string[]) => gs.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const missing = tail === undefined ? 0 : 8 - groupsOf(headGroups) - groupsOf(tailGroups);
  const groups = [...headGroups, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

export function createLoginLimiter(db: Db, limit: LoginLimit = DEFAULT_LOGIN_LIMIT): LoginLimiter {
  const windowSeconds = Math.max(1, limit.windowMs / 1000);
  const addressMax = limit.addressMax ?? limit.max * 5;
  return {
    async reserve({ account, address }) {
      const accountKey = hashKey('account', account.trim().toLowerCase());
      const addrKey = hashKey('address', addressKey(address));
      // Account first, then address, in every statement: two attempts never lock in opposite order.
      const { rows } = await sql<{ key_hash: string; attempts: number; window_started: string; retry_after: number }>`
        insert into sign_in_attempts as a (key_hash, window_started_at, attempts)
        values (${accountKey}, now(), 1), (${addrKey}, now(), 1)
        on conflict (key_hash) do update set
          attempts = case when a.window_started_at <= now() - make_interval(secs => ${windowSeconds}) then 1 else a.attempts + 1 end,
          window_started_at = case when a.window_started_at <= now() - make_interval(secs => ${windowSeconds}) then now() else a.window_started_at end
        returning key_hash, attempts, window_started_at::text as window_started,
          greatest(1, ceil(extract(epoch from (window_started_at + make_interval(secs => ${windowSeconds}) - now()))))::int as retry_after`.execute(db);
      const over = rows.filter((r) => r.attempts > (r.key_hash === accountKey ? limit.max : addressMax));
      if (over.length > 0) return { allowed: false, retryAfterSeconds: Math.max(...over.map((r) => r.retry_after)) };
      return {
        allowed: true,
        async release() {
          for (const r of rows) {
            await sql`update sign_in_attempts set attempts = greatest(attempts - 1, 0)
                      where key_hash = ${r.key_hash} and window_started_at = ${r.window_started}::timestamptz`.execute(db);
          }
          // Housekeeping on the good path keeps the table small without a sweeper.
          await sql`delete from sign_in_attempts where window_started_at < now() - make_interval(secs => ${windowSeconds})`.execute(db);
        },
      };
    },
  };
}

/** Counts the attempt or answers 429 with Retry-After; returns the release of the reservation. */
export async function reserveSignIn(
  limiter: LoginLimiter,
  k: { account: string; address: string },
  message = 'Too many failed sign-in attempts; try again later.',
): Promise<() => Promise<void>> {
  const r = await limiter.reserve(k);
  if (!r.allowed) throw new HttpError(429, 'rate_limited', message, { 'retry-after': String(r.retryAfterSeconds) });
  return r.release;
}
