/** The SSE parser (HTML standard, event stream interpretation), and small pure helpers. */
import { describe, expect, it } from 'vitest';
import { SseParser, type SseMessage } from '../../src/client/index.js';
import { toBerthEvent } from '../../src/client/events.js';
import { backoffDelay, notSent, parseRetryAfter } from '../../src/client/http.js';
import { normalizeBaseUrl } from '../../src/client/client.js';
import { errorFromResponse } from '../../src/client/errors.js';
import { fillPath } from '../../src/client/api.js';
import { readSse } from '../../src/client/sse.js';

function parse(...chunks: string[]): { messages: SseMessage[]; parser: SseParser } {
  const parser = new SseParser();
  const messages = chunks.flatMap((c) => parser.push(c));
  parser.end();
  return { messages, parser };
}

function stream(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
}

const FRAME =
  'retry: 2000\n\n: keep-alive\n\nid: 1\nevent: job.log\ndata: {"a":1}\n\nid: 2\nevent: job.state_changed\ndata: line one\ndata: line two\n\n';

describe('SseParser', () => {
  it('parses events, ids, retry, comments and multi-line data', () => {
    const { messages, parser } = parse(FRAME);
    expect(messages).toEqual([
      { event: 'job.log', data: '{"a":1}', lastEventId: '1' },
      { event: 'job.state_changed', data: 'line one\nline two', lastEventId: '2' },
    ]);
    expect(parser.retryMs).toBe(2000);
    expect(parser.lastEventId).toBe('2');
  });

  it('gives the same events however the text is split, with LF, CRLF or CR line ends', () => {
    const expected = parse(FRAME).messages;
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = FRAME.replace(/\n/g, eol);
      expect(parse(text).messages, JSON.stringify(eol)).toEqual(expected);
      for (let i = 0; i <= text.length; i++) {
        expect(
          parse(text.slice(0, i), text.slice(i)).messages,
          `${JSON.stringify(eol)} @${i}`,
        ).toEqual(expected);
      }
      expect(parse(...text.split('')).messages).toEqual(expected);
    }
  });

  it('follows the standard on the corner cases', () => {
    // Default event type, one leading space dropped (only one), a field without a colon.
    expect(parse('data:  two spaces\n\ndata\n\n').messages).toEqual([
      { event: 'message', data: ' two spaces', lastEventId: '' },
      { event: 'message', data: '', lastEventId: '' },
    ]);
    // No data: nothing dispatched, but the id stays in force; an id with NUL is ignored.
    expect(parse('id: 7\nevent: x\n\ndata: a\n\nid: 8\u0000\ndata: b\n\n').messages).toEqual([
      { event: 'message', data: 'a', lastEventId: '7' },
      { event: 'message', data: 'b', lastEventId: '7' },
    ]);
    // An empty id resets it.
    expect(parse('id: 3\ndata: a\n\nid\ndata: b\n\n').messages.map((m) => m.lastEventId)).toEqual([
      '3',
      '',
    ]);
    // retry: digits only; unknown fields ignored; a BOM at the start is dropped.
    const { messages, parser } = parse('\uFEFFretry: 12x\nfoo: bar\nretry: 50\ndata: z\n\n');
    expect(parser.retryMs).toBe(50);
    expect(messages).toEqual([{ event: 'message', data: 'z', lastEventId: '' }]);
    // An unfinished event at the end of the stream is dropped.
    expect(parse('data: done\n\ndata: unfinished\n').messages).toEqual([
      { event: 'message', data: 'done', lastEventId: '' },
    ]);
    // A trailing data line's newline is not kept.
    expect(parse('data: a\ndata:\n\n').messages[0]?.data).toBe('a\n');
  });

  it('reads a byte stream, with multi-byte characters split across chunks', async () => {
    const bytes = new TextEncoder().encode('id: 1\ndata: {"line":"µ→✓ 😀"}\n\n');
    const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
    const out: SseMessage[] = [];
    for await (const m of readSse(stream(chunks))) out.push(m);
    expect(out).toEqual([{ event: 'message', data: '{"line":"µ→✓ 😀"}', lastEventId: '1' }]);
  });
});

describe('events and transport helpers', () => {
  it('turns SSE messages into typed events, skipping unknown types and bad JSON', () => {
    const job = { id: 'j', state: { status: 'Running' } };
    const data = JSON.stringify({ id: '5', type: 'job.state_changed', created: 'T', data: job });
    expect(toBerthEvent({ event: 'job.state_changed', data, lastEventId: '5' })).toEqual({
      id: '5',
      type: 'job.state_changed',
      created: 'T',
      data: job,
    });
    expect(toBerthEvent({ event: 'something.new', data: '{}', lastEventId: '6' })).toBeNull();
    expect(toBerthEvent({ event: 'job.log', data: 'not json', lastEventId: '7' })).toBeNull();
  });

  it('computes backoff with jitter, reads Retry-After, and knows when nothing was sent', () => {
    const b = { baseMs: 200, capMs: 5000 };
    for (let attempt = 0; attempt < 8; attempt++) {
      const ceiling = Math.min(5000, 200 * 2 ** attempt);
      for (let i = 0; i < 20; i++) {
        const d = backoffDelay(attempt, b);
        expect(d).toBeGreaterThanOrEqual(ceiling / 2);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
    expect(parseRetryAfter(null, 0)).toBeNull();
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(notSent(refused)).toBe(true);
    const both = new TypeError('fetch failed', {
      cause: new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]),
    });
    expect(notSent(both)).toBe(true);
    const reset = new TypeError('fetch failed', {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    expect(notSent(reset)).toBe(false);
    expect(notSent(new TypeError('Failed to fetch'))).toBe(false);
  });

  it('normalises base URLs and fills path templates', () => {
    expect(normalizeBaseUrl('http://h:8000')).toBe('http://h:8000');
    expect(normalizeBaseUrl('http://h:8000/')).toBe('http://h:8000');
    expect(normalizeBaseUrl('https://h/berth/api/v1/')).toBe('https://h/berth');
    expect(() => normalizeBaseUrl('ftp://h')).toThrow(TypeError);
    expect(() => normalizeBaseUrl('not a url')).toThrow(TypeError);
    expect(fillPath('/api/v1/jobs/{id}', { id: 'a/b c' })).toBe('/api/v1/jobs/a%2Fb%20c');
    expect(() => fillPath('/api/v1/jobs/{id}', {})).toThrow(/missing path parameter id/);
  });

  it('builds BerthErrors from IBM bodies and from anything else', () => {
    const ibm = errorFromResponse(
      409,
      JSON.stringify({
        trace: 'tr-1',
        errors: [{ code: 'session_closed', message: 'The session is closed', more_info: '/x' }],
      }),
      null,
      'POST',
      'http://h/api/v1/jobs',
    );
    expect(ibm).toMatchObject({
      name: 'BerthError',
      status: 409,
      code: 'session_closed',
      message: 'The session is closed',
      requestId: 'tr-1',
      errors: [{ code: 'session_closed', more_info: '/x' }],
    });
    const html = errorFromResponse(502, '<html>Bad gateway</html>', 'r-2', 'GET', 'http://h/x');
    expect(html).toMatchObject({ status: 502, code: 'http_502', requestId: 'r-2' });
    expect(html.message).toBe('GET http://h/x answered 502');
  });
});
