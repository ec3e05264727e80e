/**
 * qiskit-ibm-runtime's HTTP calls and job logic, as its source has them, so that tests replay
 * what the client really sends and decide what it really raises. Read from
 * Qiskit/qiskit-ibm-runtime 73514f06:
 * - api/rest/base.py: every adapter resets the shared session's headers to
 *   `{"IBM-API-Version": "2026-04-15"}` when it is built; GETs that parse JSON add
 *   `Accept: application/json`, JSON bodies `Content-Type: application/json`.
 * - api/session.py (RetrySession.request): adds `X-Qx-Client-Application`; requests adds no
 *   Accept of its own (the session's header dict was replaced), urllib3 adds its User-Agent and
 *   `Accept-Encoding: identity`.
 * - api/auth.py (CloudAuth): `Authorization: Bearer <IAM token>` and `Service-CRN: <crn>`.
 * - api/rest/program_job.py: `results()` is a fresh ProgramJob adapter, so no Accept header,
 *   and it returns `response.text`.
 * - base_runtime_job.py / runtime_job_v2.py: status mapping and the error message logic below.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';

export const CLIENT_API_VERSION = '2026-04-15';
export const CLIENT_APP = 'qiskit-ibm-runtime/0.49.0/qiskit_ibm_runtime~sampler.py';

interface Injector {
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>;
}

/** The runtime calls of one client, with the headers each one carries. */
export function pythonClient(app: Injector, token: string, crn: string, host?: string) {
  const base = {
    'ibm-api-version': CLIENT_API_VERSION,
    'x-qx-client-application': CLIENT_APP,
    authorization: `Bearer ${token}`,
    'service-crn': crn,
    'user-agent': 'python-urllib3/2.5.0',
    'accept-encoding': 'identity',
    ...(host ? { host } : {}),
  };
  const send = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    headers: Record<string, string>,
    payload?: unknown,
  ) =>
    app.inject({
      method,
      url,
      headers: { ...base, ...headers },
      ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    });
  const json = { accept: 'application/json' };
  const content = { 'content-type': 'application/json' };
  return {
    /** ProgramJob.get: JSON, parsed with RuntimeDecoder. */
    jobGet: (id: string, excludeParams = true) =>
      send('GET', `/api/v1/jobs/${id}${excludeParams ? '?exclude_params=true' : ''}`, json),
    /** ProgramJob.results: no Accept, the text as it is. */
    jobResults: (id: string) => send('GET', `/api/v1/jobs/${id}/results`, {}),
    /** Runtime.program_run. */
    programRun: (body: unknown) => send('POST', '/api/v1/jobs', content, body),
    sessionCreate: (body: unknown) => send('POST', '/api/v1/sessions', content, body),
    backends: () => send('GET', '/api/v1/backends', json),
    get: (url: string) => send('GET', url, json),
  };
}

export type PythonClient = ReturnType<typeof pythonClient>;

/** The exceptions `RuntimeJobV2.result()` raises, by class name. */
export type ClientOutcome =
  | { readonly kind: 'result'; readonly text: string }
  | { readonly kind: 'RuntimeJobFailureError'; readonly message: string }
  | { readonly kind: 'RuntimeJobMaxTimeoutError'; readonly message: string }
  | { readonly kind: 'RuntimeInvalidStateError'; readonly message: string }
  | { readonly kind: 'RequestsApiError'; readonly message: string };

const API_TO_JOB_STATUS: Record<string, string> = {
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  COMPLETED: 'DONE',
  FAILED: 'ERROR',
  CANCELLED: 'CANCELLED',
};

/**
 * `job.status()` then `job.result()` of a final job, step by step as RuntimeJobV2 does them:
 * `_set_status` (reason, "Error code N; " prefix, 1305 → ERROR), `_set_error_message` (which
 * GETs the results for an ERROR job), then `result()`'s raise. A non-2xx answer anywhere is the
 * client's RequestsApiError.
 */
export async function clientResult(
  client: PythonClient,
  jobId: string,
): Promise<{ status: string; errorMessage: string | null; outcome: ClientOutcome }> {
  const res = await client.jobGet(jobId);
  if (res.statusCode >= 400) return { status: '?', errorMessage: null, outcome: apiError(res) };
  const response = res.json() as {
    state: { status: string; reason?: string; reason_code?: number };
  };
  let reason: string | null = null;
  let reasonCode: number | null = null;
  if (response.state.reason) {
    reason = response.state.reason;
    if (response.state.reason_code) {
      reason = `Error code ${response.state.reason_code}; ${reason}`;
      reasonCode = response.state.reason_code;
    }
  }
  const api = response.state.status.toUpperCase();
  let status = API_TO_JOB_STATUS[api] ?? api;
  if (status === 'CANCELLED' && reasonCode === 1305) status = 'ERROR';

  let errorMessage: string | null = null;
  if (status === 'ERROR') {
    const raw = await client.jobResults(jobId);
    if (raw.statusCode >= 400) return { status, errorMessage: null, outcome: apiError(raw) };
    let text = raw.body;
    const index = text.lastIndexOf('Traceback');
    if (index !== -1) text = text.slice(index);
    errorMessage =
      api === 'CANCELLED' && reasonCode === 1305
        ? `Job ${jobId} ran longer than maximum execution time. Job was cancelled:\n${text}`
        : `Job ${jobId} has failed:\n${reason ?? text}`;
  }

  if (status === 'ERROR') {
    const message = reason ?? errorMessage ?? '';
    return reasonCode === 1305
      ? { status, errorMessage, outcome: { kind: 'RuntimeJobMaxTimeoutError', message } }
      : {
          status,
          errorMessage,
          outcome: {
            kind: 'RuntimeJobFailureError',
            message: `Unable to retrieve job result. ${message}`,
          },
        };
  }
  if (status === 'CANCELLED')
    return {
      status,
      errorMessage,
      outcome: {
        kind: 'RuntimeInvalidStateError',
        message: `Unable to retrieve result for job ${jobId}. Job was cancelled.`,
      },
    };
  const raw = await client.jobResults(jobId);
  if (raw.statusCode >= 400) return { status, errorMessage, outcome: apiError(raw) };
  return { status, errorMessage, outcome: { kind: 'result', text: raw.body } };
}

function apiError(res: LightMyRequestResponse): ClientOutcome {
  return { kind: 'RequestsApiError', message: `${res.statusCode} ${res.body}` };
}
