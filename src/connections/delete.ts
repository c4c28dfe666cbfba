// Deleting a provider connection. One transaction decides and deletes, race-free against the
// gate: it takes the admission's advisory lock on the connection (class 1002, migration 0004),
// so an admission on this connection either committed before (its run is seen and the delete
// refused) or waits and then fails on the vanished row, never leaving an active run pinned to
// nothing. Past runs keep the connection's id and name in their context (the foreign key then
// sets provider_connection_id to null, migration 0011), so run views still name it.
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';

export type DeleteOutcome =
  { kind: 'deleted' } | { kind: 'gone' } | { kind: 'in_use'; run: { id: string; type: string } } | { kind: 'default_with_others'; others: number };

export async function deleteConnection(db: Db, input: { connectionId: string; workspaceId: string; actorUserId: string }): Promise<DeleteOutcome> {
  return db.transaction().execute(async (tx) => {
    // The gate's scope lock first, then the tenant's connection-change lock (the order every
    // connection change takes), then the row itself.
    await sql`select pg_advisory_xact_lock(1002, hashtext(${input.connectionId}::text))`.execute(tx);
    const conn = await tx.selectFrom('provider_connections').selectAll().where('id', '=', input.connectionId).executeTakeFirst();
    if (!conn) return { kind: 'gone' };
    await sql`select id from tenants where id = ${conn.tenant_id} for update`.execute(tx);
    const row = await tx.selectFrom('provider_connections').selectAll().where('id', '=', conn.id).forUpdate().executeTakeFirst();
    if (!row) return { kind: 'gone' };

    const active = await tx
      .selectFrom('operation_runs')
      .select(['id', 'type'])
      .where('provider_connection_id', '=', row.id)
      .where('status', 'in', ['queued', 'running'])
      .orderBy('created_at')
      .executeTakeFirst();
    if (active) return { kind: 'in_use', run: active };

    if (row.is_default) {
      const { n } = await tx
        .selectFrom('provider_connections')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenant_id', '=', row.tenant_id)
        .where('id', '<>', row.id)
        .executeTakeFirstOrThrow();
      if (Number(n) > 0) return { kind: 'default_with_others', others: Number(n) };
    }

    // Keep the name on every run pinned to it, then let the foreign key forget the id.
    await sql`update operation_runs
                 set context = context || jsonb_build_object('providerConnectionId', ${row.id}::text,
                                                             'providerConnectionName', ${row.name}::text,
                                                             'providerConnectionDeleted', true)
               where provider_connection_id = ${row.id}`.execute(tx);
    await tx.deleteFrom('provider_connections').where('id', '=', row.id).execute();
    await tx
      .insertInto('audit_log')
      .values({
        workspace_id: input.workspaceId,
        tenant_id: row.tenant_id,
        actor_user_id: input.actorUserId,
        action: 'provider_connection.deleted',
        // Identifying facts only; the sealed secret or key is never copied anywhere.
        details: JSON.stringify({
          providerConnectionId: row.id,
          name: row.name,
          clientId: row.client_id,
          // A connection on a workspace app has no credential of its own: its app is named.
          ...(row.app_registration_id ? { appRegistrationId: row.app_registration_id } : { credentialKind: row.credential_kind }),
          wasDefault: row.is_default,
        }),
      })
      .execute();
    return { kind: 'deleted' };
  });
}
