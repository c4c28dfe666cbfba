// The wizard's API over real HTTP, every answer parsed with the strict schema its route serves in
// /openapi.json: a session from creation (no connection, no verification, no selections) through
// its connection, a verification, a bootstrap stopped by the verification holding the connection,
// "Start next" once it ended (a step queued with its run, then already running), finish, and
// the 409 of a session that is no longer a draft. So the document names every field the console
// reads, and an answer with a field the schema lacks (or without one it names) fails here.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAnswerSchema, onboardingSessionSchema } from '../../src/http/routes/onboarding.ts';
import { errorSchema, items, startAnswerSchema } from '../../src/http/schemas.ts';
import { ALL_PERMISSIONS } from '../../src/operations/permissions.ts';
import { call, login, PERSONAS, startTestServer, type TestServer } from './helpers.ts';
import { closeAll } from '../helpers/teardown.ts';

let s: TestServer;
let cookie: string;
beforeAll(async () => {
  s = await startTestServer();
  cookie = await login(s.base, PERSONAS.owner);
});
afterAll(() => closeAll(s));

const api = (method: string, path: string, body?: unknown) => call(s.base, method, path, { cookie, body });
const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

describe('the onboarding API answers what its schemas say', () => {
  it('a session from creation to finish', async () => {
    const created = await api('POST', '/api/onboarding', { name: 'Tailspin Toys', slug: 'tailspin-toys-api', entraTenantId: crypto.randomUUID() });
    expect(created.status, created.text).toBe(201);
    const fresh = onboardingSessionSchema.parse(created.body);
    expect(fresh).toMatchObject({
      status: 'draft',
      tenant: { slug: 'tailspin-toys-api', name: 'Tailspin Toys', status: 'onboarding' },
      providerConnection: null,
      verification: null,
      selections: [],
      pending: [],
      canStartNext: false,
    });
    const id = fresh.id;

    const connected = await api('POST', `/api/onboarding/${id}/connection`, {
      name: 'Primary',
      clientId: crypto.randomUUID(),
      clientSecret: 'onboarding-secret-value',
      secretExpiresAt: future(90),
      cloud: 'sandbox',
    });
    expect(connected.status, connected.text).toBe(200);
    const withConnection = onboardingSessionSchema.parse(connected.body);
    expect(withConnection.providerConnection).toMatchObject({ name: 'Primary', cloud: 'sandbox', kind: 'own_app', appRegistration: null });
    expect(connected.text).not.toContain('onboarding-secret-value');

    const verifying = await api('POST', `/api/onboarding/${id}/verification`);
    expect(verifying.status, verifying.text).toBe(202);
    expect(startAnswerSchema.parse(verifying.body)).toMatchObject({ outcome: 'accepted', label: 'queued' });
    const detail = onboardingSessionSchema.parse((await api('GET', `/api/onboarding/${id}`)).body);
    expect(detail.verification).toMatchObject({ status: 'queued', outcome: 'pending', reason: null });

    // The verification still holds the connection: the first step is refused with its reason.
    const refused = await api('POST', `/api/onboarding/${id}/bootstrap`, { operations: ['inventory.sync', 'entra_group_sync'] });
    expect(refused.status, refused.text).toBe(409);
    const stopped = bootstrapAnswerSchema.parse(refused.body);
    expect(stopped.session.selections.map((x) => x.type)).toEqual(['inventory.sync', 'entra_group_sync']);
    expect(stopped.session.selections[0]!.reason).not.toBeNull();
    expect(stopped.pending).toEqual(['entra_group_sync']);

    // The verification ended well, as a worker would have it: "Start next" admits the first step.
    const conn = withConnection.providerConnection!;
    await sql`update operation_runs set status = 'completed', outcome = 'succeeded', completed_at = now() where id = ${detail.verification!.run.id}`.execute(
      s.tdb.db,
    );
    await sql`delete from graphile_worker._private_jobs`.execute(s.tdb.db);
    await s.tdb.db
      .updateTable('provider_connections')
      .set({ consent_status: 'granted', granted_permissions: [...ALL_PERMISSIONS], verification_status: 'succeeded', last_verified_at: new Date() })
      .where('id', '=', conn.id)
      .execute();
    const next = await api('POST', `/api/onboarding/${id}/bootstrap/next`);
    expect(next.status, next.text).toBe(202);
    const admitted = bootstrapAnswerSchema.parse(next.body);
    expect(admitted).toMatchObject({ outcome: 'accepted', operationType: 'inventory.sync' });
    expect(admitted.session.selections[0]).toMatchObject({ state: 'queued', reason: null, nextSteps: [] });
    expect(admitted.session.selections[0]!.run?.id).toBe(admitted.run?.id);

    const again = await api('POST', `/api/onboarding/${id}/bootstrap/next`);
    expect(again.status, again.text).toBe(200);
    expect(bootstrapAnswerSchema.parse(again.body)).toMatchObject({ outcome: 'deduped', run: { id: admitted.run!.id } });

    const listed = await api('GET', '/api/onboarding');
    expect(listed.status).toBe(200);
    expect(
      items(onboardingSessionSchema)
        .parse(listed.body)
        .items.map((x) => x.id),
    ).toContain(id);

    const finished = await api('POST', `/api/onboarding/${id}/finish`);
    expect(finished.status, finished.text).toBe(200);
    expect(onboardingSessionSchema.parse(finished.body)).toMatchObject({ status: 'completed', tenant: { status: 'active' } });

    const late = await api('POST', `/api/onboarding/${id}/connection`, {
      name: 'Other',
      clientId: crypto.randomUUID(),
      clientSecret: 'x',
      secretExpiresAt: future(9),
    });
    expect(late.status).toBe(409);
    errorSchema.parse(late.body);
  });

  it('/openapi.json describes the session field by field, not as an open object', async () => {
    const doc = (await call(s.base, 'GET', '/openapi.json')).body;
    const session = doc.paths['/api/onboarding/{id}'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(session.properties)).toEqual(Object.keys(onboardingSessionSchema.shape));
    expect(session.additionalProperties).toBe(false);
    expect(session.properties.selections.items.properties.state.enum).toContain('scope_busy');
    const bootstrap = doc.paths['/api/onboarding/{id}/bootstrap'].post.responses['202'].content['application/json'].schema;
    expect(Object.keys(bootstrap.properties)).toEqual(expect.arrayContaining(['outcome', 'run', 'pending', 'session']));
  });
});
