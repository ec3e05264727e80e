/**
 * Webhook deliveries over HTTP(S): signed, time-limited, never throwing. Each delivery resolves
 * its host and checks every address first (targets.ts), then connects to the checked address
 * (TLS still verifies the host name), so an internal address is never contacted and the
 * delivery log shows why instead of what answered there.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { WebhookSender } from '../app/webhooks.js';
import type { Clock } from '../domain/clock.js';
import type { TargetAllowList } from '../security/addresses.js';
import { signatureHeader } from '../security/signature.js';
import { TargetRefused, hostOf, resolveTarget } from './targets.js';

/** Error text kept per attempt (the delivery log), not the receiver's whole answer. */
const MAX_ERROR = 300;

export function httpSender(clock: Clock, userAgent: string, allow: TargetAllowList): WebhookSender {
  return {
    async send(r) {
      const t = Math.floor(clock.now().getTime() / 1000);
      try {
        const url = new URL(r.url);
        const target = await resolveTarget(hostOf(url), allow);
        const status = await post(url, target, r.timeoutMs, r.body, {
          'content-type': 'application/json',
          'user-agent': userAgent,
          'berth-event-id': r.eventId,
          'berth-event-type': r.eventType,
          'berth-delivery-id': String(r.deliveryId),
          'berth-signature': signatureHeader(r.secret, r.body, t),
        });
        if (status >= 200 && status < 300) return { ok: true, statusCode: status };
        return { ok: false, statusCode: status, error: `HTTP ${status}` };
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const why =
          e instanceof TargetRefused
            ? `refused: ${err.message} (webhooks reach public addresses only; see BERTH_WEBHOOK_ALLOW)`
            : err.name === 'TimeoutError'
              ? `no answer within ${r.timeoutMs} ms`
              : (err.code ?? err.message);
        return { ok: false, statusCode: null, error: String(why).slice(0, MAX_ERROR) };
      }
    },
  };
}

/** POST `body` to `url` at the checked address; the status code. Redirects are not followed. */
function post(
  url: URL,
  target: { readonly address: string; readonly family: 4 | 6 },
  timeoutMs: number,
  body: string,
  headers: Record<string, string>,
): Promise<number> {
  // Every connection goes to the address that was checked, whatever a new lookup would say.
  const pinned: LookupFunction = (_host, options, cb) => {
    if ((options as { all?: boolean }).all)
      (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
    else cb(null, target.address, target.family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinned,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        // The answer's body is not needed; drain it so the socket is released.
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', (e: Error) => {
      if (e.name === 'AbortError') {
        const timeout = new Error(`no answer within ${timeoutMs} ms`);
        timeout.name = 'TimeoutError';
        reject(timeout);
      } else reject(e);
    });
    req.end(body);
  });
}
