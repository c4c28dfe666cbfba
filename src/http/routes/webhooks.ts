// Webhooks of a workspace (webhook.manage: owners). Create with a secret that is sealed at rest
// and never answered back; list; delete; read a webhook's delivery log. Routes by webhook id
// find the webhook's workspace first, so another workspace's webhook reads as not there.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { roleHas } from '../../access/capabilities.ts';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../../webhooks/events.ts';
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, webhookWorkspace } from '../../webhooks/store.ts';
import { forbidden, notFound, unauthenticated } from '../errors.ts';
import { currentUser, type Answer, type Deps, type ResponseDoc, type Route } from '../route.ts';
import { emptyBody, idParams, isoDate, items, queryInt } from '../schemas.ts';
import { parsePart } from '../validate.ts';
import { workspaceMembership, workspaceParams, workspacePathRoute } from '../workspaces.ts';

const CAPABILITY = 'webhook.manage' as const;

const webhookUrl = z
  .string({ error: 'must be a URL' })
  .max(2048, { error: 'is too long (at most 2048 characters)' })
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
      } catch {
        return false;
      }
    },
    { error: 'must be an http or https URL' },
  );

const createBody = z.strictObject({
  url: webhookUrl,
  events: z
    .array(z.enum(WEBHOOK_EVENTS, { error: `must be one of ${WEBHOOK_EVENTS.join(', ')}` }), {
      error: `must be a list of events (${WEBHOOK_EVENTS.join(', ')})`,
    })
    .min(1, { error: 'must name at least one event' })
    .refine((e) => new Set(e).size === e.length, { error: 'must not name an event twice' }),
  // Long enough that the signature cannot be forged by guessing the key.
  secret: z
    .string({ error: 'must be a string' })
    .min(16, { error: 'must be at least 16 characters' })
    .max(512, { error: 'is too long (at most 512 characters)' }),
});

export const webhookSchema = z.strictObject({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  createdAt: isoDate,
  createdBy: z.strictObject({ email: z.string() }).nullable(),
  deliveries: z.strictObject({ pending: z.number(), delivered: z.number(), failed: z.number(), lastAt: isoDate.nullable() }),
});

export const deliverySchema = z.strictObject({
  id: z.string(),
  event: z.string(),
  text: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: isoDate,
  lastAttemptAt: isoDate.nullable(),
  nextAttemptAt: isoDate.nullable(),
  deliveredAt: isoDate.nullable(),
});

const create = workspacePathRoute({
  method: 'POST',
  url: '/api/workspaces/:ws/webhooks',
  summary:
    'Add a webhook: events run.completed, run.blocked, attention.raised; each delivery is signed with `secret` (x-opsgate-signature: sha256=<hex HMAC-SHA256 of the body>). The secret is stored sealed and never returned.',
  tag: 'webhooks',
  params: workspaceParams,
  body: createBody,
  capability: CAPABILITY,
  responses: { 201: { description: 'The webhook (without its secret)', schema: webhookSchema } },
  async handler({ deps, body, user, workspace }) {
    const view = await createWebhook(deps.db, deps.box, {
      workspaceId: workspace.id,
      actorId: user.id,
      url: body.url,
      events: body.events as WebhookEvent[],
      secret: body.secret,
    });
    return { status: 201, body: view };
  },
});

const list = workspacePathRoute({
  method: 'GET',
  url: '/api/workspaces/:ws/webhooks',
  summary: 'The webhooks of the workspace, with counts of their deliveries by status. Never a secret.',
  tag: 'webhooks',
  params: workspaceParams,
  capability: CAPABILITY,
  responses: { 200: { description: 'Webhooks', schema: items(webhookSchema) } },
  async handler({ deps, workspace }) {
    return { status: 200, body: { items: await listWebhooks(deps.db, workspace.id) } };
  },
});

/**
 * A route about one webhook: the same order of checks as every other route (401 -> 400 path/query
 * -> 404 not there or not a member of its workspace -> 400 body -> 403 -> handler).
 */
function webhookRoute<Q extends z.ZodType | undefined, B extends z.ZodType | undefined>(d: {
  method: 'GET' | 'DELETE';
  url: string;
  summary: string;
  query?: Q;
  body?: B;
  responses: Record<number, ResponseDoc>;
  handler(ctx: { deps: Deps; id: string; workspaceId: string; userId: string; query: Q extends z.ZodType ? z.output<Q> : undefined }): Promise<Answer>;
}): Route {
  return {
    method: d.method,
    url: d.url,
    summary: d.summary,
    tag: 'webhooks',
    access: { kind: 'workspace', capability: CAPABILITY },
    params: idParams,
    query: d.query,
    body: d.body,
    responses: d.responses,
    async run(deps: Deps, req: FastifyRequest, _reply: FastifyReply) {
      const user = await currentUser(deps, req);
      if (!user) throw unauthenticated();
      const { id } = parsePart(idParams, 'params', req.params);
      const query = (d.query ? parsePart(d.query, 'query', req.query) : undefined) as Q extends z.ZodType ? z.output<Q> : undefined;
      const workspaceId = await webhookWorkspace(deps.db, id);
      const member = workspaceId ? await workspaceMembership(deps.db, user.id, workspaceId) : null;
      if (!workspaceId || !member) throw notFound();
      if (d.body) parsePart(d.body, 'body', req.body);
      if (!roleHas(member.role, CAPABILITY)) throw forbidden(CAPABILITY, 'workspace');
      return d.handler({ deps, id, workspaceId, userId: user.id, query });
    },
  };
}

const remove = webhookRoute({
  method: 'DELETE',
  url: '/api/webhooks/:id',
  summary: 'Delete a webhook and its delivery log; nothing more is sent to it.',
  body: emptyBody,
  responses: { 204: { description: 'Deleted' } },
  async handler({ deps, id, workspaceId, userId }) {
    if (!(await deleteWebhook(deps.db, { id, workspaceId, actorId: userId }))) throw notFound();
    return { status: 204 };
  },
});

const deliveries = webhookRoute({
  method: 'GET',
  url: '/api/webhooks/:id/deliveries',
  summary:
    "A webhook's deliveries, newest first: event, the sentence sent, status (pending, delivered, failed), attempts, the last status code or error, timestamps.",
  query: z.object({ limit: queryInt(1, 500, 100) }),
  responses: { 200: { description: 'Deliveries', schema: items(deliverySchema) } },
  async handler({ deps, id, query }) {
    return { status: 200, body: { items: await listDeliveries(deps.db, id, query.limit) } };
  },
});

export const webhookRoutes: Route[] = [create, list, remove, deliveries];
