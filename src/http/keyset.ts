// Long lists: keyset paging with search and sort, the same for every list route that can grow
// to thousands of rows (a tenant's inventory, groups, role definitions, backup items; runs;
// the tenant list).
//
//   ?limit=1..500   rows per page
//   ?sort=name      one of the route's sorts; a leading "-" is the descending one
//   ?q=text         case-insensitive substring search on the route's text columns
//   ?cursor=…       the `next` of the previous page (opaque; bound to the sort it was made for)
//
// A cursor holds the sort keys of the last row served, and the next page starts right after
// that row (`where (k1, k2, …) > (v1, v2, …)` spelled out per direction), so a page costs the
// same at row 10 and at row 10,000, and rows added or removed meanwhile never shift a page
// (offset paging, still accepted for old clients, repeats or skips rows then). Every sort ends
// with a unique key, so the order is total and no row is served twice.
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { z } from 'zod';
import { UUID_SHAPE } from './authorize.ts';
import { queryInt } from './schemas.ts';

export type KeyKind = 'text' | 'ts' | 'uuid';
export interface SortKey {
  /** A column reference as written in the query (`display_name`, `t.name`). */
  column: string;
  dir: 'asc' | 'desc';
  kind: KeyKind;
}
export type Sorts = Readonly<Record<string, readonly SortKey[]>>;

const CURSOR_MESSAGE = 'must be the `next` value of a previous page';
const TS_SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(sort: string, values: readonly string[]): string {
  return Buffer.from(JSON.stringify([sort, ...values]), 'utf8').toString('base64url');
}

/** The sort and key values a cursor holds, or null when it is not one of ours for these sorts. */
export function decodeCursor(sorts: Sorts, cursor: string): { sort: string; after: string[] } | null {
  if (!/^[A-Za-z0-9_-]{1,2000}$/.test(cursor)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length < 2 || !parsed.every((v) => typeof v === 'string' && v.length <= 1000)) return null;
  const [sort, ...after] = parsed as string[];
  const keys = Object.hasOwn(sorts, sort!) ? sorts[sort!] : undefined;
  if (!keys || keys.length !== after.length) return null;
  const fits = keys.every((k, i) =>
    k.kind === 'ts' ? TS_SHAPE.test(after[i]!) && !Number.isNaN(Date.parse(after[i]!)) : k.kind === 'uuid' ? UUID_SHAPE.test(after[i]!) : true,
  );
  return fits ? { sort: sort!, after } : null;
}

export interface ListParams {
  limit: number;
  /** Offset paging (old clients); 0 when a cursor is used. */
  offset: number;
  /** Trimmed; undefined when empty. */
  q: string | undefined;
  sort: string;
  /** Keys of the last row of the previous page; null on the first page. */
  after: string[] | null;
}

/** The query fields of a paged list route, validated into ListParams (400 names the field). */
export function listQuery<S extends Sorts>(sorts: S, def: keyof S & string, limits: { max?: number; def?: number } = {}) {
  const names = Object.keys(sorts) as [string, ...string[]];
  const fields = {
    limit: queryInt(1, limits.max ?? 500, limits.def ?? 100),
    offset: queryInt(0, 1_000_000, 0),
    cursor: z.string().max(2000, { error: 'is too long' }).optional(),
    q: z
      .string()
      .max(200, { error: 'is too long (at most 200 characters)' })
      .regex(/^[^\x00-\x1f\x7f]*$/, { error: 'must not contain control characters' })
      .optional(),
    sort: z.enum(names, { error: `must be one of ${names.join(', ')}` }).optional(),
  };
  return {
    fields,
    /** Checks the combination and resolves the cursor; use as `.transform(resolve)` on the object. */
    resolve<T extends { limit: number; offset: number; cursor?: string | undefined; q?: string | undefined; sort?: string | undefined }>(
      v: T,
      ctx: z.RefinementCtx,
    ): T & ListParams {
      let sort = v.sort ?? def;
      let after: string[] | null = null;
      if (v.cursor !== undefined) {
        const c = decodeCursor(sorts, v.cursor);
        if (!c) {
          ctx.addIssue({ code: 'custom', path: ['cursor'], message: CURSOR_MESSAGE });
          return z.NEVER;
        }
        if (v.sort !== undefined && v.sort !== c.sort) {
          ctx.addIssue({
            code: 'custom',
            path: ['sort'],
            message: `differs from the cursor's sort (${c.sort}); start again without cursor to change the sort`,
          });
          return z.NEVER;
        }
        if (v.offset !== 0) {
          ctx.addIssue({ code: 'custom', path: ['offset'], message: 'cannot be combined with cursor' });
          return z.NEVER;
        }
        sort = c.sort;
        after = c.after;
      }
      const q = v.q?.trim() || undefined;
      return { ...v, sort, after, q };
    },
  };
}

const ref = (column: string) => sql.ref(column);

function literal(kind: KeyKind, v: string): RawBuilder<unknown> {
  return kind === 'ts' ? sql`${v}::timestamptz` : kind === 'uuid' ? sql`${v}::uuid` : sql`${v}`;
}

/** The key as the cursor carries it: timestamps to the microsecond, in UTC. */
export function keyValue(k: SortKey): RawBuilder<string> {
  if (k.kind === 'ts') return sql<string>`to_char(${ref(k.column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  if (k.kind === 'uuid') return sql<string>`${ref(k.column)}::text`;
  return sql<string>`${ref(k.column)}`;
}

/** Rows strictly after `after` in the order of `keys`. */
export function afterKeys(keys: readonly SortKey[], after: readonly string[]): Expression<SqlBool> {
  const ors = keys.map((k, i) => {
    const equal = keys.slice(0, i).map((p, j) => sql`${ref(p.column)} = ${literal(p.kind, after[j]!)}`);
    const step = sql`${ref(k.column)} ${sql.raw(k.dir === 'asc' ? '>' : '<')} ${literal(k.kind, after[i]!)}`;
    return sql`(${sql.join([...equal, step], sql` and `)})`;
  });
  if (keys.length === 1) return sql<SqlBool>`(${sql.join(ors, sql` or `)})`;
  // Every branch implies the first key's bound; spelled out, it lets an index on the first key
  // start at the cursor instead of reading (and filtering out) every row before it: a page deep
  // in a million runs cost the whole scan before this.
  const first = keys[0]!;
  const bound = sql`${ref(first.column)} ${sql.raw(first.dir === 'asc' ? '>=' : '<=')} ${literal(first.kind, after[0]!)}`;
  return sql<SqlBool>`(${bound} and (${sql.join(ors, sql` or `)}))`;
}

/** `order by` for the keys. */
export function orderSql(keys: readonly SortKey[]): RawBuilder<unknown> {
  return sql.join(keys.map((k) => sql`${ref(k.column)} ${sql.raw(k.dir)}`));
}

/** A LIKE pattern matching `q` anywhere (its %, _ and \ taken literally). */
export function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** `col ilike '%q%'` for any of the columns. */
export function searchAny(columns: readonly string[], q: string): Expression<SqlBool> {
  const pattern = containsPattern(q);
  return sql<SqlBool>`(${sql.join(
    columns.map((c) => sql`${ref(c)} ilike ${pattern}`),
    sql` or `,
  )})`;
}

/** Selected as `k0`, `k1`, … beside each row, so the page can say where it ended. */
export function keySelections(keys: readonly SortKey[]) {
  return keys.map((k, i) => keyValue(k).as(`k${i}`));
}

/**
 * Rows of a page fetched with `limit + 1`: the page's rows, and the cursor for the next page
 * (null when this was the last).
 */
export function pageOf<R extends object>(rows: R[], p: Pick<ListParams, 'limit' | 'sort'>, keys: readonly SortKey[]): { rows: R[]; next: string | null } {
  if (rows.length <= p.limit) return { rows, next: null };
  const shown = rows.slice(0, p.limit);
  const last = shown.at(-1)!;
  return {
    rows: shown,
    next: encodeCursor(
      p.sort,
      keys.map((_, i) => String((last as Record<string, unknown>)[`k${i}`])),
    ),
  };
}

/** The answer of a paged list: `total` counts every row matching the filters and `q`. */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.strictObject({
    items: z.array(item),
    total: z.number(),
    limit: z.number(),
    /** The offset asked for (offset paging); 0 when paging by cursor. */
    offset: z.number(),
    /** The cursor of the next page; null on the last page. */
    next: z.string().nullable(),
  });
