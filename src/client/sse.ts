/**
 * A Server-Sent Events parser following the HTML standard's "event stream interpretation":
 * lines end with CRLF, LF or CR (also when split across chunks); `data` lines accumulate with
 * newlines between them; `id` sets the last event id (ignored when it contains NUL) and stays
 * set for later events; `retry` (digits only) sets the reconnection time; lines starting with
 * `:` are comments; one space after the colon is dropped; an event is dispatched at a blank line
 * and only when it has data; an unfinished event at the end of the stream is discarded.
 */

export interface SseMessage {
  /** The `event` field, or `message` when there was none. */
  readonly event: string;
  readonly data: string;
  /** The last event id in force when this event was dispatched ('' when none). */
  readonly lastEventId: string;
}

export class SseParser {
  /** The last event id seen (persists across events, as the standard says). */
  lastEventId = '';
  /** The reconnection time from the last valid `retry:` field, or null. */
  retryMs: number | null = null;

  private buffer = '';
  private data: string[] = [];
  private hasData = false;
  private eventType = '';
  private sawCr = false;
  private started = false;

  /** Feed decoded text; returns the events it completes. */
  push(chunk: string): SseMessage[] {
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // A CR at the end of the previous chunk already ended its line: skip the LF of a CRLF.
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1);
    this.sawCr = false;
    const out: SseMessage[] = [];
    let buf = this.buffer + text;
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(buf.slice(start, i), out);
      if (c === 13) {
        if (i + 1 < buf.length) {
          if (buf.charCodeAt(i + 1) === 10) i++;
        } else {
          this.sawCr = true;
        }
      }
      start = i + 1;
    }
    buf = buf.slice(start);
    this.buffer = buf;
    return out;
  }

  /** The stream ended: an unfinished event is discarded (nothing is returned). */
  end(): SseMessage[] {
    this.buffer = '';
    this.resetEvent();
    return [];
  }

  private resetEvent(): void {
    this.data = [];
    this.hasData = false;
    this.eventType = '';
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.hasData) {
        out.push({
          event: this.eventType || 'message',
          data: this.data.join('\n'),
          lastEventId: this.lastEventId,
        });
      }
      this.resetEvent();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
    }
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
  }
}

/**
 * Read an SSE body: yields each event as it completes. A clean end of the body returns; a
 * broken connection throws (the caller tells them apart to decide whether to reconnect).
 */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  parser: SseParser = new SseParser(),
): AsyncGenerator<SseMessage, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        yield* parser.push(decoder.decode());
        parser.end();
        return;
      }
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
  } finally {
    // Stop the download when the consumer leaves early (break, return, throw).
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
