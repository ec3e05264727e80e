/**
 * Request bodies. Every route takes JSON; POST /identity/token also takes a form (IBM's IAM does,
 * see `registerFormParser`). A body of any other media type is a 415 that says what to send, and
 * is never guessed at: curl's default `-d` is a form, and reading it as "no body" once created
 * sessions with defaults the user never asked for.
 *
 * - An empty body is no body, whatever its Content-Type (the Python client sends
 *   `Content-Type: application/json` on GETs and DELETEs without one).
 * - Prototype-poisoning keys are dropped.
 * - A body over the limit is read to its end and discarded (up to a bound) before the 413 is
 *   sent, and so is the unread body of any early answer (a 401 before the body was read): a
 *   client that is still writing when the server closes (urllib sends `Connection: close`) sees
 *   EPIPE or ECONNRESET instead of the answer, and the Python client would retry the POST.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type {
  FastifyInstance,
  FastifyRequest,
  onSendHookHandler,
  preParsingHookHandler,
} from 'fastify';
import sjson from 'secure-json-parse';
import { AppError } from '../../domain/errors.js';

/** Past this many bytes a too-large body is no longer drained: the connection is cut. */
export function drainBound(bodyLimit: number): number {
  return Math.max(4 * bodyLimit, 64 * 1024 * 1024);
}

const FORM = 'application/x-www-form-urlencoded';

function tooLarge(limit: number): AppError {
  return new AppError(
    'payload_too_large',
    `The request body is larger than this server's limit of ${limit} bytes: send less per request (for example fewer pubs per job), or raise server.bodyLimitBytes in the configuration`,
  );
}

function mediaTypeOf(req: FastifyRequest): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() || '(none)';
}

/**
 * Counts the body as it streams: up to the limit it passes through; past it, the rest is read
 * and dropped, and the end of the body becomes the 413.
 */
class BodyLimit extends Transform {
  private seen = 0;
  constructor(
    private readonly limit: number,
    private readonly bound: number,
    private readonly source: NodeJS.ReadableStream & { destroy?: (e?: Error) => void },
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.bound) {
      // Far past the limit: stop reading; the client sees the connection close.
      const err = tooLarge(this.limit);
      this.source.destroy?.(err);
      done(err);
      return;
    }
    done(null, this.seen > this.limit ? undefined : chunk);
  }
  override _flush(done: TransformCallback): void {
    done(this.seen > this.limit ? tooLarge(this.limit) : null);
  }
}

/** Methods whose routes read a body; the others never do (see declaresBody). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether a request declares a body that no route will read: a GET or HEAD with one, or any
 * request to no route. The gate (gate.ts) then answers with `Connection: close`, so that Node
 * never reads such a body to its end (the body hooks below run only on routes that read one).
 */
export function unreadBody(req: FastifyRequest): boolean {
  const h = req.headers;
  const declared =
    (h['content-length'] !== undefined && h['content-length'] !== '0') ||
    h['transfer-encoding'] !== undefined;
  return declared && (!req.routeOptions.url || !BODY_METHODS.has(req.method));
}

export function registerParsers(app: FastifyInstance, bodyLimit: number): void {
  const bound = drainBound(bodyLimit);
  app.removeAllContentTypeParsers();

  // Callbacks, not promises; and only on the routes that read a body: a GET pays for neither.
  const countBody: preParsingHookHandler = (req, reply, payload, done) => {
    const length = req.headers['content-length'];
    if (length === '0' || (length === undefined && req.headers['transfer-encoding'] === undefined))
      return done(null, payload); // no body (most DELETEs): nothing to count
    if (Number(length) > bound) {
      // Declared too large to drain: answer at once, and close rather than read it all.
      reply.header('connection', 'close');
      return done(tooLarge(bodyLimit));
    }
    // Declared within the limit: Node's parser reads no byte past Content-Length, so there is
    // nothing to count (and no stream to pipe through on every POST).
    if (length !== undefined && Number(length) <= bodyLimit) return done(null, payload);
    const limited = new BodyLimit(bodyLimit, bound, payload);
    payload.on('error', (e) => limited.destroy(e));
    done(null, payload.pipe(limited));
  };
  const drainUnread: onSendHookHandler = (req, reply, payload, done) => {
    const raw = req.raw;
    if (raw.complete || raw.readableEnded || reply.getHeader('connection') === 'close')
      return done(null, payload);
    void drain(raw, bound).then((whole) => {
      if (!whole) reply.header('connection', 'close');
      done(null, payload);
    });
  };
  const asList = <T>(h: T | T[] | undefined): T[] =>
    h === undefined ? [] : Array.isArray(h) ? h : [h];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => BODY_METHODS.has(m))) return;
    route.preParsing = [countBody, ...asList(route.preParsing)];
    route.onSend = [...asList(route.onSend), drainUnread];
  });

  // The parsers' own limit is Fastify's, the drain bound (server.ts): BodyLimit enforces the
  // real one.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, json);
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    if ((body as Buffer).length === 0) {
      done(null, undefined);
      return;
    }
    const form = req.routeOptions.config.acceptsForm === true;
    done(
      new AppError(
        'unsupported_media_type',
        `The request body is ${mediaTypeOf(req)}, which this endpoint does not read: send Content-Type: application/json${form ? ` (or ${FORM})` : ''}. With curl, add -H 'Content-Type: application/json'`,
      ),
      undefined,
    );
  });
}

/** Read and drop the rest of a request body; false if it went past `bound` or broke off. */
function drain(raw: FastifyRequest['raw'], bound: number): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (ok: boolean): void => {
      raw.off('data', onData).off('end', onEnd).off('error', onError).off('close', onError);
      if (!ok) raw.pause();
      resolve(ok);
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > bound) finish(false);
    };
    const onEnd = (): void => finish(true);
    const onError = (): void => finish(false);
    raw.on('data', onData).on('end', onEnd).on('error', onError).on('close', onError);
    raw.resume();
  });
}

/** The form parser, for the routes registered in `app` (POST /identity/token). */
export function registerFormParser(app: FastifyInstance): void {
  app.addContentTypeParser(FORM, { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    done(null, Object.fromEntries(new URLSearchParams(text)));
  });
}

function json(
  _req: FastifyRequest,
  body: string | Buffer,
  done: (err: Error | null, body?: unknown) => void,
): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') {
    done(null, undefined);
    return;
  }
  try {
    done(
      null,
      sjson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }),
    );
  } catch (e) {
    done(
      new AppError('invalid_json', `The request body is not valid JSON: ${(e as Error).message}`),
      undefined,
    );
  }
}
