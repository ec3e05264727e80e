/**
 * Telling the other nodes of this node's commits (what they touched, the earliest deadline they
 * wrote), outside the commits themselves. A NOTIFY inside a commit holds PostgreSQL's
 * notification lock from before the commit record until it is flushed, so every notifying
 * commit of every node queued on it. Here a commit only queues its news; one NOTIFY, in a
 * transaction of its own that does not wait for its flush (notifications are not durable
 * anyway), carries all the news queued while the previous one was on its way.
 *
 * A node that dies between a commit and its NOTIFY leaves the others uninformed: they catch up
 * at their next look (the scheduler looks for due deadlines at least every few seconds, and at
 * once when it sees a node die; streams catch up at the next notification from anyone).
 */
import type pg from 'pg';
import { query } from './sql.js';

/** A NOTIFY payload must stay below 8000 bytes: past this, "any backend" instead of a list. */
const MAX_BACKENDS_TEXT = 7000;

export class Notifier {
  private readonly backends = new Set<string>();
  private due = Infinity;
  private queued = false;
  private sending: Promise<void> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly channel: string,
    /** Tags this process's notifications, so that it does not hear itself. */
    private readonly tag: string,
  ) {}

  /** Queue news of a commit: the backends it touched and the earliest deadline it wrote. */
  add(backends: Iterable<string>, due: number | null): void {
    for (const b of backends) this.backends.add(b);
    if (due !== null && due < this.due) this.due = due;
    this.queued = true;
    this.sending ??= this.send().finally(() => {
      this.sending = null;
    });
  }

  /** Resolves once everything queued so far has been sent (or given up). */
  async flushed(): Promise<void> {
    while (this.sending) await this.sending;
  }

  private async send(): Promise<void> {
    while (this.queued) {
      let list = [...this.backends].join(',');
      if (list.length > MAX_BACKENDS_TEXT) list = '';
      const payload = `${this.tag} ${list} ${this.due === Infinity ? '-' : this.due}`;
      this.backends.clear();
      this.due = Infinity;
      this.queued = false;
      try {
        await query(this.pool, {
          text: "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)",
          values: [this.channel, payload],
        });
      } catch {
        // The database is away: the others catch up when it is back (see the header).
      }
    }
  }
}
