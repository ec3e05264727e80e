/**
 * IBM's QRMI (qiskit-community/qrmi b2ed2e5, the IBMQuantumComputeService of
 * src/ibm/quantum_compute_service.rs) as it talks to the runtime, headers included:
 * - dependencies/quantum_compute_client/src/apis/auth.rs: the token is a form POST to
 *   `{QRMI_IBM_QCS_IAM_ENDPOINT}/identity/token` from a plain reqwest client
 *   (reqwest's default Accept of any type, no User-Agent), reading `access_token`, `expiration` and `expires_in`.
 * - apis/ (generated): every call sends `Accept: application/json`, the configuration's
 *   `User-Agent: SLURM-QRMI-QRS`, `Authorization: Bearer <token>` and `Service-CRN`; no
 *   `IBM-API-Version` (QRMI passes None). A JSON body goes with `Content-Type: application/json`.
 * - apis/mod.rs + jobs_api.rs: a `String` answer (results, logs) is decoded by its content type:
 *   `application/…json…` → serde_json::from_str::<String> (a JSON string, never an object),
 *   `text/plain` → the text as it is, anything else an error.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';

interface Injector {
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>;
}

export interface QrmiAnswer {
  readonly status: number;
  readonly body: any;
  readonly text: string;
  readonly headers: Record<string, unknown>;
}

/** auth::fetch_access_token. */
export async function qrmiToken(app: Injector, apiKey: string, host?: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/identity/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: '*/*',
      ...(host ? { host } : {}),
    },
    payload: new URLSearchParams({
      grant_type: 'urn:ibm:params:oauth:grant-type:apikey',
      apikey: apiKey,
    }).toString(),
  });
  if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${res.body}`);
  const body = res.json() as { access_token: unknown; expiration: unknown; expires_in: unknown };
  // serde: all three are required, the two numbers unsigned integers.
  if (
    typeof body.access_token !== 'string' ||
    !Number.isInteger(body.expiration) ||
    !Number.isInteger(body.expires_in)
  )
    throw new Error(`token answer does not fit TokenResponse: ${res.body}`);
  return body.access_token;
}

/** The generated client's calls, with QRMI's headers. */
export function qrmiClient(app: Injector, token: string, crn: string, host?: string) {
  return async (method: string, url: string, body?: unknown): Promise<QrmiAnswer> => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: {
        accept: 'application/json',
        'user-agent': 'SLURM-QRMI-QRS',
        authorization: `Bearer ${token}`,
        'service-crn': crn,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(host ? { host } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    let parsed: unknown = null;
    try {
      parsed = res.body ? JSON.parse(res.body) : null;
    } catch {
      parsed = null;
    }
    return { status: res.statusCode, body: parsed, text: res.body, headers: res.headers };
  };
}

/** How the generated client turns a 2xx answer into `Result<String>` (results, logs). */
export function decodeString(answer: QrmiAnswer): string {
  const type = String(answer.headers['content-type'] ?? 'application/json');
  if (type.startsWith('application') && type.includes('json')) {
    const value = JSON.parse(answer.text) as unknown;
    if (typeof value !== 'string')
      throw new Error(`invalid type: ${typeof value}, expected a string (serde)`);
    return value;
  }
  if (type.startsWith('text/plain')) return answer.text;
  throw new Error(
    `Received \`${type}\` content type response that cannot be converted to \`String\``,
  );
}
