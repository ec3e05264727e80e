/**
 * In-process notifications for metrics. State changes are not here: they are events in the
 * durable log (event-log.ts), written in the change's own commit.
 */

/** The typed event map: `noun.past_tense` names. */
export interface EventMap {
  'scheduler.ticked': { ms: number };
}

type Listener<K extends keyof EventMap> = (e: EventMap[K]) => void;

/** A small synchronous typed emitter; a throwing listener never breaks the emitter. */
export class Events {
  private readonly listeners = new Map<keyof EventMap, Set<Listener<never>>>();
  private readonly onError: (e: unknown) => void;

  constructor(onError: (e: unknown) => void = () => {}) {
    this.onError = onError;
  }

  on<K extends keyof EventMap>(name: K, fn: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(fn as Listener<never>);
    return () => set.delete(fn as Listener<never>);
  }

  emit<K extends keyof EventMap>(name: K, e: EventMap[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const fn of set) {
      try {
        (fn as Listener<K>)(e);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  /** Resolves with the first event matching `match` (tests and waits). */
  once<K extends keyof EventMap>(
    name: K,
    match: (e: EventMap[K]) => boolean,
  ): Promise<EventMap[K]> {
    return new Promise((resolve) => {
      const off = this.on(name, (e) => {
        if (match(e)) {
          off();
          resolve(e);
        }
      });
    });
  }
}
