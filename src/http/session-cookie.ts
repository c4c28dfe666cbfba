// Signing someone in from a route other than POST /api/session (first-run setup, accepting
// an invitation): the same server-side session and the same cookie attributes.
import type { FastifyReply } from 'fastify';
import { createSession, SESSION_COOKIE } from './auth.ts';
import type { Deps } from './route.ts';

export async function setSessionCookie(deps: Deps, reply: FastifyReply, userId: string): Promise<void> {
  const token = await createSession(deps.db, userId, deps.sessionTtlSeconds);
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: deps.cookieSecure,
    maxAge: deps.sessionTtlSeconds,
  });
}
