// The stored facts needs-attention decides on, for every tenant of a workspace at once: one
// read of tenants with all their connections, one read of each tenant's last scheduled run
// per operation type. Never a provider call, never the credential itself (only whether one
// is stored, with the same rule as the gate's facts read in src/gate/resolve.ts). A connection
// on a workspace app has the app's credential facts, as the gate reads them.
import { sql } from 'kysely';
import type { DbOrTx } from '../db/connect.ts';
import type { ReasonParams, Role, TenantStatus } from '../db/schema.ts';
import type { GateConnection } from '../gate/readiness.ts';
import { OPERATION_TYPES } from '../operations/definition.ts';

export interface AttentionScope {
  workspaceId: string;
  /** Only the tenants this user is a member of (with their role); null: every tenant (webhooks). */
  userId: string | null;
}

export interface ConnectionFacts extends GateConnection {
  /** The workspace app the connection is on (its credential facts are the app's), or null. */
  app_registration_id: string | null;
  app_name: string | null;
  is_default: boolean;
  last_verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface FailedScheduledRun {
  id: string;
  type: string;
  reason_code: string | null;
  reason_params: ReasonParams;
  provider_connection_id: string | null;
  connection_name: string | null;
  completed_at: Date;
}

export interface TenantFacts {
  id: string;
  workspace_id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  created_at: Date;
  updated_at: Date;
  /** The viewer's role on the tenant; null when reading for the whole workspace. */
  viewerRole: Role | null;
  connections: ConnectionFacts[];
  /** The newest completed scheduled run of a type, when it failed. */
  failedScheduledRuns: FailedScheduledRun[];
}

type Row = {
  t_id: string;
  t_workspace_id: string;
  t_slug: string;
  t_name: string;
  t_status: TenantStatus;
  t_created_at: Date;
  t_updated_at: Date;
  viewer_role: Role | null;
} & { [K in keyof ConnectionFacts as `c_${K}`]: ConnectionFacts[K] | null };

/** Archived tenants are history; onboarding ones are the wizard's business. */
const LISTED_STATUSES: TenantStatus[] = ['active', 'suspended'];

/**
 * Which tenants to read. `candidates`: only those whose stored facts could give an item — a
 * superset of what items.ts derives, decided in SQL, so that with 10,000 tenants the few
 * hundred with something to say are read and derived, not all of them (items.ts still decides
 * every item, on a candidate's full facts). A tenant left out has, by these conditions, none:
 * it is active, its default connection exists, and every connection starts would use is
 * enabled, holds a credential of its kind that does not expire within the warning window, is
 * not failed or unusable, has consent and every covered permission by exact name (a ReadWrite
 * standing in for a Read, or a name in another case, is read and derived: nothing missed), and
 * no scheduled run of it failed. test/attention/candidates.test.ts compares both readings.
 */
export type FactsFilter = { kind: 'all' } | { kind: 'candidates'; now: Date; expiryWarningDays: number; coveredPermissions: readonly string[] };

/**
 * The candidate tenants' ids, gathered from the side of each problem (a few hundred among
 * 10,000) rather than by testing every tenant: suspended tenants, active ones without a
 * default connection, the tenants of connections with something wrong, and those with a
 * failed scheduled run (their small index, migration 0019).
 */
function candidateIds(workspaceId: string, f: Extract<FactsFilter, { kind: 'candidates' }>) {
  const warnUntil = new Date(f.now.getTime() + f.expiryWarningDays * 86_400_000);
  return sql`
    select t.id from tenants t where t.workspace_id = ${workspaceId} and t.status <> 'active'
    union
    select t.id from tenants t
     where t.workspace_id = ${workspaceId}
       and not exists (select 1 from provider_connections d where d.tenant_id = t.id and d.is_default)
    union
    -- The connection's own workspace_id (migration 0020): no join of every tenant to filter it.
    select c.tenant_id from provider_connections c
      left join app_registrations a on a.id = c.app_registration_id
     where c.workspace_id = ${workspaceId}
       and (c.enabled or c.is_default)
       and (not c.enabled
            or case when c.app_registration_id is null then c.credential_kind else a.credential_kind end is distinct from 'secret'
                 and coalesce(case when c.app_registration_id is null then c.certificate_thumbprint else a.certificate_thumbprint end, '') = ''
            or case when c.app_registration_id is null then c.credential_kind else a.credential_kind end is distinct from 'certificate'
                 and coalesce(case when c.app_registration_id is null then c.secret_ciphertext else a.secret_ciphertext end, '') = ''
            or case when c.app_registration_id is null then c.credential_expires_at else a.credential_expires_at end <= ${warnUntil}
            or c.verification_status in ('failed', 'unusable')
            or c.consent_status <> 'granted'
            or not (c.granted_permissions @> ${[...f.coveredPermissions]}::text[]))
    union
    select f.tenant_id from operation_runs f
     where f.trigger = 'scheduled' and f.status = 'completed' and f.outcome = 'failed'`;
}

export async function readAttentionFacts(db: DbOrTx, scope: AttentionScope, filter: FactsFilter = { kind: 'all' }): Promise<TenantFacts[]> {
  const member = scope.userId ? sql`join tenant_memberships m on m.tenant_id = t.id and m.user_id = ${scope.userId}` : sql``;
  const role = scope.userId ? sql`m.role` : sql`null::text`;
  // The candidates are a few hundred, but the planner guesses thousands (it cannot tell how
  // few connections fail the conditions) and so hashed every tenant and membership of the
  // workspace to join them: each candidate is looked up by primary key instead (the fenced
  // lateral subqueries keep it from flattening them back into hash joins).
  const tenantsRead =
    filter.kind === 'all'
      ? sql`tenants t ${member}`
      : sql`(${candidateIds(scope.workspaceId, filter)}) cand
          cross join lateral (select * from tenants t where t.id = cand.id offset 0) t
          ${scope.userId ? sql`join lateral (select m.role from tenant_memberships m where m.tenant_id = t.id and m.user_id = ${scope.userId} offset 0) m on true` : sql``}`;
  const { rows } = await sql<Row>`
    select t.id as t_id, t.workspace_id as t_workspace_id, t.slug as t_slug, t.name as t_name, t.status as t_status,
      t.created_at as t_created_at, t.updated_at as t_updated_at, t.viewer_role,
      c.id as c_id, c.name as c_name, c.enabled as c_enabled,
      case when c.app_registration_id is null then c.credential_kind else a.credential_kind end as c_credential_kind,
      case when c.app_registration_id is null then c.credential_expires_at else a.credential_expires_at end as c_credential_expires_at,
      c.verification_status as c_verification_status,
      c.verification_reason_code as c_verification_reason_code, c.consent_status as c_consent_status,
      c.granted_permissions as c_granted_permissions,
      coalesce(case when c.app_registration_id is null then c.secret_ciphertext else a.secret_ciphertext end, '') <> '' as c_has_secret,
      coalesce(case when c.app_registration_id is null then c.certificate_thumbprint else a.certificate_thumbprint end, '') <> '' as c_has_thumbprint,
      c.app_registration_id as c_app_registration_id, a.name as c_app_name,
      c.is_default as c_is_default, c.last_verified_at as c_last_verified_at,
      c.created_at as c_created_at, c.updated_at as c_updated_at
    from (
      -- The tenants first, then each one's connections by index (lateral): joined before
      -- filtering, every connection of the workspace was hashed (10,000 wide rows for 250).
      select t.*, ${role} as viewer_role
        from ${tenantsRead}
       where t.workspace_id = ${scope.workspaceId} and t.status = any(${LISTED_STATUSES}::text[])
       offset 0
    ) t
    left join lateral (select * from provider_connections c where c.tenant_id = t.id offset 0) c on true
    left join app_registrations a on a.id = c.app_registration_id
    order by t.slug, c.is_default desc nulls last, c.name, c.id`.execute(db);

  const tenants = new Map<string, TenantFacts>();
  for (const r of rows) {
    let t = tenants.get(r.t_id);
    if (!t) {
      t = {
        id: r.t_id,
        workspace_id: r.t_workspace_id,
        slug: r.t_slug,
        name: r.t_name,
        status: r.t_status,
        created_at: r.t_created_at,
        updated_at: r.t_updated_at,
        viewerRole: r.viewer_role,
        connections: [],
        failedScheduledRuns: [],
      };
      tenants.set(r.t_id, t);
    }
    if (r.c_id !== null) t.connections.push(connectionOf(r));
  }
  if (tenants.size === 0) return [];

  for (const run of await readFailedScheduledRuns(db, scope)) tenants.get(run.tenant_id)?.failedScheduledRuns.push(run);
  return [...tenants.values()];
}

function connectionOf(r: Row): ConnectionFacts {
  return {
    id: r.c_id!,
    name: r.c_name!,
    enabled: r.c_enabled!,
    credential_kind: r.c_credential_kind!,
    credential_expires_at: r.c_credential_expires_at,
    verification_status: r.c_verification_status!,
    verification_reason_code: r.c_verification_reason_code,
    consent_status: r.c_consent_status!,
    granted_permissions: r.c_granted_permissions!,
    has_secret: r.c_has_secret!,
    has_thumbprint: r.c_has_thumbprint!,
    app_registration_id: r.c_app_registration_id,
    app_name: r.c_app_name,
    is_default: r.c_is_default!,
    last_verified_at: r.c_last_verified_at,
    created_at: r.c_created_at!,
    updated_at: r.c_updated_at!,
  };
}

/**
 * The newest completed scheduled run of each (tenant, type), kept when it failed: one probe of
 * the partial index operation_runs_last_scheduled (migration 0012) per pair, however long the
 * history. A later success clears the item, since only the newest run counts. Only a pair with
 * a failed scheduled run at all can have a failed newest one, so the pairs probed are those
 * of operation_runs_failed_scheduled (migration 0019), a few per tenant at most, rather than
 * every tenant times every type (90,000 probes for 10,000 tenants).
 */
async function readFailedScheduledRuns(db: DbOrTx, scope: AttentionScope): Promise<(FailedScheduledRun & { tenant_id: string })[]> {
  const member = scope.userId ? sql`join tenant_memberships m on m.tenant_id = t.id and m.user_id = ${scope.userId}` : sql``;
  const { rows } = await sql<FailedScheduledRun & { tenant_id: string; outcome: string }>`
    select t.id as tenant_id, r.id, r.type, r.outcome, r.reason_code, r.reason_params, r.provider_connection_id,
      coalesce(c.name, r.context->>'providerConnectionName') as connection_name, r.completed_at
    from (
      -- Driven by the small index of failed scheduled runs (every workspace's; a few hundred
      -- rows) rather than by a probe of it per tenant.
      select distinct f.tenant_id, f.type from operation_runs f
       where f.trigger = 'scheduled' and f.status = 'completed' and f.outcome = 'failed'
         and f.type = any(${[...OPERATION_TYPES]}::text[])
    ) ty
    join tenants t on t.id = ty.tenant_id
    ${member}
    cross join lateral (
      select * from operation_runs r
       where r.tenant_id = t.id and r.type = ty.type and r.trigger = 'scheduled' and r.status = 'completed'
       order by r.created_at desc limit 1
    ) r
    left join provider_connections c on c.id = r.provider_connection_id
    where t.workspace_id = ${scope.workspaceId} and t.status = 'active' and r.outcome = 'failed'`.execute(db);
  return rows;
}
