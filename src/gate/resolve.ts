// Load what the gate decides on, from the database only: the tenant, the connection
// (explicit or the tenant's default) and the start's target.
import type { DbOrTx } from '../db/connect.ts';
import { preparedStatement } from '../db/prepared.ts';
import type { GateConnection, GateTenant } from './readiness.ts';
import type { OperationDefinition } from '../operations/definition.ts';
import { GateInputError, type StartInput } from './result.ts';

export interface Resolved {
  tenant: GateTenant;
  connection: GateConnection | null;
  /** Identity of the work, for "already running". */
  dedupeKey: string | null;
  context: Record<string, string>;
  /** The restore run's name, for the typed confirmation a restore start needs. */
  restoreRunName?: string;
}

export async function resolveStart(db: DbOrTx, def: OperationDefinition, input: StartInput): Promise<Resolved> {
  const { tenant, connection } = await readTenantAndConnection(db, input.tenantId, input.providerConnectionId ?? null);
  if (!tenant) throw new GateInputError('tenant', 'no such tenant');

  const context: Record<string, string> = {};
  let restoreRunName: string | undefined;
  if (connection) context.providerConnectionName = connection.name;
  if (input.onboardingSessionId) context.onboardingSessionId = input.onboardingSessionId;

  if (def.dedupe === 'restore_run') {
    const restoreRunId = input.target?.restoreRunId;
    if (!restoreRunId) throw new GateInputError('target.restoreRunId', `is required for ${def.type}`);
    const rr = await db.selectFrom('restore_runs').select(['id', 'name']).where('id', '=', restoreRunId).where('tenant_id', '=', tenant.id).executeTakeFirst();
    if (!rr) throw new GateInputError('target.restoreRunId', 'no restore run with this id in this tenant');
    context.restoreRunId = rr.id;
    restoreRunName = rr.name;
  }
  if (def.dedupe === 'onboarding_session' && !input.onboardingSessionId) {
    throw new GateInputError('onboardingSessionId', `is required for ${def.type}`);
  }
  const key = connection ? dedupeKey(def, tenant.id, connection.id, context) : null;
  return { tenant, connection, dedupeKey: key, context, ...(restoreRunName === undefined ? {} : { restoreRunName }) };
}

export function dedupeKey(def: OperationDefinition, tenantId: string, connectionId: string, ctx: Record<string, string>): string {
  switch (def.dedupe) {
    case 'tenant':
      return `${def.type}|t:${tenantId}`;
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

// The tenant and its connection in one round trip, as a prepared statement (src/db/prepared.ts):
// every start makes this read, so it is the gate's hottest query. It reads only the facts the
// gate decides on; the credential stays in the database (only whether one is stored).
const SELECT_FACTS = `select t.id as "t.id", t.workspace_id as "t.workspace_id", t.status as "t.status",
  c.id as "c.id", c.name as "c.name", c.enabled as "c.enabled",
  case when c.app_registration_id is null then c.credential_kind else a.credential_kind end as "c.credential_kind",
  case when c.app_registration_id is null then c.credential_expires_at else a.credential_expires_at end as "c.credential_expires_at",
  c.verification_status as "c.verification_status",
  c.verification_reason_code as "c.verification_reason_code", c.consent_status as "c.consent_status",
  c.granted_permissions as "c.granted_permissions",
  coalesce(case when c.app_registration_id is null then c.secret_ciphertext else a.secret_ciphertext end, '') <> '' as "c.has_secret",
  coalesce(case when c.app_registration_id is null then c.certificate_thumbprint else a.certificate_thumbprint end, '') <> '' as "c.has_thumbprint"
  from tenants t`;
// A connection on a workspace app registration (migration 0016) has the app's credential facts:
// one rotation of the app serves every connection on it, one expiry blocks them all.
const APP = 'left join app_registrations a on a.id = c.app_registration_id';

type FactsRow = { [K in keyof GateTenant as `t.${K}`]: GateTenant[K] } & {
  [K in keyof GateConnection as `c.${K}`]: GateConnection[K] | null;
};

// An id from another tenant resolves to nothing, exactly like an unknown id: no leak.
const FACTS_BY_ID = preparedStatement<FactsRow>(`${SELECT_FACTS}
  left join provider_connections c on c.id = $2 and c.tenant_id = t.id
  ${APP}
  where t.id = $1`);
const FACTS_OF_DEFAULT = preparedStatement<FactsRow>(`${SELECT_FACTS}
  left join provider_connections c on c.tenant_id = t.id and c.is_default
  ${APP}
  where t.id = $1`);

// Many tenants with their default connections in one read, for a start on many tenants.
const FACTS_OF_DEFAULTS = preparedStatement<FactsRow>(`${SELECT_FACTS}
  left join provider_connections c on c.tenant_id = t.id and c.is_default
  ${APP}
  where t.id = any($1::uuid[])`);

export type TenantFacts = { tenant: GateTenant; connection: GateConnection | null };

/** The facts of each tenant and its default connection, by tenant id (unknown ids are absent). */
export async function readDefaultsFacts(db: DbOrTx, tenantIds: readonly string[]): Promise<Map<string, TenantFacts>> {
  const { rows } = await FACTS_OF_DEFAULTS(db, [tenantIds]);
  return new Map(rows.map((r) => [r['t.id'], toFacts(r)]));
}

async function readTenantAndConnection(
  db: DbOrTx,
  tenantId: string,
  connectionId: string | null,
): Promise<{ tenant: GateTenant | null; connection: GateConnection | null }> {
  const { rows } = connectionId ? await FACTS_BY_ID(db, [tenantId, connectionId]) : await FACTS_OF_DEFAULT(db, [tenantId]);
  const r = rows[0];
  if (!r) return { tenant: null, connection: null };
  return toFacts(r);
}

function toFacts(r: FactsRow): TenantFacts {
  return {
    tenant: { id: r['t.id'], workspace_id: r['t.workspace_id'], status: r['t.status'] },
    connection:
      r['c.id'] === null
        ? null
        : {
            id: r['c.id'],
            name: r['c.name']!,
            enabled: r['c.enabled']!,
            credential_kind: r['c.credential_kind']!,
            credential_expires_at: r['c.credential_expires_at'],
            verification_status: r['c.verification_status']!,
            verification_reason_code: r['c.verification_reason_code'],
            consent_status: r['c.consent_status']!,
            granted_permissions: r['c.granted_permissions']!,
            has_secret: r['c.has_secret']!,
            has_thumbprint: r['c.has_thumbprint']!,
          },
  };
}
