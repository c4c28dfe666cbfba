// Routes about one resource that belongs to a workspace (a schedule, a webhook): the same order
// of checks as every other route — 401 -> 400 path/query -> 404 (not there, or the user is not
// a member of its workspace: the two read the same) -> 400 body -> 403 (the workspace role lacks
// the capability) -> handler. Its access kind is `workspace`, so the 404/403 matrix derives the
// expected status from the route table like for /api/workspaces/{ws}/… routes.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { roleHas, type Capability } from '../access/capabilities.ts';
import type { Db } from '../db/connect.ts';
import type { SessionUser } from './auth.ts';
import { forbidden, notFound, unauthenticated } from './errors.ts';
import { currentUser, type Answer, type Deps, type Method, type ResponseDoc, type Route } from './route.ts';
import { idParams } from './schemas.ts';
import { parsePart } from './validate.ts';
import { workspaceMembership, type WorkspaceMember } from './workspaces.ts';

type In<S> = S extends z.ZodType ? z.output<S> : undefined;

export function workspaceResourceRoute<Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(d: {
  method: Method;
  url: string;
  summary: string;
  tag: string;
  capability: Capability;
  /** The workspace the resource `{id}` belongs to; null when there is no such resource. */
  workspaceOf(db: Db, id: string): Promise<string | null>;
  query?: Q;
  body?: B;
  responses: Record<number, ResponseDoc>;
  handler(ctx: {
    deps: Deps;
    req: FastifyRequest;
    reply: FastifyReply;
    id: string;
    user: SessionUser;
    workspace: WorkspaceMember;
    query: In<Q>;
    body: In<B>;
  }): Promise<Answer>;
}): Route {
  return {
    method: d.method,
    url: d.url,
    summary: d.summary,
    tag: d.tag,
    access: { kind: 'workspace', capability: d.capability },
    params: idParams,
    query: d.query,
    body: d.body,
    responses: d.responses,
    async run(deps, req, reply) {
      const user = await currentUser(deps, req);
      if (!user) throw unauthenticated();
      const { id } = parsePart(idParams, 'params', req.params);
      const query = (d.query ? parsePart(d.query, 'query', req.query) : undefined) as In<Q>;
      const workspaceId = await d.workspaceOf(deps.db, id);
      const workspace = workspaceId ? await workspaceMembership(deps.db, user.id, workspaceId) : null;
      if (!workspace) throw notFound();
      const body = (d.body ? parsePart(d.body, 'body', req.body) : undefined) as In<B>;
      if (!roleHas(workspace.role, d.capability)) throw forbidden(d.capability, 'workspace');
      return d.handler({ deps, req, reply, id, user, workspace, query, body });
    },
  };
}
