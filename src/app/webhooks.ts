/**
 * Webhooks: management per instance, and delivery. Delivery runs in two steps, both driven by
 * state in the database so that a crash loses nothing:
 *   1. fan-out: events after the delivery cursor become delivery rows, and the cursor moves in
 *      the same transaction;
 *   2. sending: each pending delivery whose `next_attempt_at` has come is POSTed; the outcome is
 *      saved, with the next attempt time on failure (domain/webhook.ts decides it).
 * A delivery interrupted mid-flight is sent again after a restart: at least once, never lost.
 * Receivers deduplicate on the event id.
 */
import type { Clock } from '../domain/clock.js';
import { AppError } from '../domain/errors.js';
import {
  type AttemptResult,
  type Delivery,
  type RetryPolicy,
  WEBHOOK_EVENT_TYPES,
  type Webhook,
  type WebhookEventType,
  afterAttempt,
  wants,
} from '../domain/webhook/webhook.js';
import { type CallContext, canSee } from './context.js';
import type {
  Logger,
  NewDelivery,
  Page,
  PageOf,
  Store,
  StoredEvent,
  WebhookStore,
} from './ports.js';

/** Sends one delivery (signing it); never throws. */
export interface WebhookSender {
  send(request: {
    readonly url: string;
    readonly secret: string;
    readonly body: string;
    readonly eventId: string;
    readonly eventType: string;
    readonly deliveryId: number;
    readonly timeoutMs: number;
  }): Promise<AttemptResult>;
}

export interface WebhookServiceDeps {
  readonly webhooks: WebhookStore;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly sender: WebhookSender;
  readonly newId: () => string;
  readonly newSecret: () => string;
  /** The wire JSON of an event (the same as an SSE frame's data). */
  readonly render: (e: StoredEvent) => string;
  readonly policy: RetryPolicy & { readonly timeoutMs: number };
  /**
   * Why a webhook may not be sent to this URL (its host resolves to an internal address that
   * the administrator has not allowed), or null. Deliveries check again, on the address used.
   */
  readonly targetRefusal: (url: string) => Promise<string | null>;
  readonly random?: () => number;
  /** Who claims deliveries (this node's id). */
  readonly nodeId: string;
}

export interface WebhookRequest {
  readonly url: string;
  readonly eventTypes?: readonly string[] | undefined;
  readonly secret?: string | undefined;
  readonly description?: string | undefined;
}

const FAN_OUT_BATCH = 500;
/** Deliveries in flight at once. */
const CONCURRENCY = 8;
/** A claim outlasts the attempt's timeout by this much (a slow save after it). */
const CLAIM_MARGIN_MS = 5_000;
/** The longest sleep between checks (a safety net; every change wakes the loop anyway). */
const MAX_SLEEP_MS = 60_000;
/**
 * After a fan-out found no webhook at all, commits are not looked at for this long: a busy node
 * commits hundreds of times a second, and a lab without webhooks should not pay two reads for
 * each. Nothing is missed: the cursor does not move meanwhile, and a webhook made in that time
 * (here or on another node) wants only events after its creation, which the next look scans.
 */
const NO_WEBHOOKS_FRESH_MS = 1000;

export type WebhookService = ReturnType<typeof createWebhookService>;

export function createWebhookService(deps: WebhookServiceDeps) {
  const { webhooks, clock } = deps;
  const random = deps.random ?? Math.random;
  const inFlight = new Map<number, Promise<void>>();
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let busy: Promise<void> | null = null;
  let again = false;
  let unsubscribe: (() => void) | null = null;
  /** Events up to here have been turned into deliveries (null: read the stored cursor). */
  let memCursor: number | null = null;
  /**
   * Whether the store may hold pending deliveries (null: unknown). While it holds none and no
   * attempt is in flight, a commit costs the dispatcher one read, not a sending pass.
   */
  let pending: boolean | null = null;
  /** When a fan-out last found no webhook (performance.now()), or null. */
  let noneSince: number | null = null;

  async function load(ctx: CallContext, id: string): Promise<Webhook> {
    const w = await webhooks.getWebhook(id);
    if (!w || !canSee(ctx, w.instanceId))
      throw new AppError('webhook_not_found', `Webhook ${id} not found`);
    return w;
  }

  function validUrl(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new AppError('invalid_request', `url is not a valid URL: ${JSON.stringify(raw)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new AppError('invalid_request', 'url must be an http or https URL');
    if (url.username || url.password)
      throw new AppError('invalid_request', 'url must not contain credentials');
    return url.toString();
  }

  function validTypes(types: readonly string[] | undefined): WebhookEventType[] {
    if (types === undefined) return [...WEBHOOK_EVENT_TYPES];
    for (const t of types) {
      if (!(WEBHOOK_EVENT_TYPES as readonly string[]).includes(t))
        throw new AppError(
          'invalid_request',
          `Unknown event type ${JSON.stringify(t)}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
        );
    }
    return [...new Set(types)] as WebhookEventType[];
  }

  /**
   * Turn new events into deliveries. The stored cursor moves only in the transaction that
   * inserts deliveries; past events that made none it moves in memory, so that a commit costs
   * no extra write when no webhook wants it (after a restart those events are scanned again,
   * and again make none).
   */
  async function fanOut(): Promise<void> {
    if (noneSince !== null && performance.now() - noneSince < NO_WEBHOOKS_FRESH_MS) return;
    noneSince = null;
    let cursor = memCursor ?? (await webhooks.deliveryCursor());
    // The head is read before the webhooks: one created after it wants only later events.
    const head = await deps.store.lastEventSeq();
    // Read per pass, not cached: another node may have created or deleted one.
    const hooks = await webhooks.activeWebhooks();
    if (hooks.length === 0) {
      memCursor = Math.max(cursor, head);
      noneSince = performance.now();
      return;
    }
    while (cursor < head) {
      const events = await deps.store.readEvents({ after: cursor }, FAN_OUT_BATCH);
      if (events.length === 0) break;
      const now = clock.now();
      const out: NewDelivery[] = [];
      for (const e of events) {
        const targets = hooks.filter((w) => wants(w, e));
        if (targets.length === 0) continue;
        const payload = deps.render(e);
        for (const w of targets)
          out.push({
            webhookId: w.id,
            eventSeq: e.seq,
            eventType: e.type,
            payload,
            createdAt: now,
          });
      }
      cursor = events[events.length - 1]?.seq ?? cursor;
      if (out.length > 0) {
        await webhooks.enqueueDeliveries(out, cursor);
        pending = true;
      }
      memCursor = cursor;
    }
  }

  async function attempt(d: Delivery): Promise<void> {
    const w = await webhooks.getWebhook(d.webhookId);
    if (!w) return; // deleted meanwhile: its pending deliveries were failed with it
    const result = await deps.sender.send({
      url: w.url,
      secret: w.secret,
      body: d.payload,
      eventId: String(d.eventSeq),
      eventType: d.eventType,
      deliveryId: d.id,
      timeoutMs: deps.policy.timeoutMs,
    });
    const next = afterAttempt(d, result, clock.now(), deps.policy, random);
    await webhooks.saveDelivery(next);
    if (next.status === 'failed')
      deps.log.warn(
        { webhook: w.id, delivery: d.id, event: d.eventSeq, error: next.lastError },
        'webhook delivery failed for good',
      );
  }

  /** Start what is due, up to the concurrency limit. */
  async function sendDue(): Promise<void> {
    const free = CONCURRENCY - inFlight.size;
    if (free <= 0) return;
    // Claimed, so that a dispatcher on another node does not send the same attempt meanwhile.
    const now = clock.now();
    const due = await webhooks.claimDueDeliveries(now, free, {
      owner: deps.nodeId,
      until: new Date(now.getTime() + deps.policy.timeoutMs * 2 + CLAIM_MARGIN_MS),
    });
    for (const d of due.filter((x) => !inFlight.has(x.id))) {
      const p = attempt(d)
        .catch((err: unknown) => deps.log.error({ err, delivery: d.id }, 'webhook attempt failed'))
        .finally(() => {
          inFlight.delete(d.id);
          pending = null; // it may be pending again, for a retry
          wake();
        });
      inFlight.set(d.id, p);
    }
  }

  async function arm(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!running) return;
    const next = await webhooks.nextDeliveryAt();
    pending = next !== null;
    const wait = next ? Math.max(0, next.getTime() - clock.now().getTime()) : MAX_SLEEP_MS;
    timer = setTimeout(wake, Math.min(wait, MAX_SLEEP_MS));
    timer.unref();
  }

  /** One pass: fan out, send what is due, sleep until the next due attempt. Coalesced. */
  function wake(): void {
    if (!running) return;
    if (busy) {
      again = true;
      return;
    }
    busy = (async () => {
      do {
        again = false;
        await fanOut();
        if (pending === false && inFlight.size === 0) continue;
        await sendDue();
        await arm();
      } while (again && running);
    })()
      .catch((err: unknown) => deps.log.error({ err }, 'webhook dispatcher failed'))
      .finally(() => {
        busy = null;
      });
  }

  return {
    async create(
      ctx: CallContext,
      req: WebhookRequest,
    ): Promise<{ webhook: Webhook; secret: string }> {
      const url = validUrl(req.url);
      const eventTypes = validTypes(req.eventTypes);
      const refused = await deps.targetRefusal(url);
      if (refused)
        throw new AppError(
          'invalid_request',
          `url cannot be a webhook target: ${refused}. Webhooks reach public addresses only; an administrator can allow internal receivers with BERTH_WEBHOOK_ALLOW (host names or CIDRs)`,
        );
      const secret = req.secret ?? `whsec_${deps.newSecret()}`;
      const webhook: Webhook = {
        id: deps.newId(),
        instanceId: ctx.instanceId,
        url,
        secret,
        eventTypes,
        description: req.description ?? null,
        createdAt: clock.now(),
        afterSeq: await deps.store.lastEventSeq(),
      };
      await webhooks.createWebhook(webhook);
      noneSince = null;
      return { webhook, secret };
    },

    async list(ctx: CallContext): Promise<Webhook[]> {
      return webhooks.listWebhooks(ctx.instanceId);
    },

    get: load,

    async remove(ctx: CallContext, id: string): Promise<void> {
      await load(ctx, id);
      if (!(await webhooks.deleteWebhook(id, clock.now())))
        throw new AppError('webhook_not_found', `Webhook ${id} not found`);
    },

    async deliveries(ctx: CallContext, id: string, page: Page): Promise<PageOf<Delivery>> {
      await load(ctx, id);
      return webhooks.listDeliveries(id, page);
    },

    deliveryCounts: (): Promise<Record<string, number>> => webhooks.deliveryCounts(),

    /** Start delivering: catch up on what a previous run left, then follow the log. */
    start(): void {
      running = true;
      unsubscribe = deps.store.onEventsAppended(wake);
      wake();
    },

    /** Stop starting attempts, and wait (up to `graceMs`) for those in flight. */
    async stop(graceMs = 5000): Promise<void> {
      running = false;
      unsubscribe?.();
      if (timer) clearTimeout(timer);
      const pending = [...inFlight.values(), ...(busy ? [busy] : [])];
      await Promise.race([
        Promise.allSettled(pending),
        new Promise((r) => setTimeout(r, graceMs).unref()),
      ]);
    },
  };
}
