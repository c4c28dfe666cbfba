// Schedules: a firing is a bulk start with trigger "scheduled" through the gate; exactly one
// process fires each due instant however many tick; missed instants fire once; cron and time
// zone are validated and DST-correct.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextFire } from '../../src/schedules/cron.ts';
import { fireDueSchedules } from '../../src/schedules/fire.ts';
import { call, freeAllScopes, loginAll, startTestServer, type Persona, type TestServer } from '../http/helpers.ts';
import { nodeBin } from '../helpers/node.ts';
import { closeAll } from '../helpers/teardown.ts';

const run = promisify(execFile);
let s: TestServer;
let cookies: Record<Persona, string | null>;

beforeAll(async () => {
  s = await startTestServer();
  cookies = await loginAll(s.base);
});
afterAll(() => closeAll(s));

const api = (who: Persona, method: string, url: string, body?: unknown) => call(s.base, method, url, { cookie: cookies[who], body });

describe('cron and time zones', () => {
  it('02:00 Europe/Berlin fires once a day across both DST changes', () => {
    const fires = (from: string, n: number) => {
      const out: string[] = [];
      let d = new Date(from);
      for (let i = 0; i < n; i++) out.push((d = nextFire('0 2 * * *', 'Europe/Berlin', d)!).toISOString());
      return out;
    };
    // Spring forward (28 March 2027, 02:00 -> 03:00): that day fires once, right after the gap.
    expect(fires('2027-03-26T12:00:00Z', 4)).toEqual([
      '2027-03-27T01:00:00.000Z',
      '2027-03-28T01:00:00.000Z',
      '2027-03-29T00:00:00.000Z',
      '2027-03-30T00:00:00.000Z',
    ]);
    // Fall back (31 October 2027, 03:00 CEST -> 02:00 CET): 02:00 occurs twice that night and
    // fires once, at its first occurrence (still CEST); CET from the next day.
    expect(fires('2027-10-29T12:00:00Z', 4)).toEqual([
      '2027-10-30T00:00:00.000Z',
      '2027-10-31T00:00:00.000Z',
      '2027-11-01T01:00:00.000Z',
      '2027-11-02T01:00:00.000Z',
    ]);
  });
});

describe('schedules API', () => {
  it('create, list, change, firings, delete; bad cron / time zone / type / tenants are 400 naming them; audited', async () => {
    const bad: [unknown, string][] = [
      [{ type: 'inventory.sync', tenants: 'all', cron: '61 * * * *', timezone: 'UTC' }, 'cron: '],
      [{ type: 'inventory.sync', tenants: 'all', cron: '0 2 * *', timezone: 'UTC' }, 'cron: '],
      [{ type: 'inventory.sync', tenants: 'all', cron: '0 2 * * *', timezone: 'Mars/Base' }, 'timezone: '],
      [{ type: 'restore.execute', tenants: 'all', cron: '0 2 * * *', timezone: 'UTC' }, 'type: '],
      [{ type: 'inventory.sync', tenants: ['no-such'], cron: '0 2 * * *', timezone: 'UTC' }, 'tenants.0: '],
      [{ type: 'inventory.sync', tenants: 'all', cron: '0 2 * * *' }, 'timezone: '],
    ];
    for (const [body, prefix] of bad) {
      const r = await api('manager', 'POST', '/api/workspaces/contoso-msp/schedules', body);
      expect([JSON.stringify(body), r.status]).toEqual([JSON.stringify(body), 400]);
      expect(r.body.error.message.startsWith(prefix)).toBe(true);
    }
    const created = await api('manager', 'POST', '/api/workspaces/contoso-msp/schedules', {
      name: 'Groups at 06:30 Berlin',
      type: 'entra_group_sync',
      tenants: ['northwind', 'alpine'],
      cron: '30 6 * * 1-5',
      timezone: 'Europe/Berlin',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Groups at 06:30 Berlin', tenants: ['northwind', 'alpine'], enabled: true, lastFiring: null });
    expect(Date.parse(created.body.nextFireAt)).toBeGreaterThan(Date.now());
    expect(
      (
        await api('manager', 'POST', '/api/workspaces/contoso-msp/schedules', {
          name: 'Groups at 06:30 Berlin',
          type: 'entra_group_sync',
          tenants: 'all',
          cron: '0 1 * * *',
          timezone: 'UTC',
        })
      ).status,
    ).toBe(400);
    // Operators and read-only members see schedules but cannot change them.
    expect(
      (await api('operator', 'POST', '/api/workspaces/contoso-msp/schedules', { type: 'inventory.sync', tenants: 'all', cron: '0 2 * * *', timezone: 'UTC' }))
        .status,
    ).toBe(403);
    expect((await api('readonly', 'GET', '/api/workspaces/contoso-msp/schedules')).body.items.map((x: { name: string }) => x.name)).toContain(
      'Groups at 06:30 Berlin',
    );
    expect((await api('operator', 'PATCH', `/api/schedules/${created.body.id}`, { enabled: false })).status).toBe(403);
    expect((await api('outsider', 'PATCH', `/api/schedules/${created.body.id}`, { enabled: false })).status).toBe(404);

    const off = await api('manager', 'PATCH', `/api/schedules/${created.body.id}`, { enabled: false });
    expect(off.body).toMatchObject({ enabled: false, nextFireAt: null });
    expect((await api('manager', 'PATCH', `/api/schedules/${created.body.id}`, { timezone: 'Nowhere/Else' })).body.error.message).toMatch(/^timezone: /);
    const on = await api('manager', 'PATCH', `/api/schedules/${created.body.id}`, { enabled: true, cron: '0 7 * * *' });
    expect(on.body).toMatchObject({ enabled: true, cron: '0 7 * * *' });

    // Make it due and fire: a bulk start with trigger "scheduled" and no initiator.
    await freeAllScopes(s.tdb.db);
    await sql`update schedules set next_fire_at = now() - interval '1 second' where id = ${created.body.id}`.execute(s.tdb.db);
    const [bulkId] = await fireDueSchedules(s.tdb.db, 'test');
    const firings = await api('readonly', 'GET', `/api/schedules/${created.body.id}/firings`);
    expect(firings.body.items).toHaveLength(1);
    expect(firings.body.items[0]).toMatchObject({ bulkOperationId: bulkId, counts: { accepted: 1, blocked: 1 } });
    const bulk = await api('readonly', 'GET', `/api/bulk-operations/${bulkId}`);
    expect(bulk.body).toMatchObject({ trigger: 'scheduled', initiator: null, counts: { accepted: 1, blocked: 1 } });
    const runs = await s.tdb.db
      .selectFrom('operation_runs')
      .select(['trigger', 'initiator_user_id'])
      .where(
        'id',
        'in',
        bulk.body.items.map((i: { run: { id: string } }) => i.run.id),
      )
      .execute();
    expect(runs.every((r) => r.trigger === 'scheduled' && r.initiator_user_id === null)).toBe(true);

    expect((await api('manager', 'DELETE', `/api/schedules/${created.body.id}`, {})).status).toBe(204);
    const audit = await s.tdb.db.selectFrom('audit_log').select('action').where('action', 'like', 'schedule.%').execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['schedule.created', 'schedule.deleted', 'schedule.updated', 'schedule.updated']);
  });
});

describe('firing', () => {
  it('missed instants fire once after downtime, for the instant that was due; the next is after now', async () => {
    await freeAllScopes(s.tdb.db);
    const daysAgo = new Date(Date.now() - 3 * 86_400_000);
    await sql`update schedules set next_fire_at = ${daysAgo} where name = 'Nightly inventory'`.execute(s.tdb.db);
    const fired = await fireDueSchedules(s.tdb.db, 'after-downtime');
    expect(fired).toHaveLength(1);
    expect(await fireDueSchedules(s.tdb.db, 'after-downtime')).toEqual([]);
    const sched = await s.tdb.db.selectFrom('schedules').selectAll().where('name', '=', 'Nightly inventory').executeTakeFirstOrThrow();
    expect(sched.next_fire_at!.getTime()).toBeGreaterThan(Date.now());
    const firings = await s.tdb.db.selectFrom('schedule_firings').selectAll().where('schedule_id', '=', sched.id).execute();
    expect(firings.map((f) => f.fired_at.getTime())).toEqual([daysAgo.getTime()]);
  });

  it('two OS processes ticking as fast as they can: each due instant fires exactly once', async () => {
    await freeAllScopes(s.tdb.db);
    await sql`delete from schedule_firings`.execute(s.tdb.db);
    await sql`update schedules set next_fire_at = now() + interval '1500 milliseconds' where name = 'Nightly inventory'`.execute(s.tdb.db);
    const child = path.join(import.meta.dirname, 'fire-child.ts');
    const at = String(Date.now() + 1000);
    const out = await Promise.all([0, 1].map(() => run(nodeBin(), [child, s.tdb.url, at, '3000'], { timeout: 60_000 })));
    const fired = out.flatMap((o) => JSON.parse(o.stdout) as string[]);
    expect(fired).toHaveLength(1);
    const firings = await s.tdb.db.selectFrom('schedule_firings').selectAll().execute();
    expect(firings).toHaveLength(1);
    expect(firings[0]!.bulk_operation_id).toBe(fired[0]);
  });

  it('a firing whose process died before its bulk start is taken over, once', async () => {
    await freeAllScopes(s.tdb.db);
    const sched = await s.tdb.db.selectFrom('schedules').select('id').where('name', '=', 'Nightly inventory').executeTakeFirstOrThrow();
    const orphan = await s.tdb.db
      .insertInto('schedule_firings')
      .values({ schedule_id: sched.id, fired_at: new Date(Date.now() - 86_400_000), claimed_by: 'dead', claimed_at: new Date(Date.now() - 600_000) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const fired = await fireDueSchedules(s.tdb.db, 'survivor');
    expect(fired).toHaveLength(1);
    expect(await fireDueSchedules(s.tdb.db, 'survivor')).toEqual([]);
    const row = await s.tdb.db.selectFrom('schedule_firings').selectAll().where('id', '=', orphan.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ claimed_by: 'survivor', bulk_operation_id: fired[0] });
  });
});
