// First run: a database with no user gets its first workspace and owner here, from the
// /setup page (with the token a serve/start process printed) or from `opsgate setup`.
// Exactly one setup ever succeeds: the check "no user yet" and the inserts run in one
// transaction under the same advisory lock the demo seed takes, so two setups (or a setup
// and a seed) racing on any number of processes are serialised by Postgres and the later
// one finds a user and is refused.
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { hashPassword } from '../security/passwords.ts';

/** Shared with src/seed/demo.ts: whoever creates the first users holds it. */
const FIRST_USERS_LOCK = sql`select pg_advisory_xact_lock(4242, 2)`;

export const MIN_PASSWORD_LENGTH = 12;

export class SetupError extends Error {
  readonly code: 'already_set_up' | 'bad_token';
  constructor(code: 'already_set_up' | 'bad_token') {
    super(
      code === 'already_set_up'
        ? 'opsgate is already set up: a user exists. Sign in instead.'
        : 'The setup token is wrong. Use the URL the server printed at start-up.',
    );
    this.code = code;
  }
}

const digest = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export async function setupNeeded(db: Db): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  return !row;
}

/**
 * A fresh single-use token for this process's setup URL, or null when a user exists. Each
 * process that starts without a user prints its own; all stay valid until a setup succeeds.
 */
export async function issueSetupToken(db: Db): Promise<string | null> {
  if (!(await setupNeeded(db))) return null;
  const token = crypto.randomBytes(32).toString('base64url');
  await db
    .insertInto('setup_tokens')
    .values({ token_hash: digest(token) })
    .execute();
  return token;
}

export interface SetupInput {
  /** null: the CLI, which runs with the database's own credentials and needs no token. */
  token: string | null;
  workspaceName: string;
  email: string;
  displayName: string;
  password: string;
  via: 'web' | 'cli';
}

/** Lowercase letters, digits and dashes, like tenant slugs. */
export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50);
  return s || 'workspace';
}

export async function completeSetup(db: Db, input: SetupInput): Promise<{ userId: string; workspaceId: string }> {
  // Hashing is slow on purpose: do it before taking the lock.
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (tx) => {
    await FIRST_USERS_LOCK.execute(tx);
    const anyUser = await tx.selectFrom('users').select('id').limit(1).executeTakeFirst();
    if (anyUser) throw new SetupError('already_set_up');
    if (input.token !== null) {
      const known = await tx.selectFrom('setup_tokens').select('token_hash').where('token_hash', '=', digest(input.token)).executeTakeFirst();
      if (!known) throw new SetupError('bad_token');
    }
    // No user means no workspace anyone can reach; a leftover slug still gets a suffix.
    const base = slugify(input.workspaceName);
    const taken = await tx.selectFrom('workspaces').select('slug').where('slug', 'like', `${base}%`).execute();
    let slug = base;
    for (let i = 2; taken.some((t) => t.slug === slug); i++) slug = `${base}-${i}`;
    const ws = await tx.insertInto('workspaces').values({ slug, name: input.workspaceName }).returning('id').executeTakeFirstOrThrow();
    const user = await tx
      .insertInto('users')
      .values({ email: input.email.toLowerCase(), display_name: input.displayName, password_hash: passwordHash })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The first owner holds every tenant, including all those onboarded later by anyone.
    await tx.insertInto('workspace_members').values({ workspace_id: ws.id, user_id: user.id, role: 'owner', all_tenants: true }).execute();
    // Every printed URL is void now, whichever process printed it.
    await tx.deleteFrom('setup_tokens').execute();
    await tx
      .insertInto('audit_log')
      .values({
        workspace_id: ws.id,
        actor_user_id: user.id,
        action: 'setup',
        outcome: 'succeeded',
        details: JSON.stringify({ workspace: slug, email: input.email.toLowerCase(), via: input.via }),
      })
      .execute();
    return { userId: user.id, workspaceId: ws.id };
  });
}
