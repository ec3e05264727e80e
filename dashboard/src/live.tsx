/**
 * Live updates: one event stream (GET /api/v1/events) for the whole page. Every event bumps a
 * counter (at most twice a second, within a key's request budget); views that read the API read it again when it moves,
 * so the page follows the server with no reload and no polling.
 */
import type { BerthClient } from '@berth/client';
import { createContext } from 'preact';
import type { ComponentChildren } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';

interface Live {
  /** Moves whenever something changed on the server. */
  readonly version: number;
  /** Whether the stream is connected. */
  readonly connected: boolean;
}

const LiveContext = createContext<Live>({ version: 0, connected: false });

export function LiveProvider(props: {
  /** One stream per client: one per instance in view. */
  clients: readonly BerthClient[];
  children: ComponentChildren;
}) {
  const [live, setLive] = useState<Live>({ version: 0, connected: false });
  const pending = useRef<number | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    const bump = () => {
      if (pending.current !== null) return;
      pending.current = window.setTimeout(() => {
        pending.current = null;
        setLive((l) => ({ version: l.version + 1, connected: true }));
      }, 500);
    };
    for (const client of props.clients)
      void (async () => {
        // The SDK resumes a dropped stream itself (Last-Event-ID); this loop outlives even a
        // stream that gave up, until the page leaves.
        while (!abort.signal.aborted) {
          try {
            setLive((l) => ({ ...l, connected: true }));
            for await (const _event of client.events({ signal: abort.signal })) bump();
          } catch {
            setLive((l) => ({ ...l, connected: false }));
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      })();
    return () => {
      abort.abort();
      if (pending.current !== null) clearTimeout(pending.current);
    };
  }, [props.clients]);
  return <LiveContext.Provider value={live}>{props.children}</LiveContext.Provider>;
}

export function useLive(): Live {
  return useContext(LiveContext);
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly reload: () => void;
}

/**
 * `load()` now, again when `deps` change, and again whenever the event stream says something
 * changed. The previous data stays on screen while the next answer is on its way.
 */
export function useData<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const { version } = useLive();
  const [state, setState] = useState<{ data?: T; error?: Error }>({});
  const [again, setAgain] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    load(abort.signal).then(
      (data) => !abort.signal.aborted && setState({ data }),
      (error: Error) => !abort.signal.aborted && setState((s) => ({ ...s, error })),
    );
    return () => abort.abort();
  }, [...deps, version, again]);
  return { data: state.data, error: state.error, reload: () => setAgain((n) => n + 1) };
}

/** The current time, moving every `ms` (for countdowns). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** The backends' names, for the filters of the lists. */
export function useBackendNames(client: BerthClient): string[] {
  const { data } = useData((signal) => client.backends.list({ signal }), [client]);
  return (data ?? []).map((b) => b.name);
}
