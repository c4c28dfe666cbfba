// Schedules of a workspace: create, change, delete, list, and their firings. Every change is
// audited; next_fire_at is recomputed whenever the cron, time zone or enabled flag changes.
import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/connect.ts';
import type { Schedule } from '../db/schema.ts';
import type { OperationType } from '../operations/definition.ts';
import { getDefinition } from '../operations/registry.ts';
import { cronProblem, nextFire, timezoneProblem } from './cron.ts';

export class ScheduleInputError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

export interface ScheduleFields {
  name: string;
  type: OperationType;
  tenants: 'all' | string[];
  cron: string;
  timezone: string;
  enabled: boolean;
}

export interface ScheduleView {
  id: string;
  name: string;
  type: string;
  tenants: 'all' | string[];
  cron: string;
  timezone: string;
  enabled: boolean;
  nextFireAt: string | null;
  lastFiring: { firedAt: string; bulkOperationId: string | null; counts: Record<string, number> | null } | null;
}

async function validate(db: DbOrTx, workspaceId: string, f: Partial<ScheduleFields>): Promise<void> {
  if (f.type !== undefined) {
    const def = getDefinition(f.type);
    if (def.dedupe === 'restore_run' || def.dedupe === 'onboarding_session') {
      throw new ScheduleInputError('type', `${f.type} starts from its own target and cannot be scheduled on many tenants`);
    }
  }
  if (f.cron !== undefined) {
    const p = cronProblem(f.cron);
    if (p) throw new ScheduleInputError('cron', p);
  }
  if (f.timezone !== undefined) {
    const p = timezoneProblem(f.timezone);
    if (p) throw new ScheduleInputError('timezone', p);
  }
  if (Array.isArray(f.tenants)) {
    const found = new Set(
      (await db.selectFrom('tenants').select('slug').where('workspace_id', '=', workspaceId).where('slug', 'in', f.tenants).execute()).map((t) => t.slug),
    );
    const seen = new Set<string>();
    f.tenants.forEach((slug, i) => {
      if (seen.has(slug)) throw new ScheduleInputError(`tenants.${i}`, 'is listed twice');
      seen.add(slug);
      if (!found.has(slug)) throw new ScheduleInputError(`tenants.${i}`, 'no such tenant');
    });
  }
}

const next = (s: Pick<ScheduleFields, 'cron' | 'timezone' | 'enabled'>) => (s.enabled ? nextFire(s.cron, s.timezone, new Date()) : null);

async function audit(db: DbOrTx, workspaceId: string, actorId: string | null, action: string, details: Record<string, unknown>) {
  await db
    .insertInto('audit_log')
    .values({ workspace_id: workspaceId, actor_user_id: actorId, action, details: JSON.stringify(details) })
    .execute();
}

const uniqueName = (err: unknown) => (err as { code?: string }).code === '23505';

export async function createSchedule(db: Db, workspaceId: string, actorId: string, f: ScheduleFields): Promise<string> {
  await validate(db, workspaceId, f);
  try {
    return await db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('schedules')
        .values({
          workspace_id: workspaceId,
          name: f.name,
          type: f.type,
          selection: JSON.stringify(f.tenants),
          cron: f.cron,
          timezone: f.timezone,
          enabled: f.enabled,
          next_fire_at: next(f),
          created_by: actorId,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await audit(tx, workspaceId, actorId, 'schedule.created', { scheduleId: row.id, ...f });
      return row.id;
    });
  } catch (err) {
    if (uniqueName(err)) throw new ScheduleInputError('name', 'is already used by another schedule of this workspace');
    throw err;
  }
}

export async function updateSchedule(db: Db, current: Schedule, actorId: string, patch: Partial<ScheduleFields>): Promise<void> {
  await validate(db, current.workspace_id, patch);
  const merged = {
    cron: patch.cron ?? current.cron,
    timezone: patch.timezone ?? current.timezone,
    enabled: patch.enabled ?? current.enabled,
  };
  try {
    await db.transaction().execute(async (tx) => {
      await tx
        .updateTable('schedules')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.type !== undefined ? { type: patch.type } : {}),
          ...(patch.tenants !== undefined ? { selection: JSON.stringify(patch.tenants) } : {}),
          ...merged,
          next_fire_at: next(merged),
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', current.id)
        .execute();
      await audit(tx, current.workspace_id, actorId, 'schedule.updated', { scheduleId: current.id, changes: patch });
    });
  } catch (err) {
    if (uniqueName(err)) throw new ScheduleInputError('name', 'is already used by another schedule of this workspace');
    throw err;
  }
}

export async function deleteSchedule(db: Db, current: Schedule, actorId: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('schedules').where('id', '=', current.id).execute();
    await audit(tx, current.workspace_id, actorId, 'schedule.deleted', { scheduleId: current.id, name: current.name });
  });
}

export async function listSchedules(db: Db, workspaceId: string, id?: string): Promise<ScheduleView[]> {
  let q = db
    .selectFrom('schedules as s')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('schedule_firings as f')
          .select(['f.fired_at', 'f.bulk_operation_id', 'f.counts'])
          .whereRef('f.schedule_id', '=', 's.id')
          .orderBy('f.fired_at', 'desc')
          .limit(1)
          .as('last'),
      (join) => join.onTrue(),
    )
    .selectAll('s')
    .select(['last.fired_at', 'last.bulk_operation_id', 'last.counts'])
    .where('s.workspace_id', '=', workspaceId)
    .orderBy('s.name');
  if (id) q = q.where('s.id', '=', id);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    type: r.type,
    tenants: r.selection,
    cron: r.cron,
    timezone: r.timezone,
    enabled: r.enabled,
    nextFireAt: r.next_fire_at ? r.next_fire_at.toISOString() : null,
    lastFiring: r.fired_at ? { firedAt: r.fired_at.toISOString(), bulkOperationId: r.bulk_operation_id, counts: r.counts } : null,
  }));
}

export async function listFirings(db: Db, scheduleId: string, limit = 50) {
  const rows = await db
    .selectFrom('schedule_firings')
    .select(['fired_at', 'bulk_operation_id', 'counts'])
    .where('schedule_id', '=', scheduleId)
    .orderBy('fired_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ firedAt: r.fired_at.toISOString(), bulkOperationId: r.bulk_operation_id, counts: r.counts }));
}

export const defaultScheduleName = (type: OperationType) => `${getDefinition(type).action} on a schedule`;
