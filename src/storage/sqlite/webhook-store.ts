/** The SQLite implementation of the WebhookStore port, on the main store's connection. */
import type Database from 'better-sqlite3';
import type { NewDelivery, Page, PageOf, WebhookStore } from '../../app/ports.js';
import type {
  Delivery,
  DeliveryStatus,
  Webhook,
  WebhookEventType,
} from '../../domain/webhook/webhook.js';
import { toDate, toMs } from './rows.js';

interface WebhookRow {
  id: string;
  instance_id: string;
  url: string;
  secret: string;
  event_types: string;
  description: string | null;
  created_at: number;
  after_seq: number;
}

interface DeliveryRow {
  id: number;
  webhook_id: string;
  event_seq: number;
  event_type: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

const webhookFromRow = (r: WebhookRow): Webhook => ({
  id: r.id,
  instanceId: r.instance_id,
  url: r.url,
  secret: r.secret,
  eventTypes: JSON.parse(r.event_types) as WebhookEventType[],
  description: r.description,
  createdAt: new Date(r.created_at),
  afterSeq: r.after_seq,
});

const deliveryFromRow = (r: DeliveryRow): Delivery => ({
  id: r.id,
  webhookId: r.webhook_id,
  eventSeq: r.event_seq,
  eventType: r.event_type,
  payload: r.payload,
  status: r.status as DeliveryStatus,
  attempts: r.attempts,
  nextAttemptAt: toDate(r.next_attempt_at),
  lastAttemptAt: toDate(r.last_attempt_at),
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  createdAt: new Date(r.created_at),
  deliveredAt: toDate(r.delivered_at),
});

const LIVE = 'deleted_at IS NULL';

export class SqliteWebhookStore implements WebhookStore {
  private readonly stmts = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  private st(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) this.stmts.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  async createWebhook(w: Webhook): Promise<void> {
    this.st(
      `INSERT INTO webhooks (id, instance_id, url, secret, event_types, description, created_at, after_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      w.id,
      w.instanceId,
      w.url,
      w.secret,
      JSON.stringify(w.eventTypes),
      w.description,
      w.createdAt.getTime(),
      w.afterSeq,
    );
  }

  async getWebhook(id: string): Promise<Webhook | null> {
    const r = this.st(`SELECT * FROM webhooks WHERE id = ? AND ${LIVE}`).get(id) as
      WebhookRow | undefined;
    return r ? webhookFromRow(r) : null;
  }

  async listWebhooks(instanceId: string): Promise<Webhook[]> {
    const rows = this.st(
      `SELECT * FROM webhooks WHERE instance_id = ? AND ${LIVE} ORDER BY created_at, id`,
    ).all(instanceId) as WebhookRow[];
    return rows.map(webhookFromRow);
  }

  async deleteWebhook(id: string, at: Date): Promise<boolean> {
    return this.db.transaction(() => {
      const r = this.st(`UPDATE webhooks SET deleted_at = ? WHERE id = ? AND ${LIVE}`).run(
        at.getTime(),
        id,
      );
      if (r.changes !== 1) return false;
      this.st(
        `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL,
           last_error = 'webhook deleted' WHERE webhook_id = ? AND status = 'pending'`,
      ).run(id);
      return true;
    })();
  }

  async activeWebhooks(): Promise<Webhook[]> {
    return (this.st(`SELECT * FROM webhooks WHERE ${LIVE}`).all() as WebhookRow[]).map(
      webhookFromRow,
    );
  }

  async deliveryCursor(): Promise<number> {
    return this.db.transaction(() => {
      this.st(
        `INSERT OR IGNORE INTO webhook_cursor (id, seq)
         SELECT 1, COALESCE(MAX(seq), 0) FROM events`,
      ).run();
      return (this.st('SELECT seq FROM webhook_cursor WHERE id = 1').get() as { seq: number }).seq;
    })();
  }

  async enqueueDeliveries(deliveries: readonly NewDelivery[], cursor: number): Promise<void> {
    this.db.transaction(() => {
      const insert = this.st(
        `INSERT OR IGNORE INTO webhook_deliveries
           (webhook_id, event_seq, event_type, payload, status, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)`,
      );
      for (const d of deliveries) {
        const at = d.createdAt.getTime();
        insert.run(d.webhookId, d.eventSeq, d.eventType, d.payload, at, at);
      }
      this.st('UPDATE webhook_cursor SET seq = MAX(seq, ?) WHERE id = 1').run(cursor);
    })();
  }

  async dueDeliveries(now: Date, limit: number): Promise<Delivery[]> {
    const rows = this.st(
      `SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
       ORDER BY next_attempt_at, id LIMIT ?`,
    ).all(now.getTime(), limit) as DeliveryRow[];
    return rows.map(deliveryFromRow);
  }

  async nextDeliveryAt(): Promise<Date | null> {
    const r = this.st(
      `SELECT MIN(next_attempt_at) AS t FROM webhook_deliveries WHERE status = 'pending'`,
    ).get() as { t: number | null };
    return toDate(r.t);
  }

  async saveDelivery(d: Delivery): Promise<void> {
    this.st(
      `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?,
         last_attempt_at = ?, last_status_code = ?, last_error = ?, delivered_at = ?
       WHERE id = ? AND status = 'pending'`,
    ).run(
      d.status,
      d.attempts,
      toMs(d.nextAttemptAt),
      toMs(d.lastAttemptAt),
      d.lastStatusCode,
      d.lastError,
      toMs(d.deliveredAt),
      d.id,
    );
  }

  async deliveryCounts(): Promise<Record<string, number>> {
    const rows = this.st(
      'SELECT status, COUNT(*) AS n FROM webhook_deliveries GROUP BY status',
    ).all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async listDeliveries(webhookId: string, page: Page): Promise<PageOf<Delivery>> {
    const count = (
      this.st('SELECT COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = ?').get(
        webhookId,
      ) as { n: number }
    ).n;
    const rows = this.st(
      'SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ? OFFSET ?',
    ).all(webhookId, page.limit, page.offset) as DeliveryRow[];
    return { items: rows.map(deliveryFromRow), count };
  }
}
