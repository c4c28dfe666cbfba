// Named prepared statements for the gate's fixed statements (`preparedStatement` below).
//
// Why: every other query goes out as an unnamed statement, which PostgreSQL parses and plans
// on each execution. For the gate's short look-ups that is most of their server time: a named
// statement is parsed once per connection and then only bound and executed (the measured gain:
// docs/BENCHMARKS.md, "What changed since the first measurement", 3). Only marked statements are named, so the set held per server
// connection stays small and fixed; dynamic SQL never accumulates there. Processes migrate
// before they serve, so a statement prepared on a connection never outlives its schema. Behind a
// transaction-pooling proxy this needs the proxy's prepared-statement support (PgBouncer ≥ 1.21,
// max_prepared_statements > 0).
import crypto from 'node:crypto';
import { CompiledQuery, type PostgresPool, type PostgresPoolClient, type QueryResult } from 'kysely';
import type pg from 'pg';
import type { DbOrTx } from './connect.ts';

/** The mark `preparedStatement` puts on its text, which the pool below turns into a named statement. */
const PREPARED = '/* prepared */ ';

const names = new Map<string, string>();
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `opsgate_${crypto.createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/** The pool as Kysely sees it: marked statements become named prepared statements. */
export function withPreparedStatements(pool: pg.Pool): PostgresPool {
  return {
    connect: async (): Promise<PostgresPoolClient> => {
      const client = await pool.connect();
      return {
        query: ((textOrCursor: unknown, parameters?: readonly unknown[]) =>
          typeof textOrCursor === 'string' && textOrCursor.startsWith(PREPARED)
            ? client.query({ name: statementName(textOrCursor), text: textOrCursor, values: parameters as unknown[] })
            : client.query(textOrCursor as string, parameters as unknown[])) as unknown as PostgresPoolClient['query'],
        release: () => client.release(),
      };
    },
    end: () => pool.end(),
  };
}

/**
 * A fixed statement with numbered parameters ($1, $2, …): prepared once per connection, and
 * executed without building or compiling a query each time (the gate runs these per start).
 */
export function preparedStatement<R>(text: string): (db: DbOrTx, parameters: unknown[]) => Promise<QueryResult<R>> {
  const marked = PREPARED + text;
  return (db, parameters) => db.executeQuery<R>(CompiledQuery.raw(marked, parameters));
}
