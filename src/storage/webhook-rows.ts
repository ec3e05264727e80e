/** Row ↔ domain mapping of the webhook tables, shared by both dialects. */
import type {
  Delivery,
  DeliveryStatus,
  Webhook,
  WebhookEventType,
} from '../domain/webhook/webhook.js';
import { toDate } from './rows.js';

export interface WebhookRow {
  id: string;
  instance_id: string;
  url: string;
  secret: string;
  event_types: string;
  description: string | null;
  created_at: number;
  after_seq: number;
}

export interface DeliveryRow {
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

export const webhookFromRow = (r: WebhookRow): Webhook => ({
  id: r.id,
  instanceId: r.instance_id,
  url: r.url,
  secret: r.secret,
  eventTypes: JSON.parse(r.event_types) as WebhookEventType[],
  description: r.description,
  createdAt: new Date(r.created_at),
  afterSeq: r.after_seq,
});

export const deliveryFromRow = (r: DeliveryRow): Delivery => ({
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

export const LIVE = 'deleted_at IS NULL';

/** Earliest due first (RETURNING keeps no order). */
export const byDue = (a: Delivery, b: Delivery): number =>
  (a.nextAttemptAt?.getTime() ?? 0) - (b.nextAttemptAt?.getTime() ?? 0) || a.id - b.id;
