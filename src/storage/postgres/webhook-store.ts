/** The PostgreSQL implementation of the WebhookStore port, on the main store's pool. */
import type pg from 'pg';
import type { NewDelivery, Page, PageOf, WebhookStore } from '../../app/ports.js';
import type { Delivery, Webhook } from '../../domain/webhook/webhook.js';
import { EVENTS_VISIBLE } from './commit-function.js';
import { toDate, toMs } from '../rows.js';
import {
  type DeliveryRow,
  LIVE,
  type WebhookRow,
  byDue,
  deliveryFromRow,
  webhookFromRow,
} from '../webhook-rows.js';
import { inTransaction, named, query } from './sql.js';

export class PostgresWebhookStore implements WebhookStore {
  constructor(private readonly pool: pg.Pool) {}

  private async all<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
    return (await query(this.pool, named(sql, params))).rows as T[];
  }

  async createWebhook(w: Webhook): Promise<void> {
    await query(
      this.pool,
      named(
        `INSERT INTO webhooks (id, instance_id, url, secret, event_types, description, created_at, after_seq)
         VALUES (@id, @instance_id, @url, @secret, @event_types, @description, @created_at, @after_seq)`,
        {
          id: w.id,
          instance_id: w.instanceId,
          url: w.url,
          secret: w.secret,
          event_types: JSON.stringify(w.eventTypes),
          description: w.description,
          created_at: w.createdAt.getTime(),
          after_seq: w.afterSeq,
        },
      ),
    );
  }

  async getWebhook(id: string): Promise<Webhook | null> {
    const [r] = await this.all<WebhookRow>(`SELECT * FROM webhooks WHERE id = @id AND ${LIVE}`, {
      id,
    });
    return r ? webhookFromRow(r) : null;
  }

  async listWebhooks(instanceId: string): Promise<Webhook[]> {
    const rows = await this.all<WebhookRow>(
      `SELECT * FROM webhooks WHERE instance_id = @instance_id AND ${LIVE} ORDER BY created_at, id`,
      { instance_id: instanceId },
    );
    return rows.map(webhookFromRow);
  }

  async deleteWebhook(id: string, at: Date): Promise<boolean> {
    return inTransaction(this.pool, async (db) => {
      const r = await db.query(
        named(`UPDATE webhooks SET deleted_at = @at WHERE id = @id AND ${LIVE}`, {
          id,
          at: at.getTime(),
        }),
      );
      if (r.rowCount !== 1) return false;
      await db.query(
        `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL,
           last_error = 'webhook deleted' WHERE webhook_id = $1 AND status = 'pending'`,
        [id],
      );
      return true;
    });
  }

  async activeWebhooks(): Promise<Webhook[]> {
    return (await this.all<WebhookRow>(`SELECT * FROM webhooks WHERE ${LIVE}`)).map(webhookFromRow);
  }

  async deliveryCursor(): Promise<number> {
    await query(
      this.pool,
      `INSERT INTO webhook_cursor (id, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM events
       WHERE ${EVENTS_VISIBLE} ON CONFLICT (id) DO NOTHING`,
    );
    const [r] = await this.all<{ seq: number }>('SELECT seq FROM webhook_cursor WHERE id = 1');
    return r?.seq ?? 0;
  }

  async enqueueDeliveries(deliveries: readonly NewDelivery[], cursor: number): Promise<void> {
    await inTransaction(this.pool, async (db) => {
      if (deliveries.length) {
        await db.query(
          named(
            `INSERT INTO webhook_deliveries
               (webhook_id, event_seq, event_type, payload, status, attempts, next_attempt_at, created_at)
             SELECT w, s, t, p, 'pending', 0, a, a
             FROM unnest(@webhook_ids::text[], @seqs::bigint[], @types::text[], @payloads::text[],
               @ats::bigint[]) AS d(w, s, t, p, a)
             ON CONFLICT (webhook_id, event_seq) DO NOTHING`,
            {
              webhook_ids: deliveries.map((d) => d.webhookId),
              seqs: deliveries.map((d) => d.eventSeq),
              types: deliveries.map((d) => d.eventType),
              payloads: deliveries.map((d) => d.payload),
              ats: deliveries.map((d) => d.createdAt.getTime()),
            },
          ),
        );
      }
      // Only forward: another node's dispatcher may already be past this point.
      await db.query('UPDATE webhook_cursor SET seq = GREATEST(seq, $1) WHERE id = 1', [cursor]);
    });
  }

  async claimDueDeliveries(
    now: Date,
    limit: number,
    claim: { readonly owner: string; readonly until: Date },
  ): Promise<Delivery[]> {
    // SKIP LOCKED: dispatchers on several nodes claim disjoint rows without waiting on each other.
    const rows = await this.all<DeliveryRow>(
      `UPDATE webhook_deliveries SET claimed_by = @owner, claim_until = @until
       WHERE id IN (SELECT id FROM webhook_deliveries
         WHERE status = 'pending' AND next_attempt_at <= @now
           AND (claim_until IS NULL OR claim_until <= @now)
         ORDER BY next_attempt_at, id LIMIT @limit FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      { owner: claim.owner, until: claim.until.getTime(), now: now.getTime(), limit },
    );
    return rows.map(deliveryFromRow).sort(byDue);
  }

  async nextDeliveryAt(): Promise<Date | null> {
    const [r] = await this.all<{ t: number | null }>(
      `SELECT MIN(GREATEST(next_attempt_at, COALESCE(claim_until, 0))) AS t
       FROM webhook_deliveries WHERE status = 'pending'`,
    );
    return toDate(r?.t ?? null);
  }

  async saveDelivery(d: Delivery): Promise<void> {
    await query(this.pool, {
      text: `UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3,
         last_attempt_at = $4, last_status_code = $5, last_error = $6, delivered_at = $7,
         claimed_by = NULL, claim_until = NULL
       WHERE id = $8 AND status = 'pending'`,
      values: [
        d.status,
        d.attempts,
        toMs(d.nextAttemptAt),
        toMs(d.lastAttemptAt),
        d.lastStatusCode,
        d.lastError,
        toMs(d.deliveredAt),
        d.id,
      ],
    });
  }

  async deliveryCounts(): Promise<Record<string, number>> {
    const rows = await this.all<{ status: string; n: number }>(
      'SELECT status, COUNT(*) AS n FROM webhook_deliveries GROUP BY status',
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async listDeliveries(webhookId: string, page: Page): Promise<PageOf<Delivery>> {
    const [count] = await this.all<{ n: number }>(
      'SELECT COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = @id',
      { id: webhookId },
    );
    const rows = await this.all<DeliveryRow>(
      `SELECT * FROM webhook_deliveries WHERE webhook_id = @id ORDER BY id DESC
       LIMIT @limit OFFSET @offset`,
      { id: webhookId, limit: page.limit, offset: page.offset },
    );
    return { items: rows.map(deliveryFromRow), count: count?.n ?? 0 };
  }
}
