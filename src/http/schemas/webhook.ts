/** Webhooks on the wire (Berth's addition; snake_case like the rest of the API). */
import { Type } from '@sinclair/typebox';
import type { Delivery, Webhook } from '../../domain/webhook/webhook.js';
import { DateTime, Nullable, PageQuery, iso } from './common.js';

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'http or https URL' }),
    events: Type.Optional(
      Type.Array(Type.String(), {
        minItems: 1,
        maxItems: 10,
        description: 'Event types to deliver (default: all)',
      }),
    ),
    secret: Type.Optional(
      Type.String({
        minLength: 16,
        maxLength: 256,
        description: 'Signing secret (default: generated and returned once)',
      }),
    ),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const WebhookSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  instance: Type.String(),
  created: DateTime,
});

export const CreatedWebhook = Type.Intersect([
  WebhookSchema,
  Type.Object({ secret: Type.String({ description: 'Shown only in this answer' }) }),
]);

export const DeliverySchema = Type.Object({
  id: Type.Integer(),
  event_id: Type.String(),
  event_type: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  next_attempt_at: DateTime,
  last_attempt_at: DateTime,
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  created: DateTime,
  delivered_at: DateTime,
});

export const DeliveriesQuery = Type.Object(PageQuery);

export const toWireWebhook = (w: Webhook) => ({
  id: w.id,
  url: w.url,
  events: [...w.eventTypes],
  description: w.description,
  instance: w.instanceId,
  created: iso(w.createdAt),
});

export const toWireDelivery = (d: Delivery) => ({
  id: d.id,
  event_id: String(d.eventSeq),
  event_type: d.eventType,
  status: d.status,
  attempts: d.attempts,
  next_attempt_at: iso(d.nextAttemptAt),
  last_attempt_at: iso(d.lastAttemptAt),
  last_status_code: d.lastStatusCode,
  last_error: d.lastError,
  created: iso(d.createdAt),
  delivered_at: iso(d.deliveredAt),
});
