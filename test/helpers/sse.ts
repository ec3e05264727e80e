/** A small Server-Sent Events reader for tests: fetch, split frames, parse the JSON data. */

export interface SseEvent {
  readonly id: string;
  readonly event: string;
  readonly data: any;
}

/** Parse complete frames from `text`; returns the events and the unparsed rest. */
export function parseFrames(text: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  const frames = text.split('\n\n');
  const rest = frames.pop() ?? '';
  for (const f of frames) {
    let id = '';
    let event = 'message';
    const data: string[] = [];
    for (const line of f.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length) events.push({ id, event, data: JSON.parse(data.join('\n')) });
  }
  return { events, rest };
}

/** An open stream: events so far, a wait for a condition, and close. */
export interface OpenStream {
  readonly events: SseEvent[];
  readonly status: number;
  readonly headers: Headers;
  /** Resolves when `until(events)` holds; rejects after `ms`. */
  waitFor(until: (events: SseEvent[]) => boolean, ms?: number): Promise<SseEvent[]>;
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export async function openStream(
  url: string,
  headers: Record<string, string>,
): Promise<OpenStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const listeners = new Set<() => void>();
  let buffer = '';
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        const parsed = parseFrames(buffer);
        buffer = parsed.rest;
        events.push(...parsed.events);
        for (const fn of listeners) fn();
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    events,
    status: res.status,
    headers: res.headers,
    ended,
    close: () => controller.abort(),
    waitFor(until, ms = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (until(events)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(events);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out; got ${events.map((e) => e.event).join(', ')}`));
        }, ms);
        listeners.add(check);
        check();
      });
    },
  };
}
