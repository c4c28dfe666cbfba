// The user's workspaces, and the members of one (owners only: workspace.manage_members).
// A member's role is their workspace role and their role on each tenant they hold; tenants
// are "all" (also tenants added later) or a list of slugs.
import { z } from 'zod';
import { changeMember, listMembers, removeMember } from '../../members/members.ts';
import { SLUG_SHAPE } from '../authorize.ts';
import { userRoute, type Route } from '../route.ts';
import { items, uuid } from '../schemas.ts';
import { roleSchema, workspaceParams, workspacePathRoute, workspacesOf } from '../workspaces.ts';

const role = z.enum(['owner', 'manager', 'operator', 'readonly']);

export const tenantsGrantSchema = z.union(
  [
    z.literal('all'),
    z
      .array(z.string().regex(SLUG_SHAPE, { error: 'must be a tenant slug' }))
      .min(1, { error: 'must name at least one tenant (or be "all")' })
      .max(5000, { error: 'names too many tenants (at most 5000)' }),
  ],
  { error: 'must be "all" or a list of tenant slugs' },
);

export const memberSchema = z.strictObject({
  user: z.strictObject({ id: z.string(), email: z.string(), displayName: z.string() }),
  role,
  tenants: z.union([z.literal('all'), z.array(z.strictObject({ slug: z.string(), role }))]),
});

const workspaces = userRoute({
  method: 'GET',
  url: '/api/workspaces',
  summary: 'The workspaces the user belongs to, with their workspace role (and its capabilities).',
  tag: 'members',
  responses: {
    200: {
      description: 'Workspaces',
      schema: items(z.strictObject({ id: z.string(), slug: z.string(), name: z.string(), role, capabilities: z.array(z.string()) })),
    },
  },
  async handler({ deps, user }) {
    return { status: 200, body: { items: await workspacesOf(deps.db, user.id) } };
  },
});

const members = workspacePathRoute({
  method: 'GET',
  url: '/api/workspaces/:ws/members',
  summary: 'Members of the workspace with their role and tenants ("all" or each tenant with its role). `{ws}` is the id or the slug.',
  tag: 'members',
  params: workspaceParams,
  capability: 'workspace.manage_members',
  responses: { 200: { description: 'Members', schema: items(memberSchema) } },
  async handler({ deps, workspace }) {
    return { status: 200, body: { items: await listMembers(deps.db, workspace.id) } };
  },
});

const memberParams = workspaceParams.extend({ userId: uuid() });

const change = workspacePathRoute({
  method: 'PATCH',
  url: '/api/workspaces/:ws/members/:userId',
  summary:
    'Change a member\'s role (on the workspace and every tenant they hold) and/or tenants ("all" or slugs: exactly these afterwards). ' +
    'The last owner cannot be demoted (409 last_owner).',
  tag: 'members',
  params: memberParams,
  body: z
    .strictObject({ role: roleSchema.optional(), tenants: tenantsGrantSchema.optional() })
    .refine((b) => b.role !== undefined || b.tenants !== undefined, { error: 'give "role", "tenants" or both' }),
  capability: 'workspace.manage_members',
  responses: { 200: { description: 'The member afterwards', schema: memberSchema }, 409: { description: 'last_owner' } },
  async handler({ deps, user, workspace, params, body }) {
    const member = await changeMember(deps.db, { workspaceId: workspace.id, actorId: user.id, userId: params.userId, role: body.role, tenants: body.tenants });
    return { status: 200, body: member };
  },
});

const remove = workspacePathRoute({
  method: 'DELETE',
  url: '/api/workspaces/:ws/members/:userId',
  summary:
    'Remove a member: every membership in this workspace goes, and all of their sessions end at once. The last owner cannot be removed (409 last_owner).',
  tag: 'members',
  params: memberParams,
  body: z.strictObject({}).optional(),
  capability: 'workspace.manage_members',
  responses: { 204: { description: 'Removed' }, 409: { description: 'last_owner' } },
  async handler({ deps, user, workspace, params }) {
    await removeMember(deps.db, { workspaceId: workspace.id, actorId: user.id, userId: params.userId });
    return { status: 204 };
  },
});

export const memberRoutes: Route[] = [workspaces, members, change, remove];
