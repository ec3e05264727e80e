/** BerthError: every failure the SDK reports, HTTP or not. */

/** One entry of the IBM error body's `errors` array. */
export interface BerthErrorEntry {
  readonly code: string;
  readonly message: string;
  readonly more_info?: string;
}

export interface BerthErrorInit {
  /** HTTP status; 0 when no answer was received (connection failure). */
  readonly status: number;
  /** The IBM error code (`errors[0].code`), e.g. `job_not_found`, or `connection_error`. */
  readonly code: string;
  readonly message: string;
  /** The `x-request-id` of the answer (also the error body's `trace`). */
  readonly requestId?: string | null;
  readonly errors?: readonly BerthErrorEntry[];
  readonly method?: string;
  readonly url?: string;
  readonly cause?: unknown;
}

export class BerthError extends Error {
  /** HTTP status; 0 when no answer was received. */
  readonly status: number;
  /** The IBM error code from the body, `connection_error`, or `http_<status>` without a body. */
  readonly code: string;
  /** The request id (`x-request-id` header, or the body's `trace`); null when unknown. */
  readonly requestId: string | null;
  /** Every entry of the error body (most answers have one). */
  readonly errors: readonly BerthErrorEntry[];
  /** The request that failed (`GET`, `https://…/api/v1/jobs/…`), when there was one. */
  readonly method: string | null;
  readonly url: string | null;

  constructor(init: BerthErrorInit) {
    super(init.message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = 'BerthError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId ?? null;
    this.errors = init.errors ?? [{ code: init.code, message: init.message }];
    this.method = init.method ?? null;
    this.url = init.url ?? null;
  }
}

/** True for a BerthError (or one from another copy of this module). */
export function isBerthError(e: unknown): e is BerthError {
  return (
    e instanceof BerthError ||
    (e instanceof Error &&
      e.name === 'BerthError' &&
      typeof (e as { status?: unknown }).status === 'number' &&
      typeof (e as { code?: unknown }).code === 'string')
  );
}

/** Build the error for an HTTP answer, from its IBM error body when it has one. */
export function errorFromResponse(
  status: number,
  bodyText: string,
  requestId: string | null,
  method: string,
  url: string,
): BerthError {
  let errors: BerthErrorEntry[] = [];
  let trace: string | null = null;
  try {
    const body = JSON.parse(bodyText) as unknown;
    if (body && typeof body === 'object') {
      const b = body as { trace?: unknown; errors?: unknown };
      if (typeof b.trace === 'string') trace = b.trace;
      if (Array.isArray(b.errors)) {
        errors = b.errors
          .filter((e): e is Record<string, unknown> => !!e && typeof e === 'object')
          .map((e) => ({
            code: typeof e.code === 'string' ? e.code : `http_${status}`,
            message: typeof e.message === 'string' ? e.message : '',
            ...(typeof e.more_info === 'string' ? { more_info: e.more_info } : {}),
          }));
      }
    }
  } catch {
    // not JSON: a proxy's page, say
  }
  const first = errors[0];
  const fallback = bodyText.trim().slice(0, 200);
  return new BerthError({
    status,
    code: first?.code ?? `http_${status}`,
    message:
      first?.message ||
      `${method} ${url} answered ${status}${fallback && !fallback.startsWith('<') ? `: ${fallback}` : ''}`,
    requestId: requestId ?? trace,
    ...(errors.length > 0 ? { errors } : {}),
    method,
    url,
  });
}
