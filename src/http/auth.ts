// Who is calling: password sign-in and server-side sessions (the sign-in limit is sign-in-limit.ts).
// The cookie holds a random token; the database holds only its SHA-256, so a leaked
// http_sessions table cannot be replayed as cookies. A session ends at its absolute end
// (expires_at) or after SESSION_IDLE_SECONDS without use, whichever comes first.
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { unmatchableHash, upgradeStoredHash, verifyPassword } from '../security/passwords.ts';

export const SESSION_COOKIE = 'opsgate_session';
/** Absolute lifetime: a session ends 12 hours after sign-in, however busy. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;
/** Idle lifetime: a session nobody used for 2 hours ends (background refreshes do not count). */
export const SESSION_IDLE_SECONDS = 2 * 60 * 60;
/** last_seen_at is written at most this often per session. */
export const LAST_SEEN_GRANULARITY_SECONDS = 60;

export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
}

const digest = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** The user for these credentials, or null; timing does not tell unknown emails from wrong passwords. */
export async function checkPassword(db: Db, email: string, password: string): Promise<SessionUser | null> {
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'display_name', 'password_hash'])
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst();
  // An account without a password (created by a Microsoft sign-in) costs the same time too.
  // Unknown emails cost the same time as known ones: a random hash at today's cost.
  const stored = user?.password_hash.startsWith('scrypt$') ? user.password_hash : unmatchableHash();
  const ok = await verifyPassword(password, stored);
  if (!user || !ok) return null;
  // A hash made at an older, lower cost is replaced now that the password is at hand.
  await upgradeStoredHash(db, user.id, user.password_hash, password);
  return { id: user.id, email: user.email, displayName: user.display_name };
}

/**
 * Starts a session; returns the token for the cookie (never stored). `replacing`: the token of
 * the browser's previous session, which ends now (a sign-in never keeps the old session).
 */
export async function createSession(db: Db, userId: string, ttlSeconds = SESSION_TTL_SECONDS, replacing?: string): Promise<string> {
  await endSession(db, replacing);
  const token = crypto.randomBytes(32).toString('base64url');
  await db
    .insertInto('http_sessions')
    .values({ id: digest(token), user_id: userId, expires_at: new Date(Date.now() + ttlSeconds * 1000) })
    .execute();
  // Housekeeping on sign-in keeps the table small without a sweeper process (an idle session
  // is refused by sessionUser and goes at its absolute end).
  await db
    .deleteFrom('http_sessions')
    .where('expires_at', '<', sql<Date>`now()`)
    .execute();
  return token;
}

// Tokens we mint are 43 base64url characters; anything else cannot be a session.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The console marks its automatic refreshes (polling) with this header: they do not count as
 * use, so a console left open still ends after the idle time. Sending it can only shorten a
 * session, never lengthen one.
 */
export const BACKGROUND_HEADER = 'x-opsgate-background';
export const isBackgroundRequest = (req: { headers: Record<string, string | string[] | undefined> }): boolean => req.headers[BACKGROUND_HEADER] === '1';

export interface SessionLookup {
  /** A session unused for this long is no session (default SESSION_IDLE_SECONDS). */
  idleSeconds?: number;
  /** Whether this request is use by the person (false: a background refresh, which does not keep the session alive). */
  activity?: boolean;
}

export async function sessionUser(db: Db, token: string | undefined, opts: SessionLookup = {}): Promise<SessionUser | null> {
  if (!token || !TOKEN_SHAPE.test(token)) return null;
  const idle = opts.idleSeconds ?? SESSION_IDLE_SECONDS;
  const id = digest(token);
  const row = await db
    .selectFrom('http_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['u.id', 'u.email', 'u.display_name'])
    .select(sql<boolean>`s.last_seen_at < now() - make_interval(secs => ${LAST_SEEN_GRANULARITY_SECONDS})`.as('stale'))
    .where('s.id', '=', id)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .where('s.last_seen_at', '>', sql<Date>`now() - make_interval(secs => ${idle})`)
    .executeTakeFirst();
  if (!row) return null;
  if (row.stale && opts.activity !== false) {
    await db
      .updateTable('http_sessions')
      .set({ last_seen_at: sql<Date>`now()` })
      .where('id', '=', id)
      .where('last_seen_at', '<', sql<Date>`now() - make_interval(secs => ${LAST_SEEN_GRANULARITY_SECONDS})`)
      .execute();
  }
  return { id: row.id, email: row.email, displayName: row.display_name };
}

/** Every session of the user except the one with this token (a password change keeps the caller signed in). */
export async function endOtherSessions(db: Db, userId: string, keepToken: string | undefined): Promise<number> {
  let q = db.deleteFrom('http_sessions').where('user_id', '=', userId);
  if (keepToken) q = q.where('id', '<>', digest(keepToken));
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Every session of the user, this browser's included ("sign out everywhere"). */
export async function endAllSessions(db: Db, userId: string): Promise<number> {
  const r = await db.deleteFrom('http_sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function endSession(db: Db, token: string | undefined): Promise<void> {
  if (!token || !TOKEN_SHAPE.test(token)) return;
  await db.deleteFrom('http_sessions').where('id', '=', digest(token)).execute();
}

export { createLoginLimiter, DEFAULT_LOGIN_LIMIT, type LoginLimit, type LoginLimiter } from './sign-in-limit.ts';

/** The password_hash of an account that signs in with Microsoft only: no password matches it. */
export const NO_PASSWORD = 'none:microsoft-sign-in';
