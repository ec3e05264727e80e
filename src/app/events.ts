/**
 * In-process notifications of committed changes (after the commit, never before). Metrics, logs
 * and test helpers listen here; the durable event log of the API builds on the same names.
 */
import type { Job, JobStatus } from '../domain/job/job.js';
import type { Session, SessionReason, SessionState } from '../domain/session/session.js';

/** The typed event map: `noun.past_tense` names. */
export interface EventMap {
  'session.state_changed': {
    session: Session;
    from: SessionState;
    to: SessionState;
    reason: SessionReason;
  };
  'job.state_changed': { job: Job; from: JobStatus | null; to: JobStatus };
  'job.result_ready': { job: Job };
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
