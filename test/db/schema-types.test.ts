// src/db/schema.ts (the Kysely types every query is checked against) is written by hand beside
// the numbered SQL migrations. This test keeps the two from drifting: it reads the `DB`
// interface with the TypeScript compiler and compares every table (and view) and column with
// what the migrated database has, both ways, and each column's nullability where the type says.
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { closeAll } from '../helpers/teardown.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase({ max: 2 });
});
afterAll(() => closeAll(tdb));

const SCHEMA = path.resolve('src/db/schema.ts');

/** table -> column -> whether the TypeScript type admits null when selected. */
function declaredTables(): Map<string, Map<string, boolean>> {
  // The project's own compiler options, so kysely's ColumnType resolves as in the typecheck.
  const configPath = path.resolve('tsconfig.json');
  const config = ts.parseJsonConfigFileContent(ts.readConfigFile(configPath, (f) => ts.sys.readFile(f)).config, ts.sys, path.dirname(configPath));
  const program = ts.createProgram([SCHEMA], { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(SCHEMA)!;
  const db = file.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'DB')!;
  const tables = new Map<string, Map<string, boolean>>();
  for (const member of db.members) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const table = (member.name as ts.Identifier).text;
    const type = checker.getTypeFromTypeNode(member.type);
    const columns = new Map<string, boolean>();
    for (const prop of checker.getPropertiesOfType(type)) {
      const t = checker.getTypeOfSymbol(prop);
      // Kysely's ColumnType<Select, Insert, Update> carries the selected type in __select__.
      const select = t.getProperty('__select__');
      const selected = select ? checker.getTypeOfSymbol(select) : t;
      const nullable = selected.isUnion() ? selected.types.some((u) => u.flags & ts.TypeFlags.Null) : !!(selected.flags & ts.TypeFlags.Null);
      columns.set(prop.name, nullable);
    }
    tables.set(table, columns);
  }
  return tables;
}

describe('src/db/schema.ts matches the migrated database', () => {
  it('every table, view and column, both ways, and nullability', async () => {
    expect(fs.existsSync(SCHEMA)).toBe(true);
    const declared = declaredTables();
    const { rows } = await sql<{ table_name: string; column_name: string; is_nullable: 'YES' | 'NO'; is_view: boolean }>`
      select c.table_name, c.column_name, c.is_nullable, t.table_type = 'VIEW' as is_view
        from information_schema.columns c
        join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
       where c.table_schema = 'public' and c.table_name <> 'opsgate_migrations'
       order by 1, 2`.execute(tdb.db);
    const actual = new Map<string, Map<string, { nullable: boolean; view: boolean }>>();
    for (const r of rows) {
      if (!actual.has(r.table_name)) actual.set(r.table_name, new Map());
      actual.get(r.table_name)!.set(r.column_name, { nullable: r.is_nullable === 'YES', view: r.is_view });
    }
    const problems: string[] = [];
    for (const [table, cols] of actual) {
      const d = declared.get(table);
      if (!d) {
        problems.push(`table ${table} is not in DB`);
        continue;
      }
      for (const [col, facts] of cols) {
        if (!d.has(col)) problems.push(`${table}.${col} is not declared`);
        // Views report every column nullable; only tables say what the type must admit.
        else if (!facts.view && facts.nullable && !d.get(col)) problems.push(`${table}.${col} is nullable in the database but not in its type`);
        else if (!facts.view && !facts.nullable && d.get(col)) problems.push(`${table}.${col} is not null in the database but nullable in its type`);
      }
    }
    for (const [table, cols] of declared) {
      const a = actual.get(table);
      if (!a) {
        problems.push(`DB.${table} has no table or view`);
        continue;
      }
      for (const col of cols.keys()) if (!a.has(col)) problems.push(`${table}.${col} is declared but not in the database`);
    }
    expect(problems).toEqual([]);
    expect(declared.size).toBeGreaterThan(20);
  });
});
