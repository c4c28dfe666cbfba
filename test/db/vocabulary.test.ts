// Every stored vocabulary of src/vocabulary.ts equals the CHECK constraint of each column it is
// stored in (both ways), in the migrated database.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKED_COLUMNS } from '../../src/vocabulary.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { closeAll } from '../helpers/teardown.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase({ max: 2 });
});
afterAll(() => closeAll(tdb));

describe('vocabularies and CHECK constraints', () => {
  it.each(CHECKED_COLUMNS.flatMap((c) => c.columns.map((column) => ({ column, values: c.values }))))('$column', async ({ column, values }) => {
    const [table, col] = column.split('.') as [string, string];
    const { rows } = await sql<{ def: string }>`
      select pg_get_constraintdef(c.oid) as def
        from pg_constraint c join pg_class t on t.oid = c.conrelid
       where c.contype = 'c' and t.relname = ${table}`.execute(tdb.db);
    // The constraint about this column alone: "CHECK ((status = ANY (ARRAY['a'::text, …])))".
    const mine = rows.map((r) => r.def).filter((d) => new RegExp(`\\(\\(?${col}\\s*=\\s*ANY`).test(d));
    expect(mine, `one CHECK constraint on ${column}`).toHaveLength(1);
    const allowed = [...mine[0]!.matchAll(/'([^']+)'::text/g)].map((m) => m[1]);
    expect([...allowed].sort()).toEqual([...values].sort());
  });
});
