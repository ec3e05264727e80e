/**
 * A typed call over the transport: the path is one of the generated `paths`, and its path
 * parameters, query, body and answer are typed from the OpenAPI document.
 */
import type { QueryValue, Transport } from './http.js';
import type {
  Method,
  PathParams,
  PathsWith,
  QueryParams,
  RequestBody,
  ResponseBody,
  paths,
} from './types.js';

export interface CallInit<P extends keyof paths, M extends Method> {
  readonly path?: PathParams<P, M>;
  readonly query?: QueryParams<P, M>;
  readonly body?: RequestBody<P, M>;
  readonly signal?: AbortSignal | undefined;
}

/** The JSON answer of a successful call (undefined for a 204). */
export type Success<P extends keyof paths, M extends Method> = [
  ResponseBody<P, M, 200> | ResponseBody<P, M, 201>,
] extends [never]
  ? undefined
  : ResponseBody<P, M, 200> | ResponseBody<P, M, 201>;

/** Options every SDK method takes. */
export interface CallOptions {
  /** Abort the call (and its retries). */
  readonly signal?: AbortSignal | undefined;
}

/** `/api/v1/jobs/{id}` + `{id: 'a b'}` → `/api/v1/jobs/a%20b`. */
export function fillPath(template: string, params: object | undefined): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = (params as Record<string, unknown> | undefined)?.[name];
    if (v === undefined || v === null || v === '')
      throw new TypeError(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(v));
  });
}

export function call<M extends Method, P extends PathsWith<M>>(
  transport: Transport,
  method: M,
  path: P,
  init: CallInit<P, M> = {},
): Promise<Success<P, M>> {
  return transport.json<Success<P, M>>(
    method.toUpperCase(),
    fillPath(path, init.path as object | undefined),
    {
      query: init.query as Readonly<Record<string, QueryValue>> | undefined,
      body: init.body,
      signal: init.signal,
    },
  );
}
