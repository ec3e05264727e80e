/**
 * Webhooks: an instance's subscription to its events, delivered at least once by HTTP POST.
 * Pure rules only: which events a webhook wants and when a failed delivery is tried again.
 */

export const WEBHOOK_EVENT_TYPES = [
  'session.state_changed',
  'job.state_changed',
  'job.log',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface Webhook {
  readonly id: string;
  readonly instanceId: string;
  readonly url: string;
  /** Signs each delivery (HMAC-SHA256); kept because signing needs it, shown once. */
  readonly secret: string;
  readonly eventTypes: readonly WebhookEventType[];
  readonly description: string | null;
  readonly createdAt: Date;
  /** Events up to this sequence number happened before the webhook existed. */
  readonly afterSeq: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  readonly id: number;
  readonly webhookId: string;
  readonly eventSeq: number;
  readonly eventType: string;
  /** The exact body sent (and signed). */
  readonly payload: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: Date | null;
  readonly lastAttemptAt: Date | null;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
}

/** Does `webhook` want the event `seq` of `type` in `instanceId`? */
export function wants(
  webhook: Webhook,
  event: { readonly seq: number; readonly type: string; readonly instanceId: string },
): boolean {
  return (
    webhook.instanceId === event.instanceId &&
    event.seq > webhook.afterSeq &&
    (webhook.eventTypes as readonly string[]).includes(event.type)
  );
}

export interface RetryPolicy {
  /** Delay before the second attempt; doubles each time. */
  readonly baseMs: number;
  readonly capMs: number;
  readonly maxAttempts: number;
}

/** The outcome of one attempt, and what the delivery becomes. */
export type AttemptResult =
  | { readonly ok: true; readonly statusCode: number }
  | { readonly ok: false; readonly statusCode: number | null; readonly error: string };

/**
 * The delivery after an attempt at `at`. A 2xx answer delivers it; anything else waits
 * base × 2^(attempts − 1) (capped, with up to 20% jitter from `random`) before the next try,
 * until `maxAttempts` have failed.
 */
export function afterAttempt(
  d: Delivery,
  result: AttemptResult,
  at: Date,
  policy: RetryPolicy,
  random: () => number,
): Delivery {
  const attempts = d.attempts + 1;
  const base = { ...d, attempts, lastAttemptAt: at, lastStatusCode: result.statusCode };
  if (result.ok)
    return { ...base, status: 'delivered', nextAttemptAt: null, deliveredAt: at, lastError: null };
  if (attempts >= policy.maxAttempts)
    return { ...base, status: 'failed', nextAttemptAt: null, lastError: result.error };
  const delay = Math.min(policy.capMs, policy.baseMs * 2 ** (attempts - 1));
  const jittered = Math.round(delay * (1 + 0.2 * random()));
  return {
    ...base,
    status: 'pending',
    nextAttemptAt: new Date(at.getTime() + jittered),
    lastError: result.error,
  };
}
