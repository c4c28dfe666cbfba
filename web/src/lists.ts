// Long lists in the console: one page at a time from the API's keyset paging (?limit, ?cursor,
// ?q, ?sort — src/http/keyset.ts). The search and the sort live in the address (?q=, ?sort=),
// so a filtered list can be shared and survives a reload; the pages walked are a stack of
// cursors, so "Previous page" returns to exactly the page that was shown.
//
// Speed: a list page opened directly (a bookmark, a reload) asks for its first page while the
// console is still starting — beside the session and the tenant, not after them
// (`preloadList`), so its rows are on screen in one round trip after the tenant's header.
import { useCallback, useEffect, useEffectEvent, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api, ApiError, peekPreloaded, preload, qs } from './api.ts';
import { useOnChange } from './hooks.ts';
import type { ServerPage } from './types.ts';

/** A page of a keyset-paged list: the counted lists' page (`ServerPage`), or the runs' (items and next only). */
export type KeysetPage<T> = Pick<ServerPage<T>, 'items' | 'next'> & Partial<ServerPage<T>>;

export interface ServerList<T> {
  items: T[];
  /** Rows matching the filters and search (all pages); null before the first answer or where the API does not count. */
  total: number | null;
  data: KeysetPage<T> | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
  /** What the search box shows (the address follows it after a short pause). */
  search: string;
  setSearch: (q: string) => void;
  /** The search the shown page answers. */
  q: string;
  sort: string;
  setSort: (sort: string) => void;
  /** 0-based index of the shown page, and its rows' positions (1-based). */
  pageIndex: number;
  from: number;
  to: number;
  hasPrevious: boolean;
  hasNext: boolean;
  previous: () => void;
  next: () => void;
}

export interface ServerListOptions<T> {
  pageSize?: number;
  defaultSort: string;
  /** Extra query parameters (filters) sent with every page; changing them starts over. */
  params?: Record<string, string | undefined>;
  /** Prefix of the address parameters, when a page shows two lists. */
  prefix?: string;
  /** Keep polling while this returns true for the shown page. */
  poll?: (data: KeysetPage<T>) => boolean;
  intervalMs?: number;
  idleIntervalMs?: number;
}

const SEARCH_PAUSE_MS = 250;
const DEFAULT_PAGE_SIZE = 50;

/** The API address of one page of a list. */
export function listUrl(
  base: string,
  o: { pageSize?: number; defaultSort: string; params?: Record<string, string | undefined>; sort: string; q: string; cursor: string | null },
): string {
  return `${base}${qs({ ...(o.params ?? {}), limit: String(o.pageSize ?? DEFAULT_PAGE_SIZE), sort: o.sort === o.defaultSort ? undefined : o.sort, q: o.q || undefined, cursor: o.cursor ?? undefined })}`;
}

/**
 * When the console starts on a path matching `pattern`, ask for that list's first page right
 * away (called at module load by the page that shows the list; `api.get` hands it over).
 */
export function preloadList(pattern: RegExp, base: (m: RegExpExecArray) => string, o: { pageSize?: number; defaultSort: string; prefix?: string }): void {
  if (typeof window === 'undefined') return;
  const m = pattern.exec(window.location.pathname);
  if (!m) return;
  const address = new URLSearchParams(window.location.search);
  preload(listUrl(base(m), { ...o, sort: address.get(`${o.prefix ?? ''}sort`) ?? o.defaultSort, q: address.get(`${o.prefix ?? ''}q`) ?? '', cursor: null }));
}

export function useServerList<T>(base: string, options: ServerListOptions<T>): ServerList<T> {
  const { pageSize = DEFAULT_PAGE_SIZE, defaultSort, params = {}, prefix = '' } = options;
  const [address, setAddress] = useSearchParams();
  const q = address.get(`${prefix}q`) ?? '';
  const sort = address.get(`${prefix}sort`) ?? defaultSort;
  const [search, setSearchText] = useState(q);
  // Cursors of the pages walked so far; the shown page is the last one.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const filterKey = JSON.stringify([base, q, sort, params]);
  const [lastKey, setLastKey] = useState(filterKey);
  if (lastKey !== filterKey) {
    setLastKey(filterKey);
    setCursors([null]);
  }
  const cursor = cursors.at(-1) ?? null;

  const setParam = useCallback(
    (name: string, value: string, fallback: string) =>
      setAddress(
        (prev) => {
          const nextParams = new URLSearchParams(prev);
          if (value && value !== fallback) nextParams.set(`${prefix}${name}`, value);
          else nextParams.delete(`${prefix}${name}`);
          return nextParams;
        },
        { replace: true },
      ),
    [setAddress, prefix],
  );

  // The address follows the search box after a short pause (one request per pause, not per key).
  useEffect(() => {
    if (search.trim() === q) return;
    const t = setTimeout(() => setParam('q', search.trim(), ''), SEARCH_PAUSE_MS);
    return () => clearTimeout(t);
  }, [search, q, setParam]);
  // Back/forward or a link changed the address: the box shows it.
  const [addressQ, setAddressQ] = useState(q);
  if (addressQ !== q) {
    setAddressQ(q);
    if (search.trim() !== q) setSearchText(q);
  }

  const url = listUrl(base, { pageSize, defaultSort, params, sort, q, cursor });
  const pageIndex = cursors.length - 1;
  const r = usePage<T>(url, { base, pageIndex }, options);
  // While the next page (or a new search) loads, the page shown stays on screen, so the pager
  // and the search box keep their place and the keyboard focus; another list starts empty.
  // The positions ("51–100 of …") follow the rows on screen, not the page being asked for.
  const last = r.lastAnswer;
  const stale = !r.data && r.loading && !r.error && last?.base === base ? last : null;
  const data = r.data ?? stale?.data ?? null;
  const shownIndex = stale ? stale.pageIndex : pageIndex;
  const shown = data?.items.length ?? 0;
  const from = shown ? shownIndex * pageSize + 1 : 0;
  const nextCursor = r.data?.next ?? null;
  return useMemo(
    () => ({
      items: data?.items ?? [],
      total: data && typeof data.total === 'number' ? data.total : null,
      data,
      error: r.error,
      loading: r.loading,
      reload: r.reload,
      search,
      setSearch: setSearchText,
      q,
      sort,
      setSort: (s: string) => setParam('sort', s, defaultSort),
      pageIndex,
      from,
      to: from ? from + shown - 1 : 0,
      hasPrevious: pageIndex > 0,
      hasNext: !!nextCursor,
      previous: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
      next: () => {
        if (nextCursor) setCursors((c) => [...c, nextCursor]);
      },
    }),
    [data, nextCursor, r.error, r.loading, r.reload, search, q, sort, setParam, defaultSort, pageIndex, from, shown],
  );
}

/** Which list (its API address without paging) and which page of it a URL asks for. */
interface PageOf {
  base: string;
  pageIndex: number;
}

/**
 * One page from the API, reloaded when something was started (the start bus) and, while
 * `poll` says it is still moving, every `intervalMs`.
 */
function usePage<T>(url: string, { base, pageIndex }: PageOf, o: Pick<ServerListOptions<T>, 'poll' | 'intervalMs' | 'idleIntervalMs'>) {
  // A first page preloaded while the console started is shown by the first render. The last
  // answer stays in the state (with the list and page it is of) while another page is asked for.
  const [state, setState] = useState<{ url: string; of: PageOf; data: KeysetPage<T> | null; error: ApiError | null }>(() => ({
    url,
    of: { base, pageIndex },
    data: peekPreloaded<KeysetPage<T>>(url) ?? null,
    error: null,
  }));
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useOnChange(reload);
  // How long until the next poll after an answer (the latest options, read when it arrives).
  const waitAfter = useEffectEvent((data: KeysetPage<T>): number | undefined => {
    const { poll, intervalMs = 1500, idleIntervalMs } = o;
    return poll?.(data) ? intervalMs : idleIntervalMs;
  });

  useEffect(() => {
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    api.get<KeysetPage<T>>(url, ctrl.signal).then(
      (data) => {
        if (!live) return;
        // The preloaded page already shown comes back as the same object: nothing to render.
        setState((s) => (s.url === url && s.data === data && !s.error ? s : { url, of: { base, pageIndex }, data, error: null }));
        const wait = waitAfter(data);
        if (wait) timer = setTimeout(reload, wait);
      },
      (err: unknown) => {
        if (!live || (err as Error).name === 'AbortError') return;
        const error = err instanceof ApiError ? err : new ApiError(0, 'client_error', String(err));
        setState((s) => (s.url === url ? { ...s, error } : { url, of: { base, pageIndex }, data: null, error }));
      },
    );
    return () => {
      live = false;
      ctrl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [url, base, pageIndex, tick, reload]);

  const current = state.url === url;
  return {
    data: current ? state.data : null,
    error: current ? state.error : null,
    loading: !current || (!state.data && !state.error),
    reload,
    /** The last page answered (maybe of another URL), for showing while this one loads. */
    lastAnswer: state.data ? { ...state.of, data: state.data } : null,
  };
}
