// Sessions in the console: "Sign out everywhere" in the account menu ends the session in every
// browser; a console left open on a polling page does not keep its session alive (its
// refreshes are background requests) and goes to the sign-in page once the session is idle.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootConsole, type ConsoleEnv } from './harness.ts';
import { closeAll } from '../helpers/teardown.ts';

let env: ConsoleEnv;
beforeAll(async () => {
  env = await bootConsole();
});
afterAll(() => closeAll(env));

describe('the account menu', () => {
  it('"Sign out everywhere" ends the session in this browser and in every other', async () => {
    const here = await env.signIn('manager@contoso.example');
    const there = await env.signIn('manager@contoso.example');
    await here.page.goto('/admin/tenants');
    await here.page.getByRole('heading', { name: 'Tenants' }).first().waitFor();
    // Closed menu: only "Sign out" shows.
    expect(await here.page.getByRole('button', { name: 'Sign out everywhere' }).isVisible()).toBe(false);
    await here.page.getByTestId('user-email').click();
    await here.page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await here.page.waitForURL(/\/login/);
    expect((await there.context.request.get('/api/session')).status()).toBe(401);
    await there.page.goto('/admin/tenants');
    await there.page.waitForURL(/\/login/);
    await here.context.close();
    await there.context.close();
  });
});

describe('idle sessions', () => {
  it("the console's polling does not keep a session alive; once idle, the next refresh goes to sign-in", async () => {
    const { page, context } = await env.signIn('readonly@contoso.example');
    const db = env.runtime.database.db;
    const user = await db.selectFrom('users').select('id').where('email', '=', 'readonly@contoso.example').executeTakeFirstOrThrow();
    const ago = async () =>
      (await sql<{ s: number }>`select min(extract(epoch from now() - last_seen_at))::float8 as s from http_sessions where user_id = ${user.id}`.execute(db))
        .rows[0]!.s;
    await page.goto('/admin/tenants');
    await page.getByRole('heading', { name: 'Tenants' }).first().waitFor();
    // The page's first loads are use; let them finish (on a loaded machine they can outlast the heading).
    await page.waitForLoadState('networkidle');
    // An hour without use; the tenants page refreshes in the background every few seconds.
    await sql`update http_sessions set last_seen_at = now() - interval '1 hour' where user_id = ${user.id}`.execute(db);
    await page.waitForTimeout(8000);
    expect(await ago()).toBeGreaterThan(3590);
    // Past the idle time: the next background refresh is refused and the console signs out.
    await sql`update http_sessions set last_seen_at = now() - interval '2 hours 1 minute' where user_id = ${user.id}`.execute(db);
    await page.waitForURL(/\/login/, { timeout: 20_000 });
    await context.close();
  });
});
