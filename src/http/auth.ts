// Who is calling: password sign-in and server-side sessions (the sign-in limit is sign-in-limit.ts).
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
  // An account without a password (created by a Microsoft sign-in) costs the same time too.
  const stored = user?.password_hash.startsWith('scrypt$') ? user.password_hash : DUMMY_HASH;
  const ok = await verifyPassword(password, stored);
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

export { createLoginLimiter, DEFAULT_LOGIN_LIMIT, type LoginLimit, type LoginLimiter } from './sign-in-limit.ts';

/** The password_hash of an account that signs in with Microsoft only: no password matches it. */
export const NO_PASSWORD = 'none:microsoft-sign-in';
