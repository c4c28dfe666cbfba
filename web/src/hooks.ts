// Data loading with live refresh. Every resource reloads when something was started
// (the start bus) and, while `poll` says the data is still moving, every `intervalMs`.
import { useCallback, useEffect, useEffectEvent, useRef, useState } from 'react';
import { api, ApiError } from './api.ts';

type Listener = () => void;
const startListeners = new Set<Listener>();

/** Tell every live view that a start just happened (a run may have appeared or changed). */
export function announceChange(): void {
  for (const l of startListeners) l();
}

export function useOnChange(l: Listener): void {
  // The latest `l`, without subscribing again on every render.
  const onChange = useEffectEvent(l);
  useEffect(() => {
    const fn = () => onChange();
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
  // The last answer and the URL it is for. The same URL keeps its data while it is asked for
  // again (a reload, a poll); another URL's data or error is never shown.
  const [state, setState] = useState<{ url: string | null; data: T | null; error: ApiError | null; settled: boolean }>({
    url,
    data: null,
    error: null,
    settled: false,
  });
  // Another URL starts over: empty and loading (set while rendering, before anything is shown).
  if (state.url !== url) setState({ url, data: null, error: null, settled: false });
  const [tick, setTick] = useState(0);
  const lastUrl = useRef<string | null>(null);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  useOnChange(reload);
  // Whether the next load is a timer's (polling): sent as a background request.
  const polled = useRef(false);
  const pollAgain = useCallback(() => {
    polled.current = true;
    reload();
  }, [reload]);
  // How long until the next poll after an answer (the latest options, read when it arrives).
  const waitAfter = useEffectEvent((d: T): number | undefined => {
    const { poll, intervalMs = 1500, idleIntervalMs } = options;
    return poll?.(d) ? intervalMs : idleIntervalMs;
  });
  const waitAfterError = useEffectEvent(() => options.idleIntervalMs);

  useEffect(() => {
    if (url === null) return;
    const urlChanged = lastUrl.current !== url;
    lastUrl.current = url;
    const ctrl = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const background = polled.current && !urlChanged;
    polled.current = false;
    api
      .get<T>(url, ctrl.signal, background)
      .then((d) => {
        setState((s) => (s.url === url ? { url, data: d, error: null, settled: true } : s));
        const wait = waitAfter(d);
        if (wait) timer = setTimeout(pollAgain, wait);
      })
      .catch((err: unknown) => {
        if ((err as Error).name === 'AbortError') return;
        const error = err instanceof ApiError ? err : new ApiError(0, 'client_error', String(err));
        setState((s) => (s.url === url ? { ...s, error, settled: true } : s));
        const idleIntervalMs = waitAfterError();
        // Keep trying in the background when the network blipped, not on 4xx answers.
        if (idleIntervalMs && !(err instanceof ApiError && err.status >= 400 && err.status < 500)) timer = setTimeout(pollAgain, idleIntervalMs);
      });
    return () => {
      ctrl.abort();
      if (timer) clearTimeout(timer);
    };
  }, [url, tick, pollAgain]);

  const current = url !== null && state.url === url;
  return {
    data: current ? state.data : null,
    error: current ? state.error : null,
    loading: url !== null && !(current && state.settled),
    reload,
  };
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
