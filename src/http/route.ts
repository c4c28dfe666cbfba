// A route is data: method, path, zod schemas, who may call it, and a handler. The server
// registers the table, /openapi.json is generated from it, and the 404/403 matrix test
// reads it, so a new route is documented and authorization-tested by being added.
//
// Order of checks, the same on every route (so a caller learns nothing it may not know):
//   401 not signed in -> 400 bad path/query -> 404 not there or not entitled
//   -> 400 bad body -> 403 role lacks the capability -> handler
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Capability } from '../access/capabilities.ts';
import type { Db } from '../db/connect.ts';
import type { OperationType } from '../operations/definition.ts';
import { REGISTRY } from '../operations/registry.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { SESSION_COOKIE, sessionUser, type LoginLimiter, type SessionUser } from './auth.ts';
import { requireCapability, requireTenantAccess, type TenantAccess } from './authorize.ts';
import { notFound, unauthenticated } from './errors.ts';
import { parsePart } from './validate.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What every handler may use; passed explicitly, never module state. */
export interface Deps {
  db: Db;
  box: SecretBox;
  loginLimiter: LoginLimiter;
  cookieSecure: boolean;
  sessionTtlSeconds: number;
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
  | { kind: 'tenant'; capability: Capability | 'operation-type' };

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
  return sessionUser(deps.db, req.cookies[SESSION_COOKIE]);
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

export function publicRoute<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  d: Base<P, Q, B> & { handler(ctx: Ctx<P, Q, B>): Promise<Answer> },
): Route {
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

export function userRoute<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  d: Base<P, Q, B> & { handler(ctx: Ctx<P, Q, B> & { user: SessionUser }): Promise<Answer> },
): Route {
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
