// Scopes (provider connections) for the storms, on the demo tenants.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../../src/db/connect.ts';
import { ALL_PERMISSIONS } from '../../../src/operations/permissions.ts';
import { credentialAad, type SecretBox } from '../../../src/security/secret-box.ts';
import { connectionOf, tenantBySlug, userByEmail } from '../../helpers/seed.ts';

export interface Scope {
  tenantId: string;
  connectionId: string;
  clientId: string;
  secret: string;
}

/**
 * `n` healthy connections, each a protected scope of its own, each on a tenant of its own (as an
 * MSP's customer tenants are): the tenant-data operations are deduped per tenant, so scopes on
 * one tenant would mostly answer "already running" and leave little to admit. The tenants share
 * the named demo tenant's workspace and Entra tenant id, so the sandbox serves (and slows) them
 * all through that one tenant.
 */
export async function createScopes(db: Db, box: SecretBox, tenantSlug: string, n: number, prefix = 'rel'): Promise<Scope[]> {
  const base = await tenantBySlug(db, tenantSlug);
  const specs = Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    clientId: randomUUID(),
    secret: `sbx~${prefix}-${i}-${randomUUID()}`.slice(0, 40),
    name: `${prefix}-${i}`,
  }));
  const tenants = await db
    .insertInto('tenants')
    .values(
      specs.map((s) => ({
        workspace_id: base.workspace_id,
        slug: `${prefix}-${s.clientId.slice(0, 8)}`,
        name: `Reliability ${s.name}`,
        entra_tenant_id: base.entra_tenant_id,
        status: 'active' as const,
      })),
    )
    .returning(['id', 'slug'])
    .execute();
  const tenantOf = (s: (typeof specs)[number]) => tenants.find((t) => t.slug === `${prefix}-${s.clientId.slice(0, 8)}`)!.id;
  const rows = await db
    .insertInto('provider_connections')
    .values(
      specs.map((s) => ({
        id: s.id,
        tenant_id: tenantOf(s),
        name: s.name,
        cloud: 'sandbox' as const,
        client_id: s.clientId,
        // Bound to its row, like every stored credential (credentialAad).
        secret_ciphertext: box.seal(s.secret, credentialAad({ table: 'provider_connections', id: s.id }, 'secret_ciphertext')),
        credential_expires_at: new Date(Date.now() + 365 * 86_400_000),
        consent_status: 'granted' as const,
        granted_permissions: [...ALL_PERMISSIONS],
        last_verified_at: new Date(),
        verification_status: 'succeeded' as const,
      })),
    )
    .returning(['id', 'client_id', 'tenant_id'])
    .execute();
  return rows.map((r) => {
    const s = specs.find((x) => x.clientId === r.client_id)!;
    return { tenantId: r.tenant_id, connectionId: r.id, clientId: s.clientId, secret: s.secret };
  });
}

export interface StormWorld {
  operatorId: string;
  scopes: Scope[];
  /** A scope the preflight refuses (woodgrove: consent missing). */
  blocked: { tenantId: string; connectionId: string };
}

export async function stormWorld(db: Db, box: SecretBox, scopes: number): Promise<StormWorld> {
  const operator = await userByEmail(db, 'operator@contoso.example');
  const woodgrove = await connectionOf(db, 'woodgrove');
  return {
    operatorId: operator.id,
    scopes: await createScopes(db, box, 'northwind', scopes),
    blocked: { tenantId: woodgrove.tenant_id, connectionId: woodgrove.id },
  };
}
