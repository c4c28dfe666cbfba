// Workspaces as the API names them (`{ws}` = id or slug) and routes under
// /api/workspaces/{ws}/…: a workspace the user is not a member of reads as not there (404),
// the workspace role decides 403. Same order of checks as every other route (route.ts):
//   401 not signed in -> 400 bad path/query -> 404 not a member -> 400 bad body -> 403 -> handler
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CAPABILITIES, ROLE_CAPABILITIES, roleHas, ROLES, type Capability } from '../access/capabilities.ts';
import type { Db } from '../db/connect.ts';
import type { Role } from '../db/schema.ts';
import type { SessionUser } from './auth.ts';
import { SLUG_SHAPE, UUID_SHAPE } from './authorize.ts';
import { forbidden, notFound, unauthenticated } from './errors.ts';
import { currentUser, type Answer, type Deps, type Method, type ResponseDoc, type Route } from './route.ts';
import { parsePart } from './validate.ts';

export const roleSchema = z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` });

export const workspaceSummarySchema = z.strictObject({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  role: z.enum(['owner', 'manager', 'operator', 'readonly']),
  capabilities: z.array(z.enum(CAPABILITIES)),
});
export type WorkspaceSummary = z.output<typeof workspaceSummarySchema>;

export async function workspacesOf(db: Db, userId: string): Promise<WorkspaceSummary[]> {
  const rows = await db
    .selectFrom('workspace_members as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
    .select(['w.id', 'w.slug', 'w.name', 'm.role'])
    .where('m.user_id', '=', userId)
    .orderBy('w.name')
    .execute();
  return rows.map((r) => ({ ...r, capabilities: [...ROLE_CAPABILITIES[r.role]] }));
}

/** `{ws}` in a path: the workspace's id or its slug. */
export const workspaceParams = z.strictObject({
  ws: z.string().refine((v) => UUID_SHAPE.test(v) || SLUG_SHAPE.test(v), { error: 'must be a workspace id or slug' }),
});

export interface WorkspaceMember {
  id: string;
  slug: string;
  name: string;
  role: Role;
}

/** The workspace with the user's role in it; null when it does not exist or the user is not a member. */
export async function workspaceMembership(db: Db, userId: string, ref: string): Promise<WorkspaceMember | null> {
  const q = db
    .selectFrom('workspaces as w')
    .innerJoin('workspace_members as m', (j) => j.onRef('m.workspace_id', '=', 'w.id').on('m.user_id', '=', userId))
    .select(['w.id', 'w.slug', 'w.name', 'm.role']);
  return (await (UUID_SHAPE.test(ref) ? q.where('w.id', '=', ref) : q.where('w.slug', '=', ref)).executeTakeFirst()) ?? null;
}

type In<S> = S extends z.ZodType ? z.output<S> : undefined;

interface WorkspaceRouteDef<P extends z.ZodType, Q extends z.ZodType | undefined, B extends z.ZodType | undefined> {
  method: Method;
  url: string;
  summary: string;
  tag: string;
  /** Must contain `ws`. */
  params: P;
  query?: Q;
  body?: B;
  capability: Capability;
  responses: Record<number, ResponseDoc>;
  handler(ctx: {
    deps: Deps;
    req: FastifyRequest;
    reply: FastifyReply;
    params: z.output<P>;
    query: In<Q>;
    body: In<B>;
    user: SessionUser;
    workspace: WorkspaceMember;
  }): Promise<Answer>;
}

/** A route under /api/workspaces/:ws; its access kind is `workspace` (see AccessSpec). */
export function workspacePathRoute<
  P extends z.ZodType<{ ws: string }>,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(d: WorkspaceRouteDef<P, Q, B>): Route {
  return {
    method: d.method,
    url: d.url,
    summary: d.summary,
    tag: d.tag,
    access: { kind: 'workspace', capability: d.capability },
    params: d.params,
    query: d.query,
    body: d.body,
    responses: d.responses,
    async run(deps, req, reply) {
      const user = await currentUser(deps, req);
      if (!user) throw unauthenticated();
      const params = parsePart(d.params, 'params', req.params);
      const query = (d.query ? parsePart(d.query, 'query', req.query) : undefined) as In<Q>;
      const workspace = await workspaceMembership(deps.db, user.id, params.ws);
      if (!workspace) throw notFound();
      const body = (d.body ? parsePart(d.body, 'body', req.body) : undefined) as In<B>;
      if (!roleHas(workspace.role, d.capability)) throw forbidden(d.capability, 'workspace');
      return d.handler({ deps, req, reply, params, query, body, user, workspace });
    },
  };
}
