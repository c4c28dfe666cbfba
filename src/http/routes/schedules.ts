// Schedules of a workspace: an operation on many tenants at the times a cron expression names,
// in a time zone. Each firing is a bulk start (trigger "scheduled", no initiator) whose answer
// is kept: GET /api/schedules/{id}/firings links each to its bulk operation.
import { z } from 'zod';
import type { Db } from '../../db/connect.ts';
import { defaultScheduleName, createSchedule, deleteSchedule, listFirings, listSchedules, ScheduleInputError, updateSchedule } from '../../schedules/store.ts';
import { invalid } from '../errors.ts';
import type { Route } from '../route.ts';
import { emptyBody, isoDate, items, operationType } from '../schemas.ts';
import { workspaceResourceRoute } from '../workspace-resource.ts';
import { workspaceParams, workspacePathRoute } from '../workspaces.ts';
import { tenantSelection } from './bulk.ts';

export const scheduleSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  tenants: z.union([z.literal('all'), z.array(z.string())]),
  cron: z.string(),
  timezone: z.string(),
  enabled: z.boolean(),
  nextFireAt: isoDate.nullable(),
  lastFiring: z.strictObject({ firedAt: isoDate, bulkOperationId: z.string().nullable(), counts: z.record(z.string(), z.number()).nullable() }).nullable(),
});

export const firingSchema = z.strictObject({ firedAt: isoDate, bulkOperationId: z.string().nullable(), counts: z.record(z.string(), z.number()).nullable() });

const fields = {
  name: z.string().trim().min(1, { error: 'must not be empty' }).max(100, { error: 'is too long' }),
  type: operationType(),
  tenants: tenantSelection,
  cron: z.string().max(100, { error: 'is too long' }),
  timezone: z.string().max(64, { error: 'is too long' }),
  enabled: z.boolean(),
};

const createBody = z.strictObject({ ...fields, name: fields.name.optional(), enabled: fields.enabled.optional() });
const patchBody = z
  .strictObject({ name: fields.name, type: fields.type, tenants: fields.tenants, cron: fields.cron, timezone: fields.timezone, enabled: fields.enabled })
  .partial()
  .refine((b) => Object.keys(b).length > 0, { error: 'name a field to change' });

function asInvalid(err: unknown): never {
  if (err instanceof ScheduleInputError) throw invalid(err.field, err.message);
  throw err;
}

const scheduleWorkspace = async (db: Db, id: string) =>
  (await db.selectFrom('schedules').select('workspace_id').where('id', '=', id).executeTakeFirst())?.workspace_id ?? null;
const load = (db: Db, id: string) => db.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

const list = workspacePathRoute({
  method: 'GET',
  url: '/api/workspaces/:ws/schedules',
  summary: "The workspace's schedules with their next and last firing.",
  tag: 'schedules',
  params: workspaceParams,
  capability: 'tenant.view',
  responses: { 200: { description: 'Schedules', schema: items(scheduleSchema) } },
  async handler({ deps, workspace }) {
    return { status: 200, body: { items: await listSchedules(deps.db, workspace.id) } };
  },
});

const create = workspacePathRoute({
  method: 'POST',
  url: '/api/workspaces/:ws/schedules',
  summary: 'Create a schedule: {type, tenants: "all"|[slugs], cron, timezone, name?, enabled?}. A bad cron or time zone is a 400 naming it.',
  tag: 'schedules',
  params: workspaceParams,
  body: createBody,
  capability: 'schedule.manage',
  responses: { 201: { description: 'The schedule', schema: scheduleSchema } },
  async handler({ deps, user, workspace, body }) {
    const id = await createSchedule(deps.db, workspace.id, user.id, {
      ...body,
      name: body.name ?? defaultScheduleName(body.type),
      enabled: body.enabled ?? true,
      tenants: body.tenants === 'all' ? 'all' : [...body.tenants],
    }).catch(asInvalid);
    const [view] = await listSchedules(deps.db, workspace.id, id);
    return { status: 201, body: view };
  },
});

const update = workspaceResourceRoute({
  method: 'PATCH',
  url: '/api/schedules/:id',
  summary: 'Change a schedule (any of its fields); the next firing is recomputed.',
  tag: 'schedules',
  capability: 'schedule.manage',
  workspaceOf: scheduleWorkspace,
  body: patchBody,
  responses: { 200: { description: 'The schedule', schema: scheduleSchema } },
  async handler({ deps, user, id, body }) {
    const s = await load(deps.db, id);
    const patch = { ...body, ...(body.tenants !== undefined ? { tenants: body.tenants === 'all' ? ('all' as const) : [...body.tenants] } : {}) };
    await updateSchedule(deps.db, s, user.id, patch).catch(asInvalid);
    const [view] = await listSchedules(deps.db, s.workspace_id, s.id);
    return { status: 200, body: view };
  },
});

const remove = workspaceResourceRoute({
  method: 'DELETE',
  url: '/api/schedules/:id',
  summary: 'Delete a schedule (its firings go with it; their bulk operations and runs stay).',
  tag: 'schedules',
  capability: 'schedule.manage',
  workspaceOf: scheduleWorkspace,
  body: emptyBody,
  responses: { 204: { description: 'Deleted' } },
  async handler({ deps, user, id }) {
    const s = await load(deps.db, id);
    await deleteSchedule(deps.db, s, user.id);
    return { status: 204, body: undefined };
  },
});

const firings = workspaceResourceRoute({
  method: 'GET',
  url: '/api/schedules/:id/firings',
  summary: 'Firings of a schedule, newest first, each with its bulk operation and outcome counts.',
  tag: 'schedules',
  capability: 'tenant.view',
  workspaceOf: scheduleWorkspace,
  responses: { 200: { description: 'Firings', schema: items(firingSchema) } },
  async handler({ deps, id }) {
    return { status: 200, body: { items: await listFirings(deps.db, id) } };
  },
});

export const scheduleRoutes: Route[] = [list, create, update, remove, firings];
