// Sign in, sign out, and "who am I" (the console's first call: the user and, per tenant,
// their role and capabilities).
import { z } from 'zod';
import { ROLE_CAPABILITIES } from '../../access/capabilities.ts';
import { auditSignIn } from '../../audit/sign-in.ts';
import type { Db } from '../../db/connect.ts';
import { auditSignOutEverywhere } from '../../audit/sign-in.ts';
import { checkPassword, endAllSessions, endSession, SESSION_COOKIE, type SessionUser } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { reserveSignIn } from '../sign-in-limit.ts';
import { setSessionCookie } from '../session-cookie.ts';
import { SSO_START_PATH } from '../../sso/paths.ts';
import { publicRoute, userRoute, type Route } from '../route.ts';
import { emptyBody, tenantSummarySchema } from '../schemas.ts';
import { workspaceSummarySchema, workspacesOf } from '../workspaces.ts';

const loginBody = z.strictObject({
  email: z.string().min(1, { error: 'is required' }).max(320, { error: 'is too long' }),
  password: z.string().min(1, { error: 'is required' }).max(1024, { error: 'is too long' }),
});

export const sessionSchema = z.strictObject({
  user: z.strictObject({ id: z.string(), email: z.string(), displayName: z.string() }),
  tenants: z.array(tenantSummarySchema),
  /** The workspaces the user belongs to, with the workspace role (members, onboarding, ...). */
  workspaces: z.array(workspaceSummarySchema),
});

export async function sessionView(db: Db, user: SessionUser): Promise<z.output<typeof sessionSchema>> {
  const rows = await db
    .selectFrom('tenant_memberships as m')
    .innerJoin('tenants as t', 't.id', 'm.tenant_id')
    .select(['t.id', 't.slug', 't.name', 't.status', 'm.role'])
    .where('m.user_id', '=', user.id)
    .orderBy('t.name')
    .execute();
  return {
    user,
    tenants: rows.map((r) => ({ ...r, capabilities: [...ROLE_CAPABILITIES[r.role]] })),
    workspaces: await workspacesOf(db, user.id),
  };
}

const login = publicRoute({
  method: 'POST',
  url: '/api/session',
  summary:
    'Sign in with email and password; sets the HttpOnly session cookie. Attempts are limited per account and per client address ' +
    '(counted before the password is checked, across every process; 429 with Retry-After).',
  tag: 'session',
  body: loginBody,
  responses: {
    200: { description: 'Signed in', schema: sessionSchema },
    401: { description: 'Wrong email or password' },
    429: { description: 'Too many failed attempts; see Retry-After' },
  },
  async handler({ deps, req, reply, body }) {
    const email = body.email.trim().toLowerCase();
    const release = await reserveSignIn(deps.loginLimiter, { account: email, address: req.ip });
    const user = await checkPassword(deps.db, email, body.password);
    if (!user) {
      await auditSignIn(deps.db, { outcome: 'failed', email, address: req.ip, reason: 'bad_credentials' });
      throw new HttpError(401, 'unauthenticated', 'Email or password is wrong.');
    }
    await release();
    // A new session; the one this browser held before (anyone's) ends.
    await setSessionCookie(deps, req, reply, user.id);
    await auditSignIn(deps.db, { outcome: 'succeeded', userId: user.id, address: req.ip });
    return { status: 200, body: await sessionView(deps.db, user) };
  },
});

const whoAmI = userRoute({
  method: 'GET',
  url: '/api/session',
  summary: 'The signed-in user and their tenants with role and capabilities.',
  tag: 'session',
  responses: { 200: { description: 'The session', schema: sessionSchema } },
  async handler({ deps, user }) {
    return { status: 200, body: await sessionView(deps.db, user) };
  },
});

const logout = publicRoute({
  method: 'DELETE',
  url: '/api/session',
  summary: 'Sign out (idempotent: also 204 without a session).',
  tag: 'session',
  body: emptyBody,
  responses: { 204: { description: 'Signed out' } },
  async handler({ deps, req, reply }) {
    await endSession(deps.db, req.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: deps.cookieSecure });
    return { status: 204 };
  },
});

const logoutEverywhere = userRoute({
  method: 'POST',
  url: '/api/session/sign-out-everywhere',
  summary: 'Sign out everywhere: ends every session of the signed-in user, in every browser, this one included.',
  tag: 'session',
  body: emptyBody,
  responses: { 204: { description: 'Every session of the user ended' } },
  async handler({ deps, req, reply, user }) {
    const ended = await endAllSessions(deps.db, user.id);
    await auditSignOutEverywhere(deps.db, { userId: user.id, sessions: ended, address: req.ip });
    reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: deps.cookieSecure });
    return { status: 204 };
  },
});

export const authProvidersSchema = z.strictObject({ items: z.array(z.strictObject({ id: z.literal('microsoft'), label: z.string(), url: z.string() })) });

const providers = publicRoute({
  method: 'GET',
  url: '/api/auth/providers',
  summary: 'Sign-in methods besides email and password: "Sign in with Microsoft" (a link to start it) where it is configured; empty otherwise.',
  tag: 'session',
  responses: {
    200: {
      description: 'Sign-in providers',
      schema: authProvidersSchema,
    },
  },
  async handler({ deps }) {
    return { status: 200, body: { items: deps.sso ? [{ id: 'microsoft' as const, label: 'Sign in with Microsoft', url: SSO_START_PATH }] : [] } };
  },
});

export const sessionRoutes: Route[] = [login, whoAmI, logout, logoutEverywhere, providers];
