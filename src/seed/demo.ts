// Seeds the demo fixtures into an empty database (no workspace yet); otherwise does nothing.
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { DEFAULT_COUNTS, generateTenantData } from '../../sandbox/index.ts';
import { hashPassword } from '../security/passwords.ts';
import { credentialAad, type SecretBox } from '../security/secret-box.ts';
import { nextFire } from '../schedules/cron.ts';
import { DEMO_PASSWORD, DEMO_WORKSPACES } from './demo-fixture.ts';
import { DEMO_MSP_APP, seedMspApp } from './msp-app.ts';

const DAY = 86_400_000;

export async function seedDemo(db: Db, box: SecretBox, now = new Date()): Promise<{ seeded: boolean }> {
  return db.transaction().execute(async (tx) => {
    // Two processes seeding at once: the second waits, then sees the first one's rows.
    await sql`select pg_advisory_xact_lock(4242, 2)`.execute(tx);
    const existing = await tx.selectFrom('workspaces').select('id').limit(1).executeTakeFirst();
    if (existing) return { seeded: false };
    const passwordHash = await hashPassword(DEMO_PASSWORD);

    for (const ws of DEMO_WORKSPACES) {
      const { id: workspaceId } = await tx.insertInto('workspaces').values({ slug: ws.slug, name: ws.name }).returning('id').executeTakeFirstOrThrow();
      const members: { id: string; role: (typeof ws.members)[number]['role'] }[] = [];
      for (const m of ws.members) {
        const { id } = await tx
          .insertInto('users')
          .values({ email: m.email, display_name: m.displayName, password_hash: passwordHash })
          .returning('id')
          .executeTakeFirstOrThrow();
        // Every demo member holds every tenant of their workspace, also ones onboarded later.
        await tx.insertInto('workspace_members').values({ workspace_id: workspaceId, user_id: id, role: m.role, all_tenants: true }).execute();
        members.push({ id, role: m.role });
      }
      for (const t of ws.tenants) {
        const { id: tenantId } = await tx
          .insertInto('tenants')
          .values({ workspace_id: workspaceId, slug: t.slug, name: t.name, entra_tenant_id: t.entraTenantId, status: t.status })
          .returning('id')
          .executeTakeFirstOrThrow();
        await tx
          .insertInto('tenant_memberships')
          .values(members.map((m) => ({ tenant_id: tenantId, user_id: m.id, role: m.role })))
          .execute();
        for (const c of t.connections) {
          const id = crypto.randomUUID();
          await tx
            .insertInto('provider_connections')
            .values({
              id,
              tenant_id: tenantId,
              name: c.name,
              cloud: 'sandbox',
              client_id: c.clientId,
              secret_ciphertext: box.seal(c.secret, credentialAad({ table: 'provider_connections', id }, 'secret_ciphertext')),
              credential_expires_at: new Date(now.getTime() + c.secretExpiresInDays * DAY),
              is_default: c.isDefault,
              consent_status: c.consent,
              granted_permissions: c.consent === 'granted' ? [...c.permissions] : [],
              last_verified_at: new Date(now.getTime() - DAY),
              verification_status: c.consent === 'granted' ? 'succeeded' : 'failed',
              verification_reason_code: c.consent === 'granted' ? null : 'provider_consent_missing',
            })
            .execute();
        }
        if (t.restoreRuns?.length) {
          // Restore items mirror the sandbox tenant's real configurations: half still exist there
          // (restore updates them), half were deleted since the backup (restore re-creates them).
          const existing = generateTenantData(t.entraTenantId, `${t.slug}.onmicrosoft.com`, DEFAULT_COUNTS).deviceConfigurations.map((d) => d.id);
          for (const r of t.restoreRuns) await seedRestoreRun(tx, tenantId, r, existing);
        }
      }
      // The workspace app, with no connection on it yet (msp-app.ts).
      if (ws.slug === DEMO_MSP_APP.workspaceSlug) await seedMspApp(tx, box, workspaceId, now);
      for (const sc of ws.schedules ?? []) {
        await tx
          .insertInto('schedules')
          .values({
            workspace_id: workspaceId,
            name: sc.name,
            type: sc.type,
            selection: JSON.stringify(sc.tenants),
            cron: sc.cron,
            timezone: sc.timezone,
            next_fire_at: nextFire(sc.cron, sc.timezone, now),
          })
          .execute();
      }
    }
    return { seeded: true };
  });
}

async function seedRestoreRun(tx: Db, tenantId: string, r: { name: string; items: number }, existingIds: string[]): Promise<void> {
  const { id: restoreRunId } = await tx.insertInto('restore_runs').values({ tenant_id: tenantId, name: r.name }).returning('id').executeTakeFirstOrThrow();
  for (let i = 0; i < r.items; i++) {
    const displayName = `Baseline - ${['Windows security', 'BitLocker', 'Defender', 'Wi-Fi', 'VPN', 'Edge'][i % 6]} ${i + 1}`;
    // The first half still exist in the tenant (updated on restore), the rest were deleted (re-created).
    const sourceId = (i < r.items / 2 ? existingIds[i] : undefined) ?? `deleted-${String(i).padStart(4, '0')}`;
    const { id } = await tx
      .insertInto('backup_items')
      .values({
        tenant_id: tenantId,
        resource_type: 'deviceConfiguration',
        source_id: sourceId,
        display_name: displayName,
        payload: JSON.stringify({ '@odata.type': '#microsoft.graph.windows10GeneralConfiguration', displayName, description: 'Restored by opsgate' }),
        assignments: JSON.stringify([{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }]),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx.insertInto('restore_run_items').values({ restore_run_id: restoreRunId, backup_item_id: id, position: i }).execute();
  }
}
