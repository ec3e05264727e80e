/**
 * The HTTP transport: one fetch per attempt, headers, IBM errors → BerthError, and retries where
 * they are safe.
 *
 * Retry policy (README.md of the package says the same):
 * - GET, HEAD, PUT, DELETE and PATCH (idempotent: Berth's PATCH sets `accepting_jobs` to a value)
 *   are retried on 5xx except 501, on 429, and on connection failures.
 * - POST is retried only when nothing was done: the connection could not be made (refused, or
 *   the host name did not resolve, before a byte was sent), or the answer was 503 or 429 (Berth
 *   answers 503 only when it did nothing: starting up or shutting down). A POST that got a 500,
 *   502, 504 or lost its connection after sending is not retried: it may have been committed.
 * - Delays: exponential backoff with jitter (base 200 ms, doubling, at most 5 s), or the answer's
 *   Retry-After when it says so (up to 60 s; longer is not waited for).
 */
import { BerthError, errorFromResponse } from './errors.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  readonly baseUrl: string;
  readonly token?: string | undefined;
  readonly instance?: string | undefined;
  readonly fetch: FetchLike;
  readonly retries: number;
  readonly userAgent: string;
  readonly backoff: BackoffOptions;
}

export interface BackoffOptions {
  readonly baseMs: number;
  readonly capMs: number;
}

export type QueryValue = string | number | boolean | null | undefined | readonly string[];

export interface RequestOptions {
  readonly query?: Readonly<Record<string, QueryValue>> | undefined;
  /** JSON request body. */
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** Longest Retry-After the transport waits for. */
const MAX_RETRY_AFTER_MS = 60_000;

/** Connection errors after which nothing can have reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** The delay before retry number `attempt` (0-based): exponential, capped, with jitter. */
export function backoffDelay(attempt: number, b: BackoffOptions): number {
  const ceiling = Math.min(b.capMs, b.baseMs * 2 ** attempt);
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

/** Retry-After in milliseconds (seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** Sleep, or reject with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error codes in an error's cause chain (undici puts the socket error in `cause`). */
function causeCodes(err: unknown, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 5) return [];
  const codes: string[] = [];
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') codes.push(e.code);
  if (Array.isArray(e.errors)) for (const x of e.errors) codes.push(...causeCodes(x, depth + 1));
  codes.push(...causeCodes(e.cause, depth + 1));
  return codes;
}

/** True when the request cannot have been sent: the connection was never made. */
export function notSent(err: unknown): boolean {
  const codes = causeCodes(err);
  return codes.length > 0 && codes.some((c) => NOT_SENT_CODES.has(c));
}

function describe(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      parts.push(typeof code === 'string' ? `${e.message} (${code})` : e.message);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.filter((p, i) => p && parts.indexOf(p) === i).join(': ');
}

export function connectionError(err: unknown, method: string, url: string): BerthError {
  return new BerthError({
    status: 0,
    code: 'connection_error',
    message: `${method} ${url} failed: ${describe(err) || 'no connection'}`,
    cause: err,
    method,
    url,
  });
}

function queryString(query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (!query) return '';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v as readonly string[]) q.append(k, x);
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export class Transport {
  readonly baseUrl: string;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl;
  }

  url(path: string, query?: Readonly<Record<string, QueryValue>>): string {
    return `${this.baseUrl}${path}${queryString(query)}`;
  }

  headers(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) h.authorization = `Bearer ${this.options.token}`;
    if (this.options.instance) h['service-crn'] = this.options.instance;
    if (this.options.userAgent) {
      // Browsers drop User-Agent; X-Qx-Client-Application is what Berth records as `caller`.
      h['user-agent'] = this.options.userAgent;
      h['x-qx-client-application'] = this.options.userAgent;
    }
    return { ...h, ...extra };
  }

  /**
   * Send a request, retrying where safe, and hand the successful answer to `read` (inside the
   * attempt, so that a connection lost while reading an idempotent answer is retried too).
   * Non-2xx answers become BerthErrors.
   */
  async send<T>(
    method: string,
    path: string,
    options: RequestOptions,
    read: (res: Response) => Promise<T>,
  ): Promise<T> {
    const url = this.url(path, options.query);
    const idempotent = IDEMPOTENT.has(method);
    const signal = options.signal;
    const hasBody = options.body !== undefined;
    const init: RequestInit = {
      method,
      headers: this.headers({
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      }),
      ...(hasBody ? { body: JSON.stringify(options.body) } : {}),
      ...(signal ? { signal } : {}),
    };
    const retries = Math.max(0, Math.floor(this.options.retries));
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.options.fetch(url, init);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (attempt < retries && (idempotent || notSent(err))) {
          await sleep(backoffDelay(attempt, this.options.backoff), signal);
          continue;
        }
        throw connectionError(err, method, url);
      }
      if (!res.ok) {
        const s = res.status;
        const retryable =
          s === 503 || s === 429 || (idempotent && s >= 500 && s !== 501 && s <= 599);
        if (retryable && attempt < retries) {
          // eslint-disable-next-line no-restricted-syntax -- the SDK has no injected clock
          const after = parseRetryAfter(res.headers.get('retry-after'), Date.now());
          if (after === null || after <= MAX_RETRY_AFTER_MS) {
            await res.body?.cancel().catch(() => undefined);
            await sleep(after ?? backoffDelay(attempt, this.options.backoff), signal);
            continue;
          }
        }
        const text = await res.text().catch(() => '');
        throw errorFromResponse(s, text, res.headers.get('x-request-id'), method, url);
      }
      try {
        return await read(res);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (err instanceof BerthError) throw err;
        if (idempotent && attempt < retries) {
          await sleep(backoffDelay(attempt, this.options.backoff), signal);
          continue;
        }
        throw connectionError(err, method, url);
      }
    }
  }

  /** JSON answer (undefined for 204). */
  json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return this.send(method, path, options, async (res) => {
      if (res.status === 204) return undefined as T;
      const text = await res.text();
      if (text === '') return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch (err) {
        throw new BerthError({
          status: res.status,
          code: 'invalid_response',
          message: `${method} ${this.url(path, options.query)} answered with a body that is not JSON`,
          requestId: res.headers.get('x-request-id'),
          method,
          url: this.url(path, options.query),
          cause: err,
        });
      }
    });
  }

  /** Text answer. */
  text(method: string, path: string, options: RequestOptions = {}): Promise<string> {
    return this.send(method, path, options, (res) => res.text());
  }

  /**
   * Open a stream (no retries: the caller reconnects). Resolves with the 2xx answer whose body
   * is still unread; non-2xx answers become BerthErrors, failures to connect connection_errors.
   */
  async stream(
    path: string,
    options: RequestOptions & { readonly accept: string },
  ): Promise<Response> {
    const url = this.url(path, options.query);
    const signal = options.signal;
    let res: Response;
    try {
      res = await this.options.fetch(url, {
        method: 'GET',
        headers: this.headers({ accept: options.accept, ...options.headers }),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw connectionError(err, 'GET', url);
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw errorFromResponse(res.status, text, res.headers.get('x-request-id'), 'GET', url);
    }
    return res;
  }
}
