// A Microsoft sign-in between its start and its callback, kept server-side (sso_requests):
// the state (only its SHA-256 is stored), the nonce, the PKCE verifier (all three made by
// openid-client when the authorize URL is built, oidc.ts) and the redirect URI,
// valid 10 minutes and consumed once. The browser holds only a random binding value in a
// short-lived HttpOnly cookie whose hash is stored with the row, so a callback completes only
// in the browser that started the sign-in (a planted callback URL signs nobody in elsewhere).
//
// Server-side rather than a signed cookie: any `serve` process behind the same database
// completes any sign-in, single use is a conditional update, and no signing key has to be
// shared between processes. The verifier is stored as is: it is worthless without the code,
// which only ever reaches the browser, and the row is gone 10 minutes later.
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';

export const SSO_REQUEST_TTL_SECONDS = 10 * 60;

const random = () => crypto.randomBytes(32).toString('base64url');
const hash = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/**
 * Stores a sign-in's state, nonce and PKCE verifier; answers the value for the browser's
 * binding cookie.
 */
export async function beginSsoRequest(
  db: Db,
  p: { state: string; nonce: string; codeVerifier: string; redirectUri: string; nextPath: string | null },
): Promise<{ binding: string }> {
  const binding = random();
  await db
    .insertInto('sso_requests')
    .values({
      state_hash: hash(p.state),
      binding_hash: hash(binding),
      nonce: p.nonce,
      code_verifier: p.codeVerifier,
      redirect_uri: p.redirectUri,
      next_path: p.nextPath,
      expires_at: sql<Date>`now() + make_interval(secs => ${SSO_REQUEST_TTL_SECONDS})`,
    })
    .execute();
  // Housekeeping on start keeps the table small without a sweeper.
  await db
    .deleteFrom('sso_requests')
    .where('expires_at', '<', sql<Date>`now() - interval '1 hour'`)
    .execute();
  return { binding };
}

export type ConsumedSignIn =
  | { ok: true; nonce: string; codeVerifier: string; redirectUri: string; nextPath: string | null }
  | { ok: false; why: 'missing_state' | 'unknown_state' | 'other_browser' | 'used_state' | 'expired_state' };

/**
 * Judges a callback's state against this browser's binding. A state is consumed by the first
 * callback that presents it with the right binding, whatever happens next, so a replayed
 * callback is refused; another browser's attempt leaves it untouched.
 */
export async function consumeSsoRequest(db: Db, p: { state: string | undefined; binding: string | undefined }): Promise<ConsumedSignIn> {
  if (!p.state || p.state.length > 512) return { ok: false, why: 'missing_state' };
  const state = p.state;
  return db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('sso_requests').selectAll().where('state_hash', '=', hash(state)).forUpdate().executeTakeFirst();
    if (!row) return { ok: false, why: 'unknown_state' } as const;
    if (!p.binding || p.binding.length > 512 || !crypto.timingSafeEqual(Buffer.from(hash(p.binding)), Buffer.from(row.binding_hash))) {
      return { ok: false, why: 'other_browser' } as const;
    }
    if (row.used_at) return { ok: false, why: 'used_state' } as const;
    await tx
      .updateTable('sso_requests')
      .set({ used_at: sql<Date>`now()` })
      .where('state_hash', '=', row.state_hash)
      .execute();
    if (row.expires_at.getTime() <= Date.now()) return { ok: false, why: 'expired_state' } as const;
    return { ok: true, nonce: row.nonce, codeVerifier: row.code_verifier, redirectUri: row.redirect_uri, nextPath: row.next_path } as const;
  });
}
