/** Webhook deliveries over HTTP(S) with fetch: signed, time-limited, never throwing. */
import type { WebhookSender } from '../app/webhooks.js';
import type { Clock } from '../domain/clock.js';
import { signatureHeader } from '../security/signature.js';

/** Error text kept per attempt (the delivery log), not the receiver's whole answer. */
const MAX_ERROR = 300;

export function httpSender(clock: Clock, userAgent: string): WebhookSender {
  return {
    async send(r) {
      const t = Math.floor(clock.now().getTime() / 1000);
      try {
        const res = await fetch(r.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': userAgent,
            'berth-event-id': r.eventId,
            'berth-event-type': r.eventType,
            'berth-delivery-id': String(r.deliveryId),
            'berth-signature': signatureHeader(r.secret, r.body, t),
          },
          body: r.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(r.timeoutMs),
        });
        // The answer's body is not needed; drain it so the connection can be reused.
        await res.body?.cancel().catch(() => {});
        if (res.status >= 200 && res.status < 300) return { ok: true, statusCode: res.status };
        return { ok: false, statusCode: res.status, error: `HTTP ${res.status}` };
      } catch (e) {
        const err = e as Error & { cause?: { code?: string } };
        const why =
          err.name === 'TimeoutError'
            ? `no answer within ${r.timeoutMs} ms`
            : (err.cause?.code ?? err.message);
        return { ok: false, statusCode: null, error: String(why).slice(0, MAX_ERROR) };
      }
    },
  };
}
