/** BerthClient: the entry point of the SDK. */
import { call, type CallOptions } from './api.js';
import { eventStream, type EventStreamOptions } from './events.js';
import { type FetchLike, Transport } from './http.js';
import { JobsApi } from './jobs.js';
import { type CreateSessionInput, type Session, SessionsApi } from './sessions.js';
import type {
  ApiKey,
  BackendConfiguration,
  BackendProperties,
  BackendStatus,
  BerthEvent,
  CreatedApiKey,
  Device,
  Instance,
  InstanceUsage,
  InstanceUsageByUser,
  KeyInstance,
  Versions,
} from './types.js';
import { VERSION } from './version.js';
import { WebhooksApi } from './webhooks.js';

export interface BerthClientOptions {
  /** The server, e.g. `http://127.0.0.1:8000` (a trailing `/api/v1` is accepted). */
  readonly url: string | URL;
  /** An API key (or an access token), sent as `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /** The instance (CRN) to act in, sent as `Service-CRN`; default: the key's default instance. */
  readonly instance?: string | undefined;
  /** A fetch implementation (default: the global fetch). */
  readonly fetch?: FetchLike | undefined;
  /** Retries of a failed request where a retry is safe (default 4; 0 disables them). */
  readonly retries?: number | undefined;
  /** Sent as User-Agent and X-Qx-Client-Application (recorded as a job's `caller`). */
  readonly userAgent?: string | undefined;
  /** Retry delays: `baseMs` (default 200) doubling up to `capMs` (default 5000), with jitter. */
  readonly backoff?: { readonly baseMs?: number; readonly capMs?: number } | undefined;
}

/** `url` → the origin and base path requests are made under (no trailing slash). */
export function normalizeBaseUrl(url: string | URL): string {
  const parsed = new URL(String(url));
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new TypeError(`url must be http or https: ${String(url)}`);
  parsed.search = '';
  parsed.hash = '';
  return parsed.href.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}

export class BerthClient {
  readonly url: string;
  readonly jobs: JobsApi;
  readonly sessions: SessionsApi;
  readonly backends: BackendsApi;
  readonly admin: AdminApi;
  readonly webhooks: WebhooksApi;
  private readonly transport: Transport;

  constructor(options: BerthClientOptions) {
    this.url = normalizeBaseUrl(options.url);
    const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.transport = new Transport({
      baseUrl: this.url,
      token: options.token,
      instance: options.instance,
      fetch: fetchImpl,
      retries: options.retries ?? 4,
      userAgent: options.userAgent ?? `berth-client/${VERSION}`,
      backoff: { baseMs: options.backoff?.baseMs ?? 200, capMs: options.backoff?.capMs ?? 5000 },
    });
    this.jobs = new JobsApi(this.transport);
    this.sessions = new SessionsApi(this.transport, this.jobs);
    this.backends = new BackendsApi(this.transport);
    this.admin = new AdminApi(this.transport);
    this.webhooks = new WebhooksApi(this.transport);
  }

  /** Open a session (`dedicated` unless `mode` says otherwise). */
  session(input: CreateSessionInput = {}, options: CallOptions = {}): Promise<Session> {
    return this.sessions.create({ ...input, mode: input.mode ?? 'dedicated' }, options);
  }

  /** Open a batch session. */
  batch(input: Omit<CreateSessionInput, 'mode'> = {}, options: CallOptions = {}): Promise<Session> {
    return this.sessions.create({ ...input, mode: 'batch' }, options);
  }

  /**
   * `GET /api/v1/events`: the instance's events, from now (or after `after`). The stream stays
   * open: stop with the signal or by leaving the loop.
   */
  events(options: EventStreamOptions = {}): AsyncGenerator<BerthEvent, void, undefined> {
    return eventStream(this.transport, '/api/v1/events', { ...options, kind: 'open' });
  }

  /**
   * `GET /api/v1/instances` (a Berth addition): the instances this key may act in, with the one
   * this client acts in (`current`) and the key's default.
   */
  async instances(options: CallOptions = {}): Promise<KeyInstance[]> {
    return (await call(this.transport, 'get', '/api/v1/instances', { signal: options.signal }))
      .instances;
  }

  /** `GET /api/v1/instances/usage`: the instance's usage this period. */
  usage(options: CallOptions = {}): Promise<InstanceUsage> {
    return call(this.transport, 'get', '/api/v1/instances/usage', { signal: options.signal });
  }

  /**
   * `GET /api/v1/instances/usage/users`: the same, with each user's part (every user for an
   * administrator's key, the key's own user otherwise).
   */
  usageByUser(options: CallOptions = {}): Promise<InstanceUsageByUser> {
    return call(this.transport, 'get', '/api/v1/instances/usage/users', {
      signal: options.signal,
    });
  }

  /** `GET /api/v1/versions` (no credentials needed). */
  versions(options: CallOptions = {}): Promise<Versions> {
    return call(this.transport, 'get', '/api/v1/versions', { signal: options.signal });
  }
}

export class BackendsApi {
  constructor(private readonly transport: Transport) {}

  /** `GET /api/v1/backends`. */
  async list(options: CallOptions = {}): Promise<Device[]> {
    const body = await call(this.transport, 'get', '/api/v1/backends', { signal: options.signal });
    return body.devices;
  }

  /** `GET /api/v1/backends/{name}/status`. */
  status(name: string, options: CallOptions = {}): Promise<BackendStatus> {
    return call(this.transport, 'get', '/api/v1/backends/{name}/status', {
      path: { name },
      signal: options.signal,
    });
  }

  /** `GET /api/v1/backends/{name}/configuration`: a Qiskit backend configuration. */
  configuration(name: string, options: CallOptions = {}): Promise<BackendConfiguration> {
    return call(this.transport, 'get', '/api/v1/backends/{name}/configuration', {
      path: { name },
      signal: options.signal,
    });
  }

  /** `GET /api/v1/backends/{name}/properties`: Qiskit backend properties. */
  properties(name: string, options: CallOptions = {}): Promise<BackendProperties> {
    return call(this.transport, 'get', '/api/v1/backends/{name}/properties', {
      path: { name },
      signal: options.signal,
    });
  }
}

export interface CreateKeyInput {
  /** Default `api-key`. */
  readonly name?: string | undefined;
  /** Instance ids (CRNs) the key may act in; the first is its default. */
  readonly instances?: readonly string[] | undefined;
  readonly admin?: boolean | undefined;
  readonly userId?: string | undefined;
  readonly expiresInSeconds?: number | undefined;
}

/** `/admin` (administrator keys only). */
export class AdminApi {
  readonly keys: {
    /** `POST /admin/keys`: the answer's `key` is shown only once. */
    create(input?: CreateKeyInput, options?: CallOptions): Promise<CreatedApiKey>;
    /** `GET /admin/keys` (never the keys themselves). */
    list(options?: CallOptions): Promise<ApiKey[]>;
    /** `DELETE /admin/keys/{id}`. */
    revoke(id: string, options?: CallOptions): Promise<void>;
  };
  readonly instances: {
    /** `GET /admin/instances`. */
    list(options?: CallOptions): Promise<Instance[]>;
  };
  readonly backends: {
    /**
     * `POST /admin/backends/{name}/pause`: the backend starts no job (running ones finish, its
     * queue keeps) until resumed; `reason` becomes its status message.
     */
    pause(name: string, reason?: string, options?: CallOptions): Promise<Device>;
    /** `POST /admin/backends/{name}/resume`: online again; its queued jobs start. */
    resume(name: string, options?: CallOptions): Promise<Device>;
  };

  constructor(transport: Transport) {
    this.keys = {
      create: (input = {}, options = {}) =>
        call(transport, 'post', '/admin/keys', {
          body: {
            name: input.name ?? 'api-key',
            ...(input.instances !== undefined ? { instances: [...input.instances] } : {}),
            ...(input.admin !== undefined ? { admin: input.admin } : {}),
            ...(input.userId !== undefined ? { user_id: input.userId } : {}),
            ...(input.expiresInSeconds !== undefined
              ? { expires_in_seconds: input.expiresInSeconds }
              : {}),
          },
          signal: options.signal,
        }),
      list: async (options = {}) =>
        (await call(transport, 'get', '/admin/keys', { signal: options.signal })).keys,
      revoke: async (id, options = {}) => {
        await call(transport, 'delete', '/admin/keys/{id}', {
          path: { id },
          signal: options.signal,
        });
      },
    };
    this.instances = {
      list: async (options = {}) =>
        (await call(transport, 'get', '/admin/instances', { signal: options.signal })).instances,
    };
    this.backends = {
      pause: (name, reason, options = {}) =>
        call(transport, 'post', '/admin/backends/{name}/pause', {
          path: { name },
          ...(reason !== undefined ? { body: { reason } } : {}),
          signal: options.signal,
        }),
      resume: (name, options = {}) =>
        call(transport, 'post', '/admin/backends/{name}/resume', {
          path: { name },
          signal: options.signal,
        }),
    };
  }
}
