// The data-scale benchmark's seed: one workspace of N tenants (one default connection each)
// and a history of finished runs, all generated in SQL (generate_series), never row by row.
//
// Every historical run is terminal (status completed), so the partial unique indexes on
// active runs (one per connection, one per identity) never see them, and every CHECK holds:
// completed ⇔ outcome <> pending ⇔ completed_at set; blocked runs never started.
// The seed can grow: a second call with larger numbers adds the missing tenants and runs.
import pg from 'pg';
import { ALL_PERMISSIONS } from '../src/operations/permissions.ts';
import { hashPassword } from '../src/security/passwords.ts';

export const SCALE_EMAIL = 'scale@bench.example';
export const SCALE_PASSWORD = 'scale-bench-password';
export const SCALE_WORKSPACE = 'scale';

export interface ScaleWorkspace {
  workspaceId: string;
  userId: string;
  tenants: number;
  runs: number;
}

/** Types a history is made of (operations that run on a schedule and by hand). */
const HISTORY_TYPES = [
  'inventory.sync',
  'compliance.snapshot',
  'entra_group_sync',
  'directory_role_definitions.sync',
  'backup.capture',
  'provider_connection.check',
];

async function ensureWorkspace(c: pg.Client): Promise<{ workspaceId: string; userId: string }> {
  const found = await c.query<{ workspace_id: string; user_id: string }>(
    `select w.id as workspace_id, u.id as user_id from workspaces w, users u where w.slug = $1 and u.email = $2`,
    [SCALE_WORKSPACE, SCALE_EMAIL],
  );
  if (found.rows[0]) return { workspaceId: found.rows[0].workspace_id, userId: found.rows[0].user_id };
  const {
    rows: [ws],
  } = await c.query<{ id: string }>(`insert into workspaces (slug, name) values ($1, 'Scale MSP') returning id`, [SCALE_WORKSPACE]);
  const {
    rows: [user],
  } = await c.query<{ id: string }>(`insert into users (email, display_name, password_hash) values ($1, 'Scale', $2) returning id`, [
    SCALE_EMAIL,
    await hashPassword(SCALE_PASSWORD),
  ]);
  await c.query(`insert into workspace_members (workspace_id, user_id, role) values ($1, $2, 'owner')`, [ws!.id, user!.id]);
  return { workspaceId: ws!.id, userId: user!.id };
}

/**
 * Tenants `s-00001` … up to `tenants`, each with the scale user as operator and one default
 * connection. A few carry what needs attention: 1 in 50 without consent, 1 in 100 with a
 * credential expiring in 10 days, 1 in 200 suspended.
 */
async function seedTenants(c: pg.Client, workspaceId: string, userId: string, tenants: number): Promise<void> {
  await c.query(
    `with t as (
       insert into tenants (workspace_id, slug, name, entra_tenant_id, status, created_at)
       select $1, 's-' || lpad(g::text, 5, '0'), 'Customer ' || lpad(g::text, 5, '0'), gen_random_uuid()::text,
              case when g % 200 = 0 then 'suspended' else 'active' end, now() - interval '400 days'
         from generate_series(1, $3::int) g
        where not exists (select 1 from tenants x where x.slug = 's-' || lpad(g::text, 5, '0'))
       returning id, slug
     ), m as (
       insert into tenant_memberships (tenant_id, user_id, role) select id, $2, 'operator' from t
     )
     insert into provider_connections (tenant_id, name, cloud, client_id, secret_ciphertext, credential_expires_at,
                                       consent_status, granted_permissions, last_verified_at, verification_status, is_default)
     select t.id, 'Default', 'sandbox', gen_random_uuid()::text, 'v1.bench.bench.bench',
            now() + case when right(t.slug, 5)::int % 100 = 0 then interval '10 days' else interval '1 year' end,
            case when right(t.slug, 5)::int % 50 = 0 then 'missing' else 'granted' end,
            case when right(t.slug, 5)::int % 50 = 0 then '{}'::text[] else $4::text[] end,
            now(), 'succeeded', true
       from t`,
    [workspaceId, userId, tenants, ALL_PERMISSIONS],
  );
}

/**
 * Runs `from`+1 … `to` of the history, spread evenly over the workspace's tenants (run g on
 * tenant g mod N, N passed in: a join on a modulus of a column of the other side is a nested loop), one every 30 s back from now (a million runs ≈ 347 days), oldest first, so
 * the table's physical order follows created_at as it would in production. A quarter are
 * scheduled. Outcomes: mostly succeeded; some failed, partially succeeded, cancelled, blocked.
 */
async function seedRuns(c: pg.Client, workspaceId: string, userId: string, range: { from: number; to: number; total: number; tenants: number }): Promise<void> {
  const { from, to, total, tenants } = range;
  await c.query(
    `with t as (
       select t.id as tenant_id, pc.id as connection_id, (row_number() over (order by t.slug) - 1)::int as i
         from tenants t join provider_connections pc on pc.tenant_id = t.id and pc.is_default
        where t.workspace_id = $1
     ), g as (
       select g, $4::text[] as types,
              -- two pseudo-random numbers per run, independent of its tenant (g mod N): d (0..999)
              -- for the outcome, e (0..996) for the type and the trigger
              ((g::bigint * 7919 + 104729) % 1000)::int as d,
              ((g::bigint * 104723 + 7) % 997)::int as e,
              now() - ($6::int - g) * interval '30 seconds' - (g % 1000) * interval '1 millisecond' as at
         from generate_series($2::int + 1, $3::int) g
     ), o as (
       select g.*, case when e % 4 = 0 then 'scheduled' else 'operator' end as trigger, types[1 + (e / 4) % array_length(types, 1)] as type,
              case when d < 50 then 'blocked'
                   when e % 4 = 0 and d >= 995 then 'failed' -- scheduled
                   when e % 4 <> 0 and d >= 920 then 'failed' -- operator
                   when d between 50 and 99 then 'partially_succeeded'
                   when d between 100 and 119 then 'cancelled'
                   else 'succeeded' end as outcome
         from g
     )
     insert into operation_runs (workspace_id, tenant_id, type, provider_connection_id, initiator_user_id, trigger, status, outcome,
                                 reason_code, reason_params, summary_counts, context, dedupe_key, blocked_fingerprint,
                                 attempt_count, last_attempt_at, created_at, started_at, completed_at)
     select $1::uuid, t.tenant_id, o.type, t.connection_id,
            case when o.trigger = 'operator' then $5::uuid end, o.trigger, 'completed', o.outcome,
            case o.outcome when 'blocked' then 'provider_consent_missing' when 'failed' then 'provider_unavailable' end,
            '{}'::jsonb,
            case when o.outcome in ('succeeded', 'partially_succeeded') then jsonb_build_object('items', o.d) else '{}'::jsonb end,
            jsonb_build_object('providerConnectionName', 'Default'),
            case when o.outcome <> 'blocked' then o.type || '|t:' || t.tenant_id end,
            case when o.outcome = 'blocked' then 'bench|' || t.connection_id end,
            1, o.at, o.at,
            case when o.outcome <> 'blocked' then o.at + interval '200 milliseconds' end,
            o.at + case when o.outcome = 'blocked' then interval '0' else interval '200 milliseconds' + (o.d % 60) * interval '1 second' end
       from o join t on t.i = o.g % $7::int`,
    [workspaceId, from, to, HISTORY_TYPES, userId, total, tenants],
  );
}

/**
 * Grows the scale workspace to `tenants` tenants and `runs` historical runs (adding only what
 * is missing), then VACUUM ANALYZE, as autovacuum would leave the tables in steady state.
 * Runs are added in batches of 100,000 (one statement each) so no single statement holds a
 * million rows in memory. `runsTotal` fixes the timeline (run g is created (runsTotal − g) × 30 s
 * ago), so the history of a grown seed is the same as one seeded at once.
 */
export async function seedScale(
  url: string,
  opts: { tenants: number; runs: number; runsTotal: number },
  log: (line: string) => void = () => undefined,
): Promise<ScaleWorkspace> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    const { workspaceId, userId } = await ensureWorkspace(c);
    let t = Date.now();
    await seedTenants(c, workspaceId, userId, opts.tenants);
    const {
      rows: [have],
    } = await c.query<{ tenants: number; runs: number }>(
      `select (select count(*)::int from tenants where workspace_id = $1) as tenants,
              (select count(*)::int from operation_runs r join tenants t on t.id = r.tenant_id where t.workspace_id = $1) as runs`,
      [workspaceId],
    );
    log(`seed: ${have!.tenants} tenants in ${Date.now() - t} ms`);
    t = Date.now();
    const BATCH = 100_000;
    for (let from = have!.runs; from < opts.runs; from += BATCH) {
      await seedRuns(c, workspaceId, userId, { from, to: Math.min(opts.runs, from + BATCH), total: opts.runsTotal, tenants: have!.tenants });
    }
    log(`seed: ${opts.runs - have!.runs} runs in ${Date.now() - t} ms`);
    t = Date.now();
    await c.query('vacuum analyze tenants, tenant_memberships, provider_connections, operation_runs');
    log(`seed: vacuum analyze in ${Date.now() - t} ms`);
    return { workspaceId, userId, tenants: have!.tenants, runs: Math.max(have!.runs, opts.runs) };
  } finally {
    await c.end();
  }
}
