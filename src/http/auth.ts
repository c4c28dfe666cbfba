// Who is calling: password sign-in, server-side sessions and the login rate limit.
// The cookie holds a random token; the database holds only its SHA-256, so a leaked
// http_sessions table cannot be replayed as cookies.
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { verifyPassword } from '../security/passwords.ts';

export const SESSION_COOKIE = 'opsgate_session';
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
}

const digest = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

// A real scrypt hash of a random password: unknown emails cost the same time as known ones.
const DUMMY_HASH = 'scrypt$16384$8$1$6hvs1S2kbg-Lw8bfe2tVZw$7mXbRMRbY2iAcvDqlU_0ekIHsmqxj_cFwVv4PyuAl5o';

/** The user for these credentials, or null; timing does not tell unknown emails from wrong passwords. */
export async function checkPassword(db: Db, email: string, password: string): Promise<SessionUser | null> {
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'display_name', 'password_hash'])
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst();
  const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
  return user && ok ? { id: user.id, email: user.email, displayName: user.display_name } : null;
}

/** Starts a session; returns the token for the cookie (never stored). */
export async function createSession(db: Db, userId: string, ttlSeconds = SESSION_TTL_SECONDS): Promise<string> {
  const token = crypto.randomBytes(32).toString('base64url');
  await db
    .insertInto('http_sessions')
    .values({ id: digest(token), user_id: userId, expires_at: new Date(Date.now() + ttlSeconds * 1000) })
    .execute();
  // Housekeeping on sign-in keeps the table small without a sweeper process.
  await db.deleteFrom('http_sessions').where('expires_at', '<', sql<Date>`now()`).execute();
  return token;
}

// Tokens we mint are 43 base64url characters; anything else cannot be a session.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export async function sessionUser(db: Db, token: string | undefined): Promise<SessionUser | null> {
  if (!token || !TOKEN_SHAPE.test(token)) return null;
  const row = await db
    .selectFrom('http_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['u.id', 'u.email', 'u.display_name'])
    .where('s.id', '=', digest(token))
    .where('s.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row ? { id: row.id, email: row.email, displayName: row.display_name } : null;
}

/** Every session of the user except the one with this token (a password change keeps the caller signed in). */
export async function endOtherSessions(db: Db, userId: string, keepToken: string | undefined): Promise<number> {
  let q = db.deleteFrom('http_sessions').where('user_id', '=', userId);
  if (keepToken) q = q.where('id', '<>', digest(keepToken));
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function endSession(db: Db, token: string | undefined): Promise<void> {
  if (!token || !TOKEN_SHAPE.test(token)) return;
  await db.deleteFrom('http_sessions').where('id', '=', digest(token)).execute();
}

export interface LoginLimit {
  /** Failed sign-ins allowed per window for one client address + email. */
  max: number;
  windowMs: number;
}
export const DEFAULT_LOGIN_LIMIT: LoginLimit = { max: 10, windowMs: 60_000 };

export interface LoginLimiter {
  /** Seconds until another attempt is allowed; 0 when allowed now. */
  retryAfter(key: string, now?: number): number;
  recordFailure(key: string, now?: number): void;
}

/**
 * Failed sign-ins per key in fixed windows, in this process's memory. Counting failures
 * only means people who type their password right are never slowed down; once the limit
 * is hit, even a right password waits for the window, so guessing cannot continue.
 */
export function createLoginLimiter(limit: LoginLimit = DEFAULT_LOGIN_LIMIT): LoginLimiter {
  const windows = new Map<string, { failures: number; resetAt: number }>();
  const prune = (now: number) => {
    if (windows.size < 10_000) return;
    for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
  };
  return {
    retryAfter(key, now = Date.now()) {
      const w = windows.get(key);
      if (!w || w.resetAt <= now || w.failures < limit.max) return 0;
      return Math.max(1, Math.ceil((w.resetAt - now) / 1000));
    },
    recordFailure(key, now = Date.now()) {
      prune(now);
      const w = windows.get(key);
      if (!w || w.resetAt <= now) windows.set(key, { failures: 1, resetAt: now + limit.windowMs });
      else w.failures += 1;
    },
  };
}
