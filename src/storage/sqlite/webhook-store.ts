/** The SQLite implementation of the WebhookStore port, on the main store's connection. */
import type Database from 'better-sqlite3';
import type { NewDelivery, Page, PageOf, WebhookStore } from '../../app/ports.js';
import type { Delivery, Webhook } from '../../domain/webhook/webhook.js';
import { toDate, toMs } from '../rows.js';
import {
  type DeliveryRow,
  LIVE,
  type WebhookRow,
  byDue,
  deliveryFromRow,
  webhookFromRow,
} from '../webhook-rows.js';

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

  async claimDueDeliveries(
    now: Date,
    limit: number,
    claim: { readonly owner: string; readonly until: Date },
  ): Promise<Delivery[]> {
    const rows = this.st(
      `UPDATE webhook_deliveries SET claimed_by = @owner, claim_until = @until
       WHERE id IN (SELECT id FROM webhook_deliveries
         WHERE status = 'pending' AND next_attempt_at <= @now
           AND (claim_until IS NULL OR claim_until <= @now)
         ORDER BY next_attempt_at, id LIMIT @limit)
       RETURNING *`,
    ).all({
      owner: claim.owner,
      until: claim.until.getTime(),
      now: now.getTime(),
      limit,
    }) as DeliveryRow[];
    return rows.map(deliveryFromRow).sort(byDue);
  }

  async nextDeliveryAt(): Promise<Date | null> {
    const r = this.st(
      `SELECT MIN(MAX(next_attempt_at, COALESCE(claim_until, 0))) AS t FROM webhook_deliveries
       WHERE status = 'pending'`,
    ).get() as { t: number | null };
    return toDate(r.t);
  }

  async saveDelivery(d: Delivery): Promise<void> {
    this.st(
      `UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?,
         last_attempt_at = ?, last_status_code = ?, last_error = ?, delivered_at = ?,
         claimed_by = NULL, claim_until = NULL
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
