// Onboarding bootstrap admits one selection at a time through the gate; the chain stops at
// a blocker with its reason and resumes after the fix; concurrent submissions admit once.
import crypto from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearTokenClientCache } from '../../src/provider/microsoft/index.ts';
import { continueAfterRun, submitBootstrap, resumeBootstrap } from '../../src/onboarding/bootstrap.ts';
import { createSession, loadSession, setConnection, startVerification, finishSession, type OnboardingSession } from '../../src/onboarding/sessions.ts';
import { ALL_PERMISSIONS } from '../../src/operations/permissions.ts';
import { explain } from '../../src/reasons/catalogue.ts';
import { start } from '../../src/gate/start.ts';
import { testBox, userByEmail } from '../helpers/seed.ts';
import { createWorkerEnv, waitForJobGone, waitForRun, type WorkerEnv } from '../helpers/worker-env.ts';

let env: WorkerEnv;
let ownerId: string;
let workspaceId: string;

beforeAll(async () => {
  env = await createWorkerEnv();
  ownerId = (await userByEmail(env.tdb.db, 'owner@contoso.example')).id;
  workspaceId = (await env.tdb.db.selectFrom('workspaces').select('id').where('slug', '=', 'contoso-msp').executeTakeFirstOrThrow()).id;
});
afterAll(async () => env.close());

/** A brand-new customer tenant in the sandbox cloud and an onboarding session for it. */
async function newOnboarding(slug: string, roles: readonly string[] = ALL_PERMISSIONS) {
  const entraTenantId = crypto.randomUUID();
  env.sandbox.state.addTenant({ id: entraTenantId, displayName: slug });
  const { app, secret } = env.sandbox.state.addApp(entraTenantId, { consentGranted: true, grantedRoles: [...roles] });
  let session = await createSession(env.tdb.db, { workspaceId, userId: ownerId, name: slug, slug, entraTenantId });
  await setConnection(env.tdb.db, testBox, session, ownerId, {
    name: 'Primary',
    clientId: app.clientId,
    clientSecret: secret,
    secretExpiresAt: new Date(Date.now() + 90 * 86_400_000),
    cloud: 'sandbox',
  });
  session = (await loadSession(env.tdb.db, session.id))!;
  return { session, entraTenantId, clientId: app.clientId };
}

async function selections(sessionId: string) {
  return env.tdb.db
    .selectFrom('onboarding_selections as s')
    .leftJoin('operation_runs as r', 'r.id', 's.run_id')
    .select(['s.type', 's.state', 's.reason_code', 's.run_id', 'r.started_at', 'r.completed_at', 'r.trigger', 'r.initiator_user_id'])
    .where('s.session_id', '=', sessionId)
    .orderBy('s.position')
    .execute();
}

async function waitForSelections(sessionId: string, done: (s: Awaited<ReturnType<typeof selections>>) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await selections(sessionId);
    if (done(s)) return s;
    if (Date.now() > deadline) throw new Error(`selections still ${JSON.stringify(s.map((x) => [x.type, x.state]))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sequential bootstrap', () => {
  it('three selections run strictly one after another, each through the gate', async () => {
    await env.startWorker({ concurrency: 4 });
    const { session } = await newOnboarding('seq-one');
    const v = await startVerification(env.tdb.db, session, ownerId);
    expect(v.outcome).toBe('accepted');
    expect(await waitForRun(env.tdb.db, v.run.id)).toMatchObject({ outcome: 'succeeded', type: 'onboarding.verification' });

    const answer = await submitBootstrap(env.tdb.db, session, ownerId, ['inventory.sync', 'entra_group_sync', 'directory_role_definitions.sync']);
    expect(answer).toMatchObject({ kind: 'started', type: 'inventory.sync', result: { outcome: 'accepted' } });
    const after = await selections(session.id);
    expect(after.map((s) => s.state)).toEqual(['queued', 'pending', 'pending']);

    const done = await waitForSelections(session.id, (s) => s.every((x) => x.state === 'succeeded'));
    for (let i = 1; i < done.length; i++) {
      // no overlap: each step starts after the previous one completed
      expect(done[i]!.started_at!.getTime()).toBeGreaterThanOrEqual(done[i - 1]!.completed_at!.getTime());
    }
    // The first was the operator's click; the continuation acts for them as a system start.
    expect(done.map((s) => s.trigger)).toEqual(['operator', 'system', 'system']);
    expect(done.every((s) => s.initiator_user_id === ownerId)).toBe(true);
    // One terminal notification per step to the person who started the bootstrap, follow-on
    // steps included.
    const notes = await env.tdb.db
      .selectFrom('notifications')
      .select(['run_id', 'user_id'])
      .where(
        'run_id',
        'in',
        done.map((s) => s.run_id!),
      )
      .execute();
    expect(notes.map((n) => n.user_id)).toEqual([ownerId, ownerId, ownerId]);
    expect(new Set(notes.map((n) => n.run_id))).toEqual(new Set(done.map((s) => s.run_id)));

    await finishSession(env.tdb.db, (await loadSession(env.tdb.db, session.id))!, ownerId);
    const tenant = await env.tdb.db.selectFrom('tenants').select('status').where('id', '=', session.tenant_id).executeTakeFirstOrThrow();
    expect(tenant.status).toBe('active');
  });

  it('a blocked selection stops the chain with its reason; after the fix and a verification it resumes', async () => {
    const lacking = ALL_PERMISSIONS.filter((p) => p !== 'Group.Read.All');
    const { session, entraTenantId, clientId } = await newOnboarding('seq-blocked', lacking);
    const v = await startVerification(env.tdb.db, session, ownerId);
    expect(await waitForRun(env.tdb.db, v.run.id)).toMatchObject({ outcome: 'partially_succeeded', reason_code: 'provider_permission_missing' });

    await submitBootstrap(env.tdb.db, session, ownerId, ['inventory.sync', 'entra_group_sync', 'compliance.snapshot']);
    const stopped = await waitForSelections(session.id, (s) => s[1]!.state === 'blocked');
    expect(stopped.map((s) => [s.type, s.state, s.reason_code])).toEqual([
      ['inventory.sync', 'succeeded', null],
      ['entra_group_sync', 'blocked', 'provider_permission_missing'],
      ['compliance.snapshot', 'pending', null],
    ]);
    // The blocked step is canonical blocked truth: a run that was never enqueued.
    const blockedRun = await env.tdb.db.selectFrom('operation_runs').selectAll().where('id', '=', stopped[1]!.run_id!).executeTakeFirstOrThrow();
    expect(blockedRun).toMatchObject({ outcome: 'blocked', status: 'completed', started_at: null });

    // Fix: the customer's admin grants the permission; verification refreshes the stored facts.
    env.sandbox.state.updateApp(entraTenantId, clientId, { grantedRoles: [...ALL_PERMISSIONS] });
    env.sandbox.state.revokeTokens(entraTenantId, clientId);
    clearTokenClientCache();
    const again = await startVerification(env.tdb.db, (await loadSession(env.tdb.db, session.id))!, ownerId);
    expect(await waitForRun(env.tdb.db, again.run.id)).toMatchObject({ outcome: 'succeeded' });
    const resumed = await waitForSelections(session.id, (s) => s.every((x) => x.state === 'succeeded'));
    expect(resumed.map((s) => s.type)).toEqual(['inventory.sync', 'entra_group_sync', 'compliance.snapshot']);
  });

  it('a failed step can be restarted with "start next"', async () => {
    const { session, entraTenantId, clientId } = await newOnboarding('seq-failed');
    const v = await startVerification(env.tdb.db, session, ownerId);
    await waitForRun(env.tdb.db, v.run.id);
    env.sandbox.state.setAppFaults(entraTenantId, clientId, { serverErrorsNext: 1000 });
    await submitBootstrap(env.tdb.db, session, ownerId, ['entra_group_sync', 'directory_role_definitions.sync']);
    const failed = await waitForSelections(session.id, (s) => s[0]!.state === 'failed');
    expect(failed.map((s) => [s.state, s.reason_code])).toEqual([
      ['failed', 'provider_unavailable'],
      ['pending', null],
    ]);
    env.sandbox.state.setAppFaults(entraTenantId, clientId, {});
    const resumed = await resumeBootstrap(env.tdb.db, (await loadSession(env.tdb.db, session.id))!, ownerId);
    expect(resumed).toMatchObject({ kind: 'started', type: 'entra_group_sync', result: { outcome: 'accepted' } });
    await waitForSelections(session.id, (s) => s.every((x) => x.state === 'succeeded'));
  });
});

describe('concurrency', () => {
  it('concurrent submissions of one session never produce two active runs', async () => {
    for (let round = 0; round < 5; round++) {
      const { session } = await newOnboarding(`seq-race-${round}`);
      // Verification first (without waiting for a worker-driven chain to matter).
      const v = await startVerification(env.tdb.db, session, ownerId);
      await waitForRun(env.tdb.db, v.run.id);
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => submitBootstrap(env.tdb.db, session, ownerId, ['inventory.sync', 'compliance.snapshot'])),
      );
      // One submission admits the first selection and the others find it active. On a busy
      // machine it may also finish before the last submissions take the session lock; then one
      // of them admits the next selection, as the worker's continuation would. Never two at once.
      const accepted = answers.filter((a) => a.kind === 'started' && a.result.outcome === 'accepted');
      expect(accepted.length).toBeGreaterThanOrEqual(1);
      expect(answers.filter((a) => a.kind === 'busy').length + accepted.length).toBe(6);
      const runs = await env.tdb.db
        .selectFrom('operation_runs')
        .select(['type', 'created_at', 'completed_at'])
        .where(
          'id',
          'in',
          accepted.map((a) => (a.kind === 'started' ? a.result.run.id : '')),
        )
        .orderBy('created_at')
        .execute();
      expect(new Set(runs.map((r) => r.type)).size).toBe(accepted.length);
      for (const [i, r] of runs.entries()) {
        const before = runs[i - 1];
        if (before) expect(before.completed_at && r.created_at >= before.completed_at, `${r.type} admitted after ${before.type} ended`).toBe(true);
      }
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from operation_runs
         where provider_connection_id = ${session.provider_connection_id} and status in ('queued', 'running')`.execute(env.tdb.db);
      expect(rows[0]!.n).toBeLessThanOrEqual(1);
      const s = await selections(session.id);
      expect(s.map((x) => x.type)).toEqual(['inventory.sync', 'compliance.snapshot']);
      await waitForSelections(session.id, (x) => x.every((y) => y.state === 'succeeded'));
    }
  });

  it('the continuation is idempotent: replaying a completion admits nothing twice', async () => {
    const { session } = await newOnboarding('seq-replay');
    const v = await startVerification(env.tdb.db, session, ownerId);
    await waitForRun(env.tdb.db, v.run.id);
    await submitBootstrap(env.tdb.db, session, ownerId, ['inventory.sync', 'entra_group_sync']);
    const s = await waitForSelections(session.id, (x) => x[0]!.state === 'succeeded');
    const first = await env.tdb.db.selectFrom('operation_runs').selectAll().where('id', '=', s[0]!.run_id!).executeTakeFirstOrThrow();
    await Promise.all([continueAfterRun(env.tdb.db, first), continueAfterRun(env.tdb.db, first)]);
    const done = await waitForSelections(session.id, (x) => x.every((y) => y.state === 'succeeded'));
    const runs = await env.tdb.db
      .selectFrom('operation_runs')
      .select('id')
      .where('type', '=', 'entra_group_sync')
      .where('tenant_id', '=', session.tenant_id)
      .execute();
    expect(runs.map((r) => r.id)).toEqual([done[1]!.run_id]);
  });

  /**
   * An admission as submitBootstrap makes it, held under the session lock (src/onboarding/
   * bootstrap.ts) between the gate's answer and the write of the run on its selection, while the
   * worker finishes the run. `waiting` runs before the run is let go (a submission queued for the
   * session ahead of the run's continuation); the continuation then waits for the session too.
   */
  async function admissionOutrunByItsRun(slug: string, waiting?: (session: OnboardingSession) => Promise<unknown>) {
    await env.startWorker();
    const { session, entraTenantId } = await newOnboarding(slug);
    const v = await startVerification(env.tdb.db, session, ownerId);
    await waitForRun(env.tdb.db, v.run.id);
    // The verification's continuation comes after its run completes: were it to find the
    // selections below, it would admit the first step itself (the start below then deduped).
    await waitForJobGone(env.tdb.db, v.run.id);
    await env.tdb.db
      .insertInto('onboarding_selections')
      .values([
        { session_id: session.id, type: 'inventory.sync', position: 0 },
        { session_id: session.id, type: 'entra_group_sync', position: 1 },
      ])
      .execute();
    const waiters = async (n: number) => {
      for (let i = 0; ; i++) {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_locks
          where locktype = 'advisory' and not granted and classid = ${4242_0003}`.execute(env.tdb.db);
        if (rows[0]!.n >= n) return;
        if (i > 400) throw new Error(`fewer than ${n} waiting for the session`);
        await new Promise((res) => setTimeout(res, 25));
      }
    };
    // Slow Graph answers, so whatever waits first is surely queued before the run ends.
    env.sandbox.state.setTenantFaults(entraTenantId, { latencyMs: 300 });
    let queuedFirst: Promise<unknown> = Promise.resolve();
    try {
      await env.tdb.db.transaction().execute(async (tx) => {
        await sql`select pg_advisory_xact_lock(${4242_0003}, hashtext(${session.id}))`.execute(tx);
        const r = await start(env.tdb.db, {
          type: 'inventory.sync',
          tenantId: session.tenant_id,
          trigger: 'operator',
          initiatorUserId: ownerId,
          providerConnectionId: session.provider_connection_id!,
          onboardingSessionId: session.id,
        });
        expect(r.outcome).toBe('accepted');
        if (waiting) {
          queuedFirst = waiting(session);
          await waiters(1);
          expect((await env.tdb.db.selectFrom('operation_runs').select('status').where('id', '=', r.run.id).executeTakeFirstOrThrow()).status).not.toBe(
            'completed',
          );
        }
        await waitForRun(env.tdb.db, r.run.id);
        // The run's continuation waits for the session as well.
        await waiters(waiting ? 2 : 1);
        await env.tdb.db
          .updateTable('onboarding_selections')
          .set({ state: 'queued', run_id: r.run.id })
          .where('session_id', '=', session.id)
          .where('position', '=', 0)
          .execute();
      });
    } finally {
      env.sandbox.state.setTenantFaults(entraTenantId, {});
    }
    const answer = await queuedFirst;
    const done = await waitForSelections(session.id, (x) => x.every((y) => y.state === 'succeeded'));
    const inventoryRuns = await env.tdb.db
      .selectFrom('operation_runs')
      .select('id')
      .where('type', '=', 'inventory.sync')
      .where('tenant_id', '=', session.tenant_id)
      .execute();
    expect(inventoryRuns).toHaveLength(1);
    return { done, answer };
  }

  it("a step that ends before its admission has written its run: the run's continuation still moves the chain on", async () => {
    const { done } = await admissionOutrunByItsRun('seq-fast-end');
    expect(done.map((s) => [s.type, s.trigger])).toEqual([
      ['inventory.sync', 'operator'],
      ['entra_group_sync', 'system'],
    ]);
  });

  it('… and a submission waiting ahead of that continuation admits the next step, not the ended one again', async () => {
    const { done, answer } = await admissionOutrunByItsRun('seq-fast-end-submit', (session) =>
      submitBootstrap(env.tdb.db, session, ownerId, ['inventory.sync', 'entra_group_sync']),
    );
    expect(answer).toMatchObject({ kind: 'started', type: 'entra_group_sync', result: { outcome: 'accepted' } });
    expect(done.map((s) => [s.type, s.trigger])).toEqual([
      ['inventory.sync', 'operator'],
      ['entra_group_sync', 'operator'],
    ]);
  });
});

describe('wording', () => {
  it('a verification failure reads the same in onboarding as on the tenant page', async () => {
    const { session, entraTenantId, clientId } = await newOnboarding('seq-consent');
    env.sandbox.state.updateApp(entraTenantId, clientId, { consentGranted: false });
    const v = await startVerification(env.tdb.db, session, ownerId);
    const onboardingRun = await waitForRun(env.tdb.db, v.run.id);
    await finishSession(env.tdb.db, (await loadSession(env.tdb.db, session.id))!, ownerId);
    const t = await start(env.tdb.db, { type: 'tenant.verification', tenantId: session.tenant_id, trigger: 'operator', initiatorUserId: ownerId });
    const tenantRun = await waitForRun(env.tdb.db, t.run.id);
    expect(onboardingRun.reason_code).toBe('provider_consent_missing');
    expect(tenantRun.reason_code).toBe(onboardingRun.reason_code);
    const links = { tenantSlug: 'seq-consent', providerConnectionId: session.provider_connection_id };
    expect(explain('provider_consent_missing', onboardingRun.reason_params, links)).toEqual(
      explain('provider_consent_missing', tenantRun.reason_params, links),
    );
  });
});
