/** Sessions: `client.sessions` and the Session handle. */
import { call, type CallOptions } from './api.js';
import { isBerthError } from './errors.js';
import { eventStream, type EventStreamOptions } from './events.js';
import type { Transport } from './http.js';
import type { Job, JobOptions, JobsApi, ProgramId } from './jobs.js';
import type {
  BerthEvent,
  CreateSessionBody,
  JobFilter,
  JobList,
  SessionFilter,
  SessionList,
  SessionMode,
  SessionState,
  WireSession,
} from './types.js';

export interface CreateSessionInput {
  /** The backend; without one the session binds to the backend of its first job. */
  readonly backend?: string | undefined;
  /** Default `dedicated`. */
  readonly mode?: SessionMode | undefined;
  /** Seconds (default 28800, lowered to the instance's ceiling). */
  readonly maxTtl?: number | undefined;
  /** Seconds of idleness before the session turns inactive. */
  readonly interactiveTtl?: number | undefined;
  /** Active-time budget in seconds (≤ maxTtl). */
  readonly activeTtl?: number | undefined;
}

export interface RunOptions extends JobOptions, CallOptions {
  /** Default: the session's backend. */
  readonly backend?: string | undefined;
}

// `await using` needs Symbol.asyncDispose (Node ≥ 20; in older browsers, a polyfill loaded first).
const ASYNC_DISPOSE: typeof Symbol.asyncDispose = (Symbol.asyncDispose ??
  Symbol.for('Symbol.asyncDispose')) as typeof Symbol.asyncDispose;

export class SessionsApi {
  constructor(
    private readonly transport: Transport,
    private readonly jobs: JobsApi,
  ) {}

  /** `POST /api/v1/sessions`. */
  async create(input: CreateSessionInput = {}, options: CallOptions = {}): Promise<Session> {
    const body: CreateSessionBody = {
      mode: input.mode ?? 'dedicated',
      ...(input.backend !== undefined ? { backend: input.backend } : {}),
      ...(input.maxTtl !== undefined ? { max_ttl: input.maxTtl } : {}),
      ...(input.interactiveTtl !== undefined ? { interactive_ttl: input.interactiveTtl } : {}),
      ...(input.activeTtl !== undefined ? { active_ttl: input.activeTtl } : {}),
    };
    const details = await call(this.transport, 'post', '/api/v1/sessions', {
      body,
      signal: options.signal,
    });
    return new Session(this, this.jobs, details);
  }

  /** `GET /api/v1/sessions/{id}`. */
  async get(id: string, options: CallOptions = {}): Promise<Session> {
    return new Session(this, this.jobs, await this.fetch(id, options.signal));
  }

  /** @internal */
  fetch(id: string, signal?: AbortSignal): Promise<WireSession> {
    return call(this.transport, 'get', '/api/v1/sessions/{id}', { path: { id }, signal });
  }

  /** `GET /api/v1/sessions`: a page of sessions, newest first. */
  list(filter: SessionFilter = {}, options: CallOptions = {}): Promise<SessionList> {
    return call(this.transport, 'get', '/api/v1/sessions', {
      query: filter,
      signal: options.signal,
    });
  }

  /**
   * `PATCH /api/v1/sessions/{id}` `{"accepting_jobs": false}`: no new jobs; queued and running
   * jobs finish, then the session closes (at once when it has none). Idempotent.
   */
  async close(id: string, options: CallOptions = {}): Promise<void> {
    await call(this.transport, 'patch', '/api/v1/sessions/{id}', {
      path: { id },
      body: { accepting_jobs: false },
      signal: options.signal,
    });
  }

  /**
   * `DELETE /api/v1/sessions/{id}/close`: closes at once; queued jobs are cancelled, running
   * jobs run to completion. Idempotent.
   */
  async cancel(id: string, options: CallOptions = {}): Promise<void> {
    await call(this.transport, 'delete', '/api/v1/sessions/{id}/close', {
      path: { id },
      signal: options.signal,
    });
  }

  /** `PATCH /api/v1/sessions/{id}` `{"accepting_jobs": true}` (409 `session_closed` when closed). */
  async resume(id: string, options: CallOptions = {}): Promise<void> {
    await call(this.transport, 'patch', '/api/v1/sessions/{id}', {
      path: { id },
      body: { accepting_jobs: true },
      signal: options.signal,
    });
  }

  /**
   * `GET /api/v1/sessions/{id}/events`: the session's events and its jobs', from the beginning
   * (or after `after`). The stream stays open: stop with the signal or by leaving the loop.
   */
  events(
    id: string,
    options: EventStreamOptions = {},
  ): AsyncGenerator<BerthEvent, void, undefined> {
    return eventStream(this.transport, `/api/v1/sessions/${encodeURIComponent(id)}/events`, {
      ...options,
      kind: 'open',
    });
  }
}

/** A session: its id, what was last fetched of it, and what can be done with it. */
export class Session {
  #details: WireSession;

  /** @internal Use `client.session`, `client.batch` or `client.sessions.create/get`. */
  constructor(
    private readonly api: SessionsApi,
    private readonly jobsApi: JobsApi,
    details: WireSession,
  ) {
    this.#details = details;
  }

  get id(): string {
    return this.#details.id;
  }

  /** The session as last fetched (`GET /sessions/{id}`), or as created. */
  get details(): WireSession {
    return this.#details;
  }

  get backend(): string | null {
    return this.#details.backend_name;
  }

  get mode(): SessionMode {
    return this.#details.mode;
  }

  /** The last known state: `open`, `active`, `inactive` or `closed`. */
  get state(): SessionState {
    return this.#details.state;
  }

  toJSON(): WireSession {
    return this.#details;
  }

  /** `GET /sessions/{id}` into `details`. */
  async refresh(options: CallOptions = {}): Promise<this> {
    this.#details = await this.api.fetch(this.id, options.signal);
    return this;
  }

  /** Submit a job in this session (`POST /jobs` with `session_id`). */
  run(
    programId: ProgramId,
    params: Readonly<Record<string, unknown>>,
    options: RunOptions = {},
  ): Promise<Job> {
    const backend = options.backend ?? this.backend ?? undefined;
    return this.jobsApi.submit(
      {
        programId,
        params,
        sessionId: this.id,
        ...(backend !== undefined ? { backend } : {}),
        tags: options.tags,
        cost: options.cost,
        private: options.private,
        logLevel: options.logLevel,
        runtime: options.runtime,
      },
      options,
    );
  }

  /** Stop accepting jobs; the session closes once its queued and running jobs are done. */
  close(options: CallOptions = {}): Promise<void> {
    return this.api.close(this.id, options);
  }

  /** Close now: queued jobs are cancelled, running jobs finish. */
  cancel(options: CallOptions = {}): Promise<void> {
    return this.api.cancel(this.id, options);
  }

  /** The session's jobs (`GET /jobs?session_id=…`). */
  jobs(filter: Omit<JobFilter, 'session_id'> = {}, options: CallOptions = {}): Promise<JobList> {
    return this.jobsApi.list({ ...filter, session_id: this.id }, options);
  }

  /** The session's events and its jobs' (the stream stays open). */
  events(options: EventStreamOptions = {}): AsyncGenerator<BerthEvent, void, undefined> {
    return this.api.events(this.id, options);
  }

  /** `await using session = …`: close() when the scope ends (a session already gone is fine). */
  async [ASYNC_DISPOSE](): Promise<void> {
    try {
      await this.close();
    } catch (err) {
      if (isBerthError(err) && err.status === 404) return;
      throw err;
    }
  }
}
