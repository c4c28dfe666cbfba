// One page of a searched, sorted, keyset-paged list (src/http/keyset.ts), the same query for
// every list route that answers `pageSchema`: the route gives the filtered base query (its
// table, tenant and filters, `?q=` included), the columns it shows and how a row is presented;
// this counts the matches, adds the sort keys, resumes after the cursor and cuts the page.
import type { SelectQueryBuilder } from 'kysely';
import { afterKeys, keySelections, orderSql, pageOf, type ListParams, type Sorts } from './keyset.ts';

/** The body of a paged list's answer (`pageSchema`). */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
  next: string | null;
}

export async function pagedList<DB, TB extends keyof DB, O, T>(p: {
  /** Filtered, nothing selected yet: counted for `total` and paged. */
  base: SelectQueryBuilder<DB, TB, object>;
  /** The row's columns (the sort keys are added beside them). */
  select: (base: SelectQueryBuilder<DB, TB, object>) => SelectQueryBuilder<DB, TB, O>;
  sorts: Sorts;
  query: ListParams;
  present: (row: O) => T;
}): Promise<Page<T>> {
  const { base, query } = p;
  const keys = p.sorts[query.sort];
  if (!keys) throw new Error(`unknown sort ${query.sort}`);
  // (Kysely cannot resolve a selection's type over a generic table: the one column is `n`.)
  const { n } = (await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()) as { n: number | string | bigint };
  let rows = p.select(base).select(keySelections(keys));
  if (query.after) rows = rows.where(afterKeys(keys, query.after));
  const page = pageOf(
    await rows
      .orderBy(orderSql(keys))
      .limit(query.limit + 1)
      .offset(query.offset)
      .execute(),
    query,
    keys,
  );
  return { items: page.rows.map((r) => p.present(r as O)), total: Number(n), limit: query.limit, offset: query.offset, next: page.next };
}
