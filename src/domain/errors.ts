/**
 * The error catalogue. Every client-visible error has a stable snake_case `code` (IBM's
 * `errors[].code` form) and its HTTP status here, and nowhere else. Statuses follow
 * ../shared/spec/runtime-api.md §4: a session problem on POST /jobs is never a 404, because the
 * Python client reports 404 as "program not found".
 */
export const ERRORS = {
  invalid_json: {
    status: 400,
    message: 'The request body is not valid JSON',
    cause: 'The body was sent as application/json but does not parse as JSON.',
    fix: 'Check quoting and commas; with a shell, build the body with jq -n or a heredoc.',
  },
  invalid_request: {
    status: 400,
    message: 'The request is invalid',
    cause: 'A field is missing, has the wrong type, is out of range, or is not a known property.',
    fix: 'The message names the field (body/…, querystring/…) and what it must be; the API reference at /docs lists every field.',
  },
  invalid_api_version: {
    status: 400,
    message: 'The IBM-API-Version header is not a version date',
    cause: 'IBM-API-Version was sent with a value that is not a calendar date (YYYY-MM-DD).',
    fix: 'Send one of the dates GET /api/v1/versions lists, or leave the header out; a later date selects the newest version.',
  },
  rate_limited: {
    status: 429,
    message: 'Too many requests',
    cause:
      'This API key sent more requests per second than the server allows each key (BERTH_RATE_LIMIT, with bursts up to BERTH_RATE_BURST).',
    fix: 'Wait the seconds the Retry-After header says and try again; poll less often (or use the event streams), or ask the administrator to raise BERTH_RATE_LIMIT.',
  },
  too_many_streams: {
    status: 429,
    message: 'Too many open event streams',
    cause:
      'This API key already holds as many open event streams as the server allows each key (BERTH_STREAMS_PER_KEY).',
    fix: 'Close a stream you no longer read (one GET /api/v1/events stream can follow every job and session), or ask the administrator to raise BERTH_STREAMS_PER_KEY.',
  },
  payload_too_large: {
    status: 413,
    message: 'The request body is too large',
    cause: "The body is larger than the server's limit (server.bodyLimitBytes, 10 MiB by default).",
    fix: 'Send less per request (fewer or smaller pubs per job), or raise server.bodyLimitBytes in the configuration file.',
  },
  unsupported_media_type: {
    status: 415,
    message: 'Unsupported content type',
    cause:
      "The body's Content-Type is not JSON. curl -d sends application/x-www-form-urlencoded unless told otherwise.",
    fix: "Send Content-Type: application/json (curl: -H 'Content-Type: application/json'). Only POST /identity/token also takes a form.",
  },
  unauthorized: {
    status: 401,
    message: 'Missing or invalid credentials',
    cause: 'No Authorization header, or a key or token that is unknown, expired or revoked.',
    fix: 'Send Authorization: Bearer <API key or access token>. An administrator creates keys (POST /admin/keys, berth keys create).',
  },
  forbidden_instance: {
    status: 403,
    message: 'The credentials are not authorised for this instance',
    cause: 'The Service-CRN header names an instance that exists, but this key may not act in it.',
    fix: "Leave Service-CRN out to act in the key's default instance, name one the key may use, or ask an administrator for a key for that instance.",
  },
  instance_not_found: {
    status: 404,
    message: 'Instance not found',
    cause: 'The Service-CRN header names no configured instance, by CRN or by name.',
    fix: 'Use one of the instances the message lists, by CRN or short name (an administrator sees them all with GET /admin/instances).',
  },
  forbidden: {
    status: 403,
    message: 'This operation needs an administrator key',
    cause: 'The /admin routes are for administrator keys only.',
    fix: 'Call with an administrator key (the one printed at the first start, BERTH_API_KEY, or one made with berth keys create --admin).',
  },
  invalid_apikey: {
    status: 400,
    message: 'Provided API key could not be found',
    cause: 'POST /identity/token was given an API key that is unknown, expired or revoked.',
    fix: 'Check the key (apikey= in the form body); an administrator can create a new one.',
  },
  not_found: {
    status: 404,
    message: 'Not found',
    cause: 'No endpoint has this method and path.',
    fix: 'Check the path against the API reference at /docs (the Runtime API lives under /api/v1).',
  },
  session_not_found: {
    status: 404,
    message: 'Session not found',
    cause:
      "No session has this id in the caller's instance (another instance's sessions answer the same).",
    fix: 'Check the id, and the instance the call acts in (Service-CRN); GET /api/v1/sessions lists yours.',
  },
  job_not_found: {
    status: 404,
    message: 'Job not found',
    cause: "No job has this id in the caller's instance (another instance's jobs answer the same).",
    fix: 'Check the id, and the instance the call acts in (Service-CRN); GET /api/v1/jobs lists yours.',
  },
  backend_not_found: {
    status: 404,
    message: 'Backend not found',
    cause: 'No backend has this name.',
    fix: 'GET /api/v1/backends (berth backends) lists the backends.',
  },
  plan_not_found: {
    status: 404,
    message: 'Catalog entry not found',
    cause:
      "The Global Catalog has no entry with this id: only the plans of Berth's instances are in it.",
    fix: 'Use a service_plan_unique_id from the Global Search answer (POST /cloud/global-search/v3/resources/search).',
  },
  calibration_not_found: {
    status: 404,
    message: 'Calibration not found',
    cause:
      'The backend has no calibration with this calibration_id, or none updated at or before updated_before.',
    fix: 'GET /api/v1/backends/{name}/calibrations lists the calibrations each backend has had, with their dates.',
  },
  invalid_calibration: {
    status: 400,
    message: 'The job names a calibration its backend does not have',
    cause: "calibration_id is not one of the backend's calibrations.",
    fix: 'GET /api/v1/backends/{name}/calibrations lists them; leave calibration_id out to run with the newest.',
  },
  key_not_found: {
    status: 404,
    message: 'API key not found',
    cause: 'No API key has this id.',
    fix: 'GET /admin/keys (berth keys list) lists the keys and their ids.',
  },
  webhook_not_found: {
    status: 404,
    message: 'Webhook not found',
    cause: "No webhook has this id in the caller's instance.",
    fix: 'GET /api/v1/webhooks lists the webhooks of the instance.',
  },
  program_not_found: {
    status: 404,
    message: 'Program not found',
    cause: 'The job names a program_id Berth does not run.',
    fix: 'Use program_id sampler or estimator.',
  },
  invalid_backend: {
    status: 400,
    message: 'Unknown backend',
    cause: 'The session or job names a backend that does not exist.',
    fix: 'Use one of the backends the message lists (GET /api/v1/backends).',
  },
  backend_required: {
    status: 400,
    message: 'A backend is required',
    cause: 'A job outside a session, or in a session without a backend, names no backend.',
    fix: 'Add "backend": "<name>" to the job, or submit it into a session that has one.',
  },
  backend_mismatch: {
    status: 400,
    message: "The job's backend differs from the session's",
    cause: "A job in a session names a backend other than the session's.",
    fix: "Leave the job's backend out, or use the session's backend (backend_name in GET /api/v1/sessions/{id}).",
  },
  invalid_session: {
    status: 400,
    message: 'Unknown session',
    cause: "The job's session_id names no session in the caller's instance.",
    fix: 'Create the session first (POST /api/v1/sessions) and use its id, in the same instance.',
  },
  invalid_params: {
    status: 400,
    message: 'Invalid parameters for the program',
    cause:
      'The params do not make a valid Sampler or Estimator V2 input for this backend: the message says where (a pub, a circuit line and column, a width or coupling problem).',
    fix: 'Correct what the message names; docs/quantum.md lists the circuits and params Berth takes.',
  },
  invalid_device_documents: {
    status: 400,
    message: "A device's documents Berth cannot serve",
    cause:
      'A worker published properties (or a configuration) for its backend that qiskit-ibm-runtime could not read, or that describe another device: the message names each problem.',
    fix: 'Correct what the message names; docs/workers.md shows a valid pair of documents.',
  },
  invalid_result: {
    status: 400,
    message: "A worker's result its program's readers cannot read",
    cause:
      "A remote worker settled a sampler or estimator job with a result that is not what qiskit-ibm-runtime, QRMI or Berth's tools read: the job ends Failed with this message as its reason, and the result is not stored.",
    fix: 'Make the worker return a PrimitiveResult document (or the pure-JSON form when the job asked for it), as docs/workers.md shows.',
  },
  session_closed: {
    status: 409,
    message: 'The session is closed',
    cause:
      'The session has closed (by a close, its max_ttl or its open_ttl) and takes no more jobs.',
    fix: 'Open a new session.',
  },
  session_not_accepting_jobs: {
    status: 409,
    message: 'The session is not accepting jobs',
    cause:
      'The session was set to stop accepting jobs (PATCH accepting_jobs: false); it closes once its jobs finish.',
    fix: 'PATCH it back to {"accepting_jobs": true} while it is not yet closed, or open a new session.',
  },
  usage_limit_reached: {
    status: 409,
    message: "The instance's usage limit has been reached",
    cause: 'The instance has used its usage allowance for the period (usageLimitSeconds).',
    fix: 'Wait for the next period, or ask an administrator to raise the limit; GET /api/v1/instances/usage shows the figures.',
  },
  job_not_cancellable: {
    status: 409,
    message: 'The job is in a final state and cannot be cancelled',
    cause: 'The job has already completed, failed or been cancelled.',
    fix: 'Nothing to do: read its result or reason with GET /api/v1/jobs/{id}.',
  },
  job_not_final: {
    status: 409,
    message: 'Only a job in a final state can be deleted',
    cause: 'The job is still queued or running.',
    fix: 'Cancel it first (POST /api/v1/jobs/{id}/cancel), then delete it.',
  },
  conflict: {
    status: 409,
    message: 'The object changed concurrently; try again',
    cause: 'Another request changed the same object at the same moment.',
    fix: 'Read it again and retry the request.',
  },
  invalid_transition: {
    status: 409,
    message: 'The object cannot make this change in its current state',
    cause: "The change is not allowed from the object's current state.",
    fix: 'GET the object to see its state; docs/behaviour.md lists what each state allows.',
  },
  lease_lost: {
    status: 409,
    message: 'The job is no longer leased to this worker',
    cause:
      'The lease expired (no heartbeat in time) or the job ended; another executor may hold it.',
    fix: 'Stop working on the job and drop its result; lease the next job.',
  },
  database_unavailable: {
    status: 503,
    message: 'The database does not answer',
    cause:
      'The server lost its connection to the database (a restart, a network cut); nothing of the request was kept.',
    fix: 'Retry in a few seconds; GET /ready says when this node is back.',
  },
  not_ready: {
    status: 503,
    message: 'The server is not ready',
    cause:
      'The server is starting or shutting down, its database does not answer, its scheduler fails pass after pass, or another process uses its node id; the message says which.',
    fix: 'Retry in a moment, or send requests to another node; the server log has the scheduler error.',
  },
  shutting_down: {
    status: 503,
    message: 'The server is shutting down',
    cause: 'The server is stopping and takes no new work.',
    fix: 'Retry in a moment; a restarted server carries on where it stopped.',
  },
  internal_error: {
    status: 500,
    message: 'Internal error',
    cause: 'A fault in the server; nothing in the request was at fault.',
    fix: "Retry; if it persists, report it with the answer's trace (the server's log has the request id).",
  },
} as const satisfies Record<
  string,
  { status: number; message: string; cause: string; fix: string }
>;

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
