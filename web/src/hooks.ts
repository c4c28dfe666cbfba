// Data loading with live refresh. Every resource reloads when something was started
// (the start bus) and, while `poll` says the data is still moving, every `intervalMs`.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from './api.ts';

type Listener = () => void;
const startListeners = new Set<Listener>();

/** Tell every live view that a start just happened (a run may have appeared or changed). */
export function announceChange(): void {
  for (const l of startListeners) l();
}

export function useOnChange(l: Listener): void {
  const ref = useRef(l);
  ref.current = l;
  useEffect(() => {
    const fn = () => ref.current();
    startListeners.add(fn);
    return () => {
      startListeners.delete(fn);
    };
  }, []);
}

export interface Resource<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

export interface ResourceOptions<T> {
  /** Keep polling while this returns true for the latest data. */
  poll?: (data: T) => boolean;
  /** Poll interval while `poll` is true (default 1.5 s). */
  intervalMs?: number;
  /** Poll interval when idle (default: no idle polling). */
  idleIntervalMs?: number;
}

export function useResource<T>(url: string | null, options: ResourceOptions<T> = {}): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState<boolean>(url !== null);
  const [tick, setTick] = useState(0);
  const opts = useRef(options);
  opts.current = options;
  const lastUrl = useRef<string | null>(null);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  useOnChange(reload);
  // Whether the next load is a timer's (polling): sent as a background request.
  const polled = useRef(false);
  const pollAgain = useCallback(() => {
    polled.current = true;
    reload();
  }, [reload]);

  useEffect(() => {
    if (url === null) {
      setData(null);
      setLoading(false);
      return;
    }
    const urlChanged = lastUrl.current !== url;
    lastUrl.current = url;
    if (urlChanged) {
      setLoading(true);
      setData(null);
      setError(null);
    }
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const background = polled.current && !urlChanged;
    polled.current = false;
    api
      .get<T>(url, ctrl.signal, background)
      .then((d) => {
        setData(d);
        setError(null);
        setLoading(false);
        const { poll, intervalMs = 1500, idleIntervalMs } = opts.current;
        const moving = poll ? poll(d) : false;
        const wait = moving ? intervalMs : idleIntervalMs;
        if (wait) timer = setTimeout(pollAgain, wait);
      })
      .catch((err: unknown) => {
        if ((err as Error).name === 'AbortError') return;
        setError(err instanceof ApiError ? err : new ApiError(0, 'client_error', String(err)));
        setLoading(false);
        const { idleIntervalMs } = opts.current;
        // Keep trying in the background when the network blipped, not on 4xx answers.
        if (idleIntervalMs && !(err instanceof ApiError && err.status >= 400 && err.status < 500)) timer = setTimeout(pollAgain, idleIntervalMs);
      });
    return () => {
      ctrl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [url, tick, pollAgain]);

  return { data, error, loading, reload };
}

/** Re-render every `ms` (for relative times and running durations). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · opsgate` : 'opsgate';
  }, [title]);
}
