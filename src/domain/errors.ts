/**
 * The error catalogue. Every client-visible error has a stable snake_case `code` (IBM's
 * `errors[].code` form) and its HTTP status here, and nowhere else. Statuses follow
 * ../shared/spec/runtime-api.md §4: a session problem on POST /jobs is never a 404, because the
 * Python client reports 404 as "program not found".
 */
export const ERRORS = {
  invalid_json: { status: 400, message: 'The request body is not valid JSON' },
  invalid_request: { status: 400, message: 'The request is invalid' },
  payload_too_large: { status: 413, message: 'The request body is too large' },
  unsupported_media_type: { status: 415, message: 'Unsupported content type' },
  unauthorized: { status: 401, message: 'Missing or invalid credentials' },
  forbidden_instance: {
    status: 403,
    message: 'The credentials are not authorised for this instance',
  },
  forbidden: { status: 403, message: 'This operation needs an administrator key' },
  invalid_apikey: { status: 400, message: 'Provided API key could not be found' },
  not_found: { status: 404, message: 'Not found' },
  session_not_found: { status: 404, message: 'Session not found' },
  job_not_found: { status: 404, message: 'Job not found' },
  backend_not_found: { status: 404, message: 'Backend not found' },
  key_not_found: { status: 404, message: 'API key not found' },
  webhook_not_found: { status: 404, message: 'Webhook not found' },
  program_not_found: { status: 404, message: 'Program not found' },
  invalid_backend: { status: 400, message: 'Unknown backend' },
  backend_required: { status: 400, message: 'A backend is required' },
  backend_mismatch: { status: 400, message: "The job's backend differs from the session's" },
  invalid_session: { status: 400, message: 'Unknown session' },
  invalid_params: { status: 400, message: 'Invalid parameters for the program' },
  session_closed: { status: 409, message: 'The session is closed' },
  session_not_accepting_jobs: { status: 409, message: 'The session is not accepting jobs' },
  usage_limit_reached: { status: 409, message: "The instance's usage limit has been reached" },
  job_not_cancellable: {
    status: 409,
    message: 'The job is in a final state and cannot be cancelled',
  },
  no_result: { status: 409, message: 'The job ended without a result' },
  job_not_final: { status: 409, message: 'Only a job in a final state can be deleted' },
  conflict: { status: 409, message: 'The object changed concurrently; try again' },
  invalid_transition: {
    status: 409,
    message: 'The object cannot make this change in its current state',
  },
  shutting_down: { status: 503, message: 'The server is shutting down' },
  internal_error: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A catalogued error code. */
export type ErrorCode = keyof typeof ERRORS;

/** An error a client may see: its code and status come from the catalogue. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERRORS[code].message, options);
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
  }
}

/** Duck-typed so that copies of this module (tests, worker threads) still match. */
export function isAppError(e: unknown): e is AppError {
  if (!(e instanceof Error)) return false;
  const { code, status } = e as { code?: unknown; status?: unknown };
  return typeof code === 'string' && code in ERRORS && typeof status === 'number';
}

/** For switches that must cover every case: a compile error when one is missed. */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}

/** An internal invariant; a failure is a bug, never a client error. */
export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`invariant failed: ${message}`);
}
