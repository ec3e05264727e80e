/**
 * Fan-out of the durable event log to live readers (SSE streams, the webhook dispatcher).
 * One reader follows the log after each commit that appended events and keeps the newest events
 * in a ring; readers whose cursor is inside the ring are served from memory, older cursors from
 * the store. So a thousand open streams cost one query per commit, not a thousand, and no
 * stream costs nothing: while none is open, commits are not read at all.
 */
import type { EventFilter, Logger, Store, StoredEvent } from './ports.js';

export type EventQuery = EventFilter;

export interface EventFeedOptions {
  readonly store: Store;
  readonly log: Logger;
  /** Events kept in memory. */
  readonly ringSize?: number;
}

const BATCH = 1000;

export class EventFeed {
  private readonly store: Store;
  private readonly log: Logger;
  private readonly ringSize: number;
  private ring: StoredEvent[] = [];
  /** Every event up to this sequence number has been pulled. */
  private pulled = 0;
  private pulling: Promise<void> | null = null;
  private again = false;
  private waiters = new Set<() => void>();
  private unsubscribe: (() => void) | null = null;
  /** Commits happened while no stream was open, and were not read (nobody needed them). */
  private idle = false;

  constructor(options: EventFeedOptions) {
    this.store = options.store;
    this.log = options.log;
    this.ringSize = options.ringSize ?? 2048;
  }

  async start(): Promise<void> {
    this.pulled = await this.store.lastEventSeq();
    this.unsubscribe = this.store.onEventsAppended(() => {
      if (this.openStreams === 0) this.idle = true;
      else this.pull();
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.wakeAll();
  }

  /** Open streams (for metrics; the SSE route counts them in and out). */
  openStreams = 0;

  /** The newest event's sequence number: where a stream "from now" starts. */
  async head(): Promise<number> {
    await this.wakeUp();
    return this.pulled;
  }

  /**
   * After a time without streams the ring is stale: start it again, empty, at the log's end.
   * Cursors before that point read the store, so nothing is lost.
   */
  private async wakeUp(): Promise<void> {
    if (!this.idle) return;
    this.idle = false;
    this.ring = [];
    this.pulled = await this.store.lastEventSeq();
  }

  /** Events matching `q` after `q.after`, ascending, at most `limit`. */
  async read(q: EventQuery, limit = BATCH): Promise<StoredEvent[]> {
    await this.wakeUp();
    const first = this.ring[0]?.seq ?? this.pulled + 1;
    if (q.after >= first - 1) {
      const out: StoredEvent[] = [];
      for (const e of this.ring) {
        if (e.seq <= q.after || !matches(e, q)) continue;
        out.push(e);
        if (out.length === limit) break;
      }
      return out;
    }
    return this.readLatest(q, limit);
  }

  /** The same, read from the store (also what is committed but not pulled yet). */
  readLatest(q: EventQuery, limit = BATCH): Promise<StoredEvent[]> {
    return this.store.readEvents(q, limit);
  }

  /** How far the feed has read the log (compare with `wait`'s `since`). */
  get position(): number {
    return this.pulled;
  }

  /**
   * Resolves when events after `since` (a `position` taken before the caller's last read) have
   * been pulled — at once if they already are —, after `ms`, or when `signal` aborts.
   */
  wait(ms: number, since: number, signal?: AbortSignal): Promise<void> {
    if (this.pulled > since || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private wakeAll(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Follow the log up to its end; coalesces bursts of commits into one pass. */
  private pull(): void {
    if (this.pulling) {
      this.again = true;
      return;
    }
    this.pulling = (async () => {
      await this.wakeUp();
      do {
        this.again = false;
        for (;;) {
          const page = await this.store.readEvents({ after: this.pulled }, BATCH);
          if (page.length === 0) break;
          this.ring.push(...page);
          this.pulled = page[page.length - 1]?.seq ?? this.pulled;
          if (page.length < BATCH) break;
        }
        if (this.ring.length > this.ringSize) this.ring = this.ring.slice(-this.ringSize);
        this.wakeAll();
      } while (this.again);
    })()
      .catch((err: unknown) => this.log.error({ err }, 'event feed: reading the log failed'))
      .finally(() => {
        this.pulling = null;
      });
  }
}

function matches(e: StoredEvent, q: EventQuery): boolean {
  if (q.instanceId !== undefined && e.instanceId !== q.instanceId) return false;
  if (q.sessionId !== undefined && e.sessionId !== q.sessionId) return false;
  if (q.jobId !== undefined && e.jobId !== q.jobId) return false;
  return true;
}
