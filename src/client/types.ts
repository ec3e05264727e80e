/**
 * Wire types, all derived from the generated OpenAPI types (generated/openapi.ts), so that a
 * change of a route schema on the server changes them too (and `npm run gen:client` is checked
 * by the tests).
 */
import type { components, paths } from './generated/openapi.js';

export type { components, paths };

/** HTTP methods as they appear in `paths`. */
export type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';

/** The operation `method` on `path`. */
export type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

/** The paths that have an operation for `M`. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P;
}[keyof paths];

type Params<P extends keyof paths, M extends Method> =
  Operation<P, M> extends {
    parameters: infer X;
  }
    ? X
    : never;

/** The path parameters of an operation (`never` when it has none). */
export type PathParams<P extends keyof paths, M extends Method> =
  Params<P, M> extends { path: infer X } ? X : never;

/** The query parameters of an operation (`never` when it has none). */
export type QueryParams<P extends keyof paths, M extends Method> =
  Params<P, M> extends { query?: infer X } ? Exclude<X, undefined> : never;

/** The JSON request body of an operation (`never` when it has none). */
export type RequestBody<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: infer B }
    ? Exclude<B, undefined> extends { content: { 'application/json': infer J } }
      ? J
      : never
    : never;

/** The JSON body of the answer with status `S`. */
export type ResponseBody<P extends keyof paths, M extends Method, S extends number = 200> =
  Operation<P, M> extends { responses: infer R }
    ? S extends keyof R
      ? R[S] extends { content: { 'application/json': infer J } }
        ? J
        : undefined
      : never
    : never;

type Schemas = components['schemas'];

/** A session (GET /api/v1/sessions/{id}). */
export type WireSession = Schemas['Session'];
/** A job (GET /api/v1/jobs/{id}). */
export type WireJob = Schemas['Job'];
/** The IBM error body: `{trace, errors: [{code, message, more_info}]}`. */
export type ErrorBody = Schemas['ErrorBody'];

export type SessionMode = WireSession['mode'];
export type SessionState = WireSession['state'];
/** A job's state: `Queued`, `Running`, `Completed`, `Failed` or `Cancelled`. */
export type JobStatus = WireJob['state']['status'];

export type SessionList = ResponseBody<'/api/v1/sessions', 'get'>;
export type SessionFilter = QueryParams<'/api/v1/sessions', 'get'>;
export type CreateSessionBody = RequestBody<'/api/v1/sessions', 'post'>;

export type JobList = ResponseBody<'/api/v1/jobs', 'get'>;
export type JobFilter = QueryParams<'/api/v1/jobs', 'get'>;
export type SubmitJobBody = RequestBody<'/api/v1/jobs', 'post'>;
export type SubmittedJob = ResponseBody<'/api/v1/jobs', 'post'>;
export type JobMetrics = ResponseBody<'/api/v1/jobs/{id}/metrics', 'get'>;
export type JobDiagrams = ResponseBody<'/api/v1/jobs/{id}/diagram', 'get'>;

export type BackendList = ResponseBody<'/api/v1/backends', 'get'>;
/** One backend of GET /api/v1/backends. */
export type Device = BackendList['devices'][number];
export type BackendStatus = ResponseBody<'/api/v1/backends/{name}/status', 'get'>;
/** A Qiskit backend configuration document. */
export type BackendConfiguration = ResponseBody<'/api/v1/backends/{name}/configuration', 'get'>;
/** A Qiskit backend properties document. */
export type BackendProperties = ResponseBody<'/api/v1/backends/{name}/properties', 'get'>;

export type InstanceUsage = ResponseBody<'/api/v1/instances/usage', 'get'>;
export type InstanceUsageByUser = ResponseBody<'/api/v1/instances/usage/users', 'get'>;
/** One of the instances a key may act in (GET /api/v1/instances). */
export type KeyInstance = ResponseBody<'/api/v1/instances', 'get'>['instances'][number];
export type Versions = ResponseBody<'/api/v1/versions', 'get'>;

export type CreateKeyBody = RequestBody<'/admin/keys', 'post'>;
/** A created API key: the key itself is in `key`, shown only in this answer. */
export type CreatedApiKey = ResponseBody<'/admin/keys', 'post', 201>;
export type ApiKey = ResponseBody<'/admin/keys', 'get'>['keys'][number];
export type Instance = ResponseBody<'/admin/instances', 'get'>['instances'][number];

/** A `job.log` event's data. */
export interface JobLogLine {
  readonly job_id: string;
  readonly time: string;
  readonly line: string;
}

interface EventBase<T extends string, D> {
  /** The event's sequence number (a decimal integer as a string). */
  readonly id: string;
  readonly type: T;
  /** ISO time of the change. */
  readonly created: string;
  readonly data: D;
}

/** An event of the streams `GET /api/v1/events`, `/sessions/{id}/events`, `/jobs/{id}/events`. */
export type BerthEvent =
  | EventBase<'job.state_changed', WireJob>
  | EventBase<'session.state_changed', WireSession>
  | EventBase<'job.log', JobLogLine>;

export type BerthEventType = BerthEvent['type'];
