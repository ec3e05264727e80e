/**
 * Event streams as async iterables, with reconnection: after a dropped connection the stream
 * is opened again with `Last-Event-ID` set to the last event seen, after a backoff (the server's
 * `retry:` time, doubled on each consecutive failure, at most 30 s, with jitter).
 *
 * - A job's stream ends when the server ends it after the job's final state.
 * - Session and instance streams stay open: the iteration goes on until the caller aborts (the
 *   iteration then ends quietly) or leaves the loop. A stream the server ends (a restart) is
 *   opened again.
 * - 4xx answers other than 408 and 429 end the iteration with their BerthError.
 */
import { BerthError, isBerthError } from './errors.js';
import { sleep, type Transport } from './http.js';
import { readSse, SseParser, type SseMessage } from './sse.js';
import type { BerthEvent, BerthEventType } from './types.js';

export interface EventStreamOptions {
  /** Start after this event id (default: a job's or a session's whole history; the instance stream starts now). */
  readonly after?: string | number | undefined;
  /** Stop listening: the iteration ends (without an error). */
  readonly signal?: AbortSignal | undefined;
  /** Only these event types (default: all). */
  readonly types?: readonly BerthEventType[] | undefined;
}

/** @internal */
export interface StreamSettings extends EventStreamOptions {
  /** `job`: a clean end of the stream ends the iteration; `open`: reconnect. */
  readonly kind: 'job' | 'open';
  /** Throw after this many consecutive failed connections (default: never give up). */
  readonly maxFailures?: number | undefined;
  /** The reconnection time before the server says one (default 1000 ms). */
  readonly retryMs?: number | undefined;
  /** The longest delay between reconnections (default 30 s). */
  readonly maxDelayMs?: number | undefined;
}

const EVENT_TYPES: ReadonlySet<string> = new Set<BerthEventType>([
  'job.state_changed',
  'session.state_changed',
  'job.log',
]);

const FINAL = new Set(['Completed', 'Failed', 'Cancelled']);

/** An SSE message → a BerthEvent, or null for anything else (unknown types are skipped). */
export function toBerthEvent(msg: SseMessage): BerthEvent | null {
  if (!EVENT_TYPES.has(msg.event)) return null;
  let body: unknown;
  try {
    body = JSON.parse(msg.data);
  } catch {
    return null;
  }
  if (!body || typeof body !== 'object') return null;
  const b = body as { id?: unknown; type?: unknown; created?: unknown; data?: unknown };
  const type = typeof b.type === 'string' ? b.type : msg.event;
  if (!EVENT_TYPES.has(type) || !b.data || typeof b.data !== 'object') return null;
  return {
    id: b.id !== undefined && b.id !== null ? String(b.id) : msg.lastEventId,
    type,
    created: typeof b.created === 'string' ? b.created : '',
    data: b.data,
  } as BerthEvent;
}

function retryable(err: unknown): boolean {
  if (!isBerthError(err)) return true; // a broken body stream, say
  return err.status === 0 || err.status === 408 || err.status === 429 || err.status >= 500;
}

export async function* eventStream(
  transport: Transport,
  path: string,
  o: StreamSettings,
): AsyncGenerator<BerthEvent, void, undefined> {
  const signal = o.signal;
  let lastId: string | null = o.after !== undefined ? String(o.after) : null;
  let retryMs = o.retryMs ?? 1000;
  const maxDelayMs = o.maxDelayMs ?? 30_000;
  let failures = 0;
  let sawFinal = false;
  for (;;) {
    if (signal?.aborted) return;
    let received = 0;
    let cleanEnd = false;
    const parser = new SseParser();
    try {
      const res = await transport.stream(path, {
        accept: 'text/event-stream',
        query: o.types ? { types: o.types.join(',') } : undefined,
        headers: lastId !== null ? { 'last-event-id': lastId } : undefined,
        signal,
      });
      const type = res.headers.get('content-type') ?? '';
      if (!type.toLowerCase().startsWith('text/event-stream') || !res.body) {
        await res.body?.cancel().catch(() => undefined);
        throw new BerthError({
          status: res.status,
          code: 'invalid_response',
          message: `GET ${path} answered ${type || 'no content type'}, not an event stream`,
          requestId: res.headers.get('x-request-id'),
          method: 'GET',
          url: transport.url(path),
        });
      }
      for await (const msg of readSse(res.body, parser)) {
        if (parser.retryMs !== null) retryMs = parser.retryMs;
        if (msg.lastEventId !== '') lastId = msg.lastEventId;
        const event = toBerthEvent(msg);
        if (!event) continue;
        received++;
        failures = 0;
        if (event.type === 'job.state_changed' && FINAL.has(event.data.state.status))
          sawFinal = true;
        yield event;
      }
      cleanEnd = true;
    } catch (err) {
      if (signal?.aborted) return;
      if (isBerthError(err) && err.code === 'invalid_response') throw err;
      if (!retryable(err)) throw err;
      failures++;
      if (o.maxFailures !== undefined && failures > o.maxFailures) throw err;
    }
    if (parser.retryMs !== null) retryMs = parser.retryMs;
    if (cleanEnd) {
      if (o.kind === 'job') {
        // The server ends a job's stream after its final state, or at once when the job was
        // already final (nothing after our cursor). Any other end (a restart): open it again.
        if (sawFinal || received === 0) return;
      }
      if (received === 0) failures++;
    }
    const exp = Math.min(maxDelayMs, retryMs * 2 ** Math.max(0, failures - 1));
    const delay = exp * (0.8 + Math.random() * 0.4);
    try {
      await sleep(delay, signal);
    } catch {
      return;
    }
  }
}
