// Reading the audit log: who may see which rows, the filters, keyset paging and the row as the
// API shows it. The JSON list and the CSV export both read through `auditPage`.
//
// Who sees what (docs/API.md, "Audit"): tenant isolation as everywhere, so a row about a tenant
// is visible to the members of that tenant whose tenant role grants audit.view; a row about no
// tenant (sign-ins, setup) is visible to the members of its workspace whose workspace role
// grants audit.view. Someone who holds audit.view nowhere is refused (403).
import { sql } from 'kysely';
import { rolesWith } from '../access/capabilities.ts';
import type { Db } from '../db/connect.ts';
import type { ReasonParams } from '../db/schema.ts';
import { operationNoun } from '../presenter/labels.ts';
import { runUrl } from '../presenter/links.ts';
import { explain } from '../reasons/catalogue.ts';
import { isReasonCode } from '../reasons/codes.ts';
import { publicDetails } from './redact.ts';

/** Keyset position: the row's time in microseconds since the epoch, and its id (ties). */
export interface Cursor {
  atMicros: string;
  id: string;
}

// 18 digits each: within bigint, and the time within timestamptz (year ~33 000).
export const CURSOR_SHAPE = /^\d{1,18}-\d{1,18}$/;
export const encodeCursor = (c: Cursor) => `${c.atMicros}-${c.id}`;
export function decodeCursor(s: string): Cursor {
  const [atMicros, id] = s.split('-') as [string, string];
  return { atMicros, id };
}

export interface AuditFilter {
  /** Already checked: the user holds audit.view on it. */
  tenantId?: string | undefined;
  /** An email (any case) or a user id. */
  actor?: string | undefined;
  /** An exact action, or a prefix ending in `.*` (`provider_connection.*`). */
  action?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  before?: Cursor | undefined;
}

export interface AuditItem {
  id: string;
  at: string;
  actor: { email: string } | null;
  action: string;
  tenant: { slug: string } | null;
  outcome: string | null;
  operationType: string | null;
  run: { id: string; url: string } | null;
  reason: { code: string; message: string } | null;
  details: Record<string, unknown>;
}

export interface AuditPage {
  items: AuditItem[];
  next: string | null;
}

const AUDIT_ROLES = rolesWith('audit.view');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether the user may read any audit row at all (else the route answers 403). */
export async function holdsAuditView(db: Db, userId: string): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    select exists (select 1 from tenant_memberships where user_id = ${userId} and role = any(${AUDIT_ROLES}))
        or exists (select 1 from workspace_members where user_id = ${userId} and role = any(${AUDIT_ROLES})) as ok`.execute(db);
  return rows[0]?.ok === true;
}

export async function auditPage(db: Db, userId: string, f: AuditFilter, limit: number): Promise<AuditPage> {
  let q = db
    .selectFrom('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .leftJoin('tenants as t', 't.id', 'a.tenant_id')
    // A pruned run (retention) leaves its audit rows; they then point to no run.
    .leftJoin('operation_runs as r', 'r.id', 'a.run_id')
    .select([
      sql<string>`a.id::text`.as('id'),
      'a.created_at',
      sql<string>`(extract(epoch from a.created_at) * 1000000)::bigint::text`.as('at_us'),
      'u.email as actor_email',
      'a.action',
      't.slug as tenant_slug',
      'a.outcome',
      'a.operation_type',
      'r.id as run_id',
      'a.reason_code',
      'a.details',
    ]);
  if (f.tenantId) {
    q = q.where('a.tenant_id', '=', f.tenantId);
  } else {
    q = q.where((eb) =>
      eb.or([
        eb('a.tenant_id', 'in', eb.selectFrom('tenant_memberships').select('tenant_id').where('user_id', '=', userId).where('role', 'in', AUDIT_ROLES)),
        eb.and([
          eb('a.tenant_id', 'is', null),
          eb('a.workspace_id', 'in', eb.selectFrom('workspace_members').select('workspace_id').where('user_id', '=', userId).where('role', 'in', AUDIT_ROLES)),
        ]),
      ]),
    );
  }
  if (f.actor) {
    q = UUID.test(f.actor)
      ? q.where('a.actor_user_id', '=', f.actor)
      : q.where('a.actor_user_id', '=', (eb) => eb.selectFrom('users').select('id').where('email', '=', f.actor!.toLowerCase()));
  }
  if (f.action) {
    q = f.action.endsWith('.*')
      ? // `_` is a LIKE wildcard and a character of action names: escape it.
        q.where('a.action', 'like', `${f.action.slice(0, -1).replaceAll('_', '\\_')}%`)
      : q.where('a.action', '=', f.action);
  }
  if (f.since) q = q.where('a.created_at', '>=', f.since);
  if (f.until) q = q.where('a.created_at', '<', f.until);
  if (f.before) {
    const { atMicros, id } = f.before;
    q = q.where(sql<boolean>`(a.created_at, a.id) < (timestamptz 'epoch' + ${atMicros}::bigint * interval '1 microsecond', ${id}::bigint)`);
  }
  const rows = await q
    .orderBy('a.created_at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(limit + 1)
    .execute();
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    items: page.map(presentRow),
    next: more && last ? encodeCursor({ atMicros: last.at_us, id: last.id }) : null,
  };
}

interface Row {
  id: string;
  created_at: Date;
  actor_email: string | null;
  action: string;
  tenant_slug: string | null;
  outcome: string | null;
  operation_type: string | null;
  run_id: string | null;
  reason_code: string | null;
  details: unknown;
}

function presentRow(r: Row): AuditItem {
  const details = publicDetails(r.details);
  return {
    id: r.id,
    at: r.created_at.toISOString(),
    actor: r.actor_email ? { email: r.actor_email } : null,
    action: r.action,
    tenant: r.tenant_slug ? { slug: r.tenant_slug } : null,
    outcome: r.outcome,
    operationType: r.operation_type,
    run: r.run_id ? { id: r.run_id, url: runUrl(r.run_id) } : null,
    reason: r.reason_code ? reasonOf(r.reason_code, r.tenant_slug, details) : null,
    details,
  };
}

/** The catalogue's sentence, so a reason reads the same here as in the start answer. */
function reasonOf(code: string, tenantSlug: string | null, details: Record<string, unknown>): { code: string; message: string } {
  if (!isReasonCode(code)) return { code, message: code };
  const params: ReasonParams = { ...((details.reasonParams ?? {}) as ReasonParams) };
  if (code === 'scope_busy' && typeof details.holdingRunType === 'string') params.holdingType = operationNoun(details.holdingRunType);
  return { code, message: explain(code, params, { tenantSlug: tenantSlug ?? '', providerConnectionId: null }).message };
}
