// Load what the gate decides on, from the database only: the tenant, the connection
// (explicit or the tenant's default) and the start's target.
import { sql } from 'kysely';
import type { DbOrTx } from '../db/connect.ts';
import { PREPARED } from '../db/prepared.ts';
import type { ProviderConnection, Tenant } from '../db/schema.ts';
import type { OperationDefinition } from '../operations/definition.ts';
import { GateInputError, type StartInput } from './result.ts';

export interface Resolved {
  tenant: Tenant;
  connection: ProviderConnection | null;
  /** Identity of the work, for "already running". */
  dedupeKey: string | null;
  context: Record<string, string>;
}

export async function resolveStart(db: DbOrTx, def: OperationDefinition, input: StartInput): Promise<Resolved> {
  // The two look-ups every start makes run as prepared statements (src/db/prepared.ts).
  const tenant = (await sql<Tenant>`${sql.raw(PREPARED)}select * from tenants where id = ${input.tenantId}`.execute(db)).rows[0];
  if (!tenant) throw new GateInputError('tenant', 'no such tenant');

  // An id from another tenant resolves to nothing, exactly like an unknown id: no leak.
  const { rows } = input.providerConnectionId
    ? await sql<ProviderConnection>`${sql.raw(PREPARED)}select * from provider_connections
        where tenant_id = ${tenant.id} and id = ${input.providerConnectionId}`.execute(db)
    : await sql<ProviderConnection>`${sql.raw(PREPARED)}select * from provider_connections
        where tenant_id = ${tenant.id} and is_default`.execute(db);
  const connection = rows[0] ?? null;

  const context: Record<string, string> = {};
  if (connection) context.providerConnectionName = connection.name;
  if (input.onboardingSessionId) context.onboardingSessionId = input.onboardingSessionId;

  if (def.dedupe === 'restore_run') {
    const restoreRunId = input.target?.restoreRunId;
    if (!restoreRunId) throw new GateInputError('target.restoreRunId', `is required for ${def.type}`);
    const rr = await db
      .selectFrom('restore_runs')
      .select('id')
      .where('id', '=', restoreRunId)
      .where('tenant_id', '=', tenant.id)
      .executeTakeFirst();
    if (!rr) throw new GateInputError('target.restoreRunId', 'no restore run with this id in this tenant');
    context.restoreRunId = rr.id;
  }
  if (def.dedupe === 'onboarding_session' && !input.onboardingSessionId) {
    throw new GateInputError('onboardingSessionId', `is required for ${def.type}`);
  }
  return { tenant, connection, dedupeKey: connection ? dedupeKey(def, tenant.id, connection.id, context) : null, context };
}

function dedupeKey(def: OperationDefinition, tenantId: string, connectionId: string, ctx: Record<string, string>): string {
  switch (def.dedupe) {
    case 'connection':
      return `${def.type}|c:${connectionId}`;
    case 'tenant_connection':
      return `${def.type}|t:${tenantId}|c:${connectionId}`;
    case 'restore_run':
      return `${def.type}|r:${ctx.restoreRunId}`;
    case 'onboarding_session':
      return `${def.type}|o:${ctx.onboardingSessionId}`;
  }
}
