// Signing someone in, from every route that does (password, first-run setup, accepting an
// invitation, Microsoft): the same server-side session and the same cookie attributes. A
// sign-in always starts a new session: the one this browser's cookie held before ends.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createSession, SESSION_COOKIE } from './auth.ts';
import type { Deps } from './route.ts';

export async function setSessionCookie(deps: Deps, req: FastifyRequest, reply: FastifyReply, userId: string): Promise<void> {
  const token = await createSession(deps.db, userId, deps.sessionTtlSeconds, req.cookies[SESSION_COOKIE]);
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: deps.cookieSecure,
    maxAge: deps.sessionTtlSeconds,
  });
}
