// The current user's notifications: one per terminal run they started, written by the
// worker. Each reads like the run detail (title, reason, next step) because it is built from
// the presented run. Runs of tenants the user can no longer see are not shown.
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/connect.ts';
import { presentNotification } from '../../presenter/index.ts';
import { notFound } from '../errors.ts';
import { presentRunRow, visibleRuns } from '../run-rows.ts';
import { userRoute, type Route } from '../route.ts';
import { emptyBody, idParams, items, notificationSchema, queryInt } from '../schemas.ts';

async function notifications(db: Db, userId: string, opts: { id?: string; unread?: boolean; limit: number }) {
  let q = visibleRuns(db, userId)
    .innerJoin('notifications as n', 'n.run_id', 'r.id')
    .select(['n.id as notification_id', 'n.created_at as notified_at', 'n.read_at'])
    .where('n.user_id', '=', userId)
    .orderBy('n.created_at', 'desc')
    .orderBy('n.id', 'desc')
    .limit(opts.limit);
  if (opts.id) q = q.where('n.id', '=', opts.id);
  if (opts.unread) q = q.where('n.read_at', 'is', null);
  const rows = await q.execute();
  return rows.map(({ notification_id, notified_at, read_at, ...run }) =>
    presentNotification({ id: notification_id, created_at: notified_at, read_at }, presentRunRow(run)),
  );
}

const list = userRoute({
  method: 'GET',
  url: '/api/notifications',
  summary: "The current user's notifications, newest first (?unread=true for unread only).",
  tag: 'notifications',
  query: z.object({ unread: z.enum(['true', 'false']).optional(), limit: queryInt(1, 200, 50) }),
  responses: { 200: { description: 'Notifications', schema: items(notificationSchema) } },
  async handler({ deps, user, query }) {
    return { status: 200, body: { items: await notifications(deps.db, user.id, { unread: query.unread === 'true', limit: query.limit }) } };
  },
});

const markRead = userRoute({
  method: 'POST',
  url: '/api/notifications/:id/read',
  summary: "Mark one of your notifications read (idempotent). Somebody else's reads as not there.",
  tag: 'notifications',
  params: idParams,
  body: emptyBody,
  responses: { 200: { description: 'The notification', schema: notificationSchema } },
  async handler({ deps, user, params }) {
    const [current] = await notifications(deps.db, user.id, { id: params.id, limit: 1 });
    if (!current) throw notFound();
    await deps.db
      .updateTable('notifications')
      .set({ read_at: sql<Date>`coalesce(read_at, now())` })
      .where('id', '=', params.id)
      .where('user_id', '=', user.id)
      .execute();
    const [updated] = await notifications(deps.db, user.id, { id: params.id, limit: 1 });
    if (!updated) throw notFound();
    return { status: 200, body: updated };
  },
});

export const notificationRoutes: Route[] = [list, markRead];
