// A route is data: method, path, zod schemas, who may call it, and a handler. The server
// registers the table, /openapi.json is generated from it, and the 404/403 matrix test
// reads it, so a new route is documented and authorization-tested by being added.
//
// Order of checks, the same on every route (so a caller learns nothing it may not know):
//   401 not signed in -> 400 bad path/query -> 404 not there or not entitled
//   -> 400 bad body -> 403 role lacks the capability -> handler
import type { FastifyReply, FastifyRequest } from 'fastify';
// The decorations handlers use (req.cookies, reply.setCookie, req.userId), declared where they are
// registered: imported here for their types too, so any program that reaches the routes sees them.
import type {} from '@fastify/cookie';
import type {} from './request-log.ts';
import type { z } from 'zod';
import { roleHas, type Capability } from '../access/capabilities.ts';
import type { Db } from '../db/connect.ts';
import type { DemoPresetSource } from '../onboarding/demo-presets.ts';
import type { OperationType } from '../operations/definition.ts';
import { REGISTRY } from '../operations/registry.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { OidcClient } from '../sso/oidc.ts';
import { isBackgroundRequest, SESSION_COOKIE, sessionUser, type LoginLimiter, type SessionUser } from './auth.ts';
import { requireCapability, requireTenantAccess, type TenantAccess } from './authorize.ts';
import { forbidden, invalid, notFound, unauthenticated } from './errors.ts';
import { parsePart } from './validate.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What every handler may use; passed explicitly, never module state. */
export interface Deps {
  db: Db;
  box: SecretBox;
  loginLimiter: LoginLimiter;
  cookieSecure: boolean;
  /** OPSGATE_PUBLIC_URL: the origin of links and redirect URIs (public-origin.ts); null: the request's. */
  publicUrl: string | null;
  /** "Sign in with Microsoft" (src/http/sso.ts); null when not configured. */
  sso: OidcClient | null;
  sessionTtlSeconds: number;
  /** A session unused this long ends (src/http/auth.ts). */
  sessionIdleSeconds: number;
  /** The identity-platform host of a connection's cloud, for admin-consent links; null when none is configured. */
  authorityFor(cloud: 'global' | 'sandbox'): string | null;
  /** The onboarding presets of the sandbox this process talks to; none without a sandbox. */
  demoPresets: DemoPresetSource;
  /** Needs attention warns this many days before a credential expires. */
  expiryWarningDays: number;
}

/** What a handler answers; the server turns it into the HTTP reply. */
export interface Answer {
  status: number;
  /** Omitted for 204. */
  body?: unknown;
}

/** Who may call a route; the matrix test derives the expected status from this. */
export type AccessSpec =
  | { kind: 'public' }
  /** Any signed-in user; the answer is scoped to them (their notifications, their tenants). */
  | { kind: 'user' }
  /** A member of the tenant the route resolves to, with this capability. */
  | { kind: 'tenant'; capability: Capability | 'operation-type' }
  /**
   * Workspace-level actions that have no tenant yet (onboarding a new one, members): a
   * workspace member whose role on the workspace (workspace_members.role) grants the capability.
   */
  | { kind: 'workspace'; capability: Capability };

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
}

export interface Route {
  method: Method;
  /** Fastify syntax: /api/tenants/:tenant */
  url: string;
  summary: string;
  tag: string;
  access: AccessSpec;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Every status the route answers on success (the start route has several). */
  responses: Record<number, ResponseDoc>;
  run(deps: Deps, req: FastifyRequest, reply: FastifyReply): Promise<Answer>;
}

type In<S> = S extends z.ZodType ? z.output<S> : undefined;

interface Base<P, Q, B> {
  method: Method;
  url: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, ResponseDoc>;
}

interface Ctx<P, Q, B> {
  deps: Deps;
  req: FastifyRequest;
  reply: FastifyReply;
  params: In<P>;
  query: In<Q>;
  body: In<B>;
}

const part = <S extends z.ZodType | undefined>(schema: S | undefined, name: 'params' | 'query' | 'body', value: unknown): In<S> =>
  (schema ? parsePart(schema, name, value) : undefined) as In<S>;

export async function currentUser(deps: Deps, req: FastifyRequest): Promise<SessionUser | null> {
  const user = await sessionUser(deps.db, req.cookies[SESSION_COOKIE], { idleSeconds: deps.sessionIdleSeconds, activity: !isBackgroundRequest(req) });
  req.userId = user?.id ?? null; // for the request's log line (request-log.ts)
  return user;
}

async function requireUser(deps: Deps, req: FastifyRequest): Promise<SessionUser> {
  const user = await currentUser(deps, req);
  if (!user) throw unauthenticated();
  return user;
}

const doc = <P, Q, B>(d: Base<P, Q, B>, access: AccessSpec) => ({
  method: d.method,
  url: d.url,
  summary: d.summary,
  tag: d.tag,
  access,
  params: d.params as z.ZodType | undefined,
  query: d.query as z.ZodType | undefined,
  body: d.body as z.ZodType | undefined,
  responses: d.responses,
});

export function publicRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(d: Base<P, Q, B> & { handler(ctx: Ctx<P, Q, B>): Promise<Answer> }): Route {
  return {
    ...doc(d, { kind: 'public' }),
    async run(deps, req, reply) {
      const params = part(d.params, 'params', req.params);
      const query = part(d.query, 'query', req.query);
      const body = part(d.body, 'body', req.body);
      return d.handler({ deps, req, reply, params, query, body });
    },
  };
}

export function userRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(d: Base<P, Q, B> & { handler(ctx: Ctx<P, Q, B> & { user: SessionUser }): Promise<Answer> }): Route {
  return {
    ...doc(d, { kind: 'user' }),
    async run(deps, req, reply) {
      const user = await requireUser(deps, req);
      const params = part(d.params, 'params', req.params);
      const query = part(d.query, 'query', req.query);
      const body = part(d.body, 'body', req.body);
      return d.handler({ deps, req, reply, params, query, body, user });
    },
  };
}

/** Where a tenant route's tenant comes from, with whatever was loaded on the way. */
export interface Located<F> {
  tenantId: string;
  found: F;
}

export function tenantRoute<
  F,
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(
  d: Base<P, Q, B> & {
    /** The tenant this request is about; null when the resource does not exist. */
    locate(deps: Deps, input: { params: In<P>; query: In<Q>; user: SessionUser }): Promise<Located<F> | null>;
    /** A fixed capability, or the start's: the capability of the operation type asked for. */
    capability: Capability | { operationType(input: { params: In<P>; body: In<B> }): OperationType };
    handler(ctx: Ctx<P, Q, B> & { user: SessionUser; access: TenantAccess; found: F }): Promise<Answer>;
  },
): Route {
  const cap = d.capability;
  return {
    ...doc(d, { kind: 'tenant', capability: typeof cap === 'string' ? cap : 'operation-type' }),
    async run(deps, req, reply) {
      const user = await requireUser(deps, req);
      const params = part(d.params, 'params', req.params);
      const query = part(d.query, 'query', req.query);
      const located = await d.locate(deps, { params, query, user });
      if (!located) throw notFound();
      const access = await requireTenantAccess(deps.db, user.id, located.tenantId);
      const body = part(d.body, 'body', req.body);
      requireCapability(access, typeof cap === 'string' ? cap : REGISTRY[cap.operationType({ params, body })].capability);
      return d.handler({ deps, req, reply, params, query, body, user, access, found: located.found });
    },
  };
}

export interface WorkspaceAccess {
  workspaceId: string;
}

/**
 * The workspace a request acts in: the one named in the body, else the user's only one.
 * A workspace the user is not a member of reads as not there.
 */
export function workspaceRoute<Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  d: Base<undefined, Q, B> & {
    capability: Capability;
    workspaceOf(body: In<B>): string | undefined;
    handler(ctx: Ctx<undefined, Q, B> & { user: SessionUser; workspace: WorkspaceAccess }): Promise<Answer>;
  },
): Route {
  return {
    ...doc(d, { kind: 'workspace', capability: d.capability }),
    async run(deps, req, reply) {
      const user = await requireUser(deps, req);
      const query = part(d.query, 'query', req.query);
      const body = part(d.body, 'body', req.body);
      const named = d.workspaceOf(body);
      const memberships = await deps.db.selectFrom('workspace_members').select(['workspace_id', 'role']).where('user_id', '=', user.id).execute();
      const ids = memberships.map((m) => m.workspace_id);
      let workspaceId: string;
      if (named) {
        if (!ids.includes(named)) throw notFound();
        workspaceId = named;
      } else if (ids.length === 1) {
        workspaceId = ids[0]!;
      } else {
        throw invalid('workspaceId', ids.length ? 'is required: you belong to several workspaces' : 'you belong to no workspace');
      }
      // The workspace role decides, not a tenant role: owning the one tenant you onboarded
      // does not make you an owner of the workspace, and a new owner has no tenant yet.
      const role = memberships.find((m) => m.workspace_id === workspaceId)!.role;
      if (!roleHas(role, d.capability)) throw forbidden(d.capability, 'workspace');
      return d.handler({ deps, req, reply, params: undefined, query, body, user, workspace: { workspaceId } });
    },
  };
}
