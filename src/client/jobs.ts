/** Jobs: `client.jobs` and the Job handle. */
import { call, type CallOptions } from './api.js';
import { BerthError, isBerthError } from './errors.js';
import { eventStream, type EventStreamOptions, type StreamSettings } from './events.js';
import { sleep, type Transport } from './http.js';
import type { PrimitiveResult } from './results.js';
import type {
  BerthEvent,
  JobFilter,
  JobList,
  JobDiagrams,
  JobMetrics,
  JobStatus,
  SubmitJobBody,
  SubmittedJob,
  WireJob,
} from './types.js';

/** A program id: `sampler`, `estimator`, or another program the server registers. */
export type ProgramId = 'sampler' | 'estimator' | (string & {});

/** Job options shared by `jobs.submit` and `session.run`. */
export interface JobOptions {
  /** Up to 8 tags of at most 86 characters. */
  readonly tags?: readonly string[] | undefined;
  /** Maximum execution time in seconds (1–10800; 0 or absent: the server's default). */
  readonly cost?: number | undefined;
  /** A private job never shows its params. */
  readonly private?: boolean | undefined;
  readonly logLevel?: string | undefined;
  readonly runtime?: string | undefined;
}

export interface SubmitJobInput extends JobOptions {
  readonly programId: ProgramId;
  /** Required unless the session has a backend. */
  readonly backend?: string | undefined;
  /** The program's parameters, e.g. `{pubs: [[qasm, null, 100]]}` for the sampler. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly sessionId?: string | null | undefined;
}

export interface WaitOptions extends CallOptions {
  /** Called with the job each time its status changes. */
  readonly onUpdate?: ((job: Job) => void) | undefined;
  /** false: poll `GET /jobs/{id}` instead of listening to the job's event stream. */
  readonly events?: boolean | undefined;
}

const FINAL: ReadonlySet<JobStatus> = new Set<JobStatus>(['Completed', 'Failed', 'Cancelled']);
const RANK: Readonly<Record<JobStatus, number>> = {
  Queued: 0,
  Running: 1,
  Completed: 2,
  Failed: 2,
  Cancelled: 2,
};

/** True for `Completed`, `Failed` and `Cancelled`. */
export function isFinalStatus(status: JobStatus): boolean {
  return FINAL.has(status);
}

/** Polling intervals of `job.wait()` without events: 250 ms, doubling, at most 2 s. */
const POLL_START_MS = 250;
const POLL_CAP_MS = 2_000;

export class JobsApi {
  constructor(private readonly transport: Transport) {}

  /** A handle for a job known by id, without fetching it. */
  handle(id: string, init: { backend?: string; sessionId?: string | null } = {}): Job {
    return new Job(this, this.transport, id, init.backend ?? null, init.sessionId ?? null, null);
  }

  /** `POST /api/v1/jobs`. The handle's status is `Queued` until refreshed. */
  async submit(input: SubmitJobInput, options: CallOptions = {}): Promise<Job> {
    const body: SubmitJobBody = {
      program_id: input.programId,
      params: { ...input.params },
      ...(input.backend !== undefined ? { backend: input.backend } : {}),
      ...(input.sessionId !== undefined && input.sessionId !== null
        ? { session_id: input.sessionId }
        : {}),
      ...(input.tags !== undefined ? { tags: [...input.tags] } : {}),
      ...(input.cost !== undefined ? { cost: input.cost } : {}),
      ...(input.private !== undefined ? { private: input.private } : {}),
      ...(input.logLevel !== undefined ? { log_level: input.logLevel } : {}),
      ...(input.runtime !== undefined ? { runtime: input.runtime } : {}),
    };
    const created: SubmittedJob = await call(this.transport, 'post', '/api/v1/jobs', {
      body,
      signal: options.signal,
    });
    return new Job(
      this,
      this.transport,
      created.id,
      created.backend,
      created.session_id ?? input.sessionId ?? null,
      null,
    );
  }

  /** `GET /api/v1/jobs/{id}` (with params unless `params: false`). */
  async get(id: string, options: CallOptions & { params?: boolean } = {}): Promise<Job> {
    const details = await this.fetch(id, options.params ?? true, options.signal);
    return new Job(this, this.transport, id, details.backend, details.session_id, details);
  }

  /** @internal */
  fetch(id: string, params: boolean, signal?: AbortSignal): Promise<WireJob> {
    return call(this.transport, 'get', '/api/v1/jobs/{id}', {
      path: { id },
      query: { exclude_params: !params },
      signal,
    });
  }

  /** `GET /api/v1/jobs`: a page of jobs (`count` is the total number of matches). */
  list(filter: JobFilter = {}, options: CallOptions = {}): Promise<JobList> {
    return call(this.transport, 'get', '/api/v1/jobs', { query: filter, signal: options.signal });
  }

  /** `POST /api/v1/jobs/{id}/cancel`; a final job is a 409 `job_not_cancellable`. */
  async cancel(id: string, options: CallOptions = {}): Promise<void> {
    await call(this.transport, 'post', '/api/v1/jobs/{id}/cancel', {
      path: { id },
      signal: options.signal,
    });
  }

  /** `DELETE /api/v1/jobs/{id}` (final jobs only; else 409 `job_not_final`). */
  async delete(id: string, options: CallOptions = {}): Promise<void> {
    await call(this.transport, 'delete', '/api/v1/jobs/{id}', {
      path: { id },
      signal: options.signal,
    });
  }

  /**
   * `GET /api/v1/jobs/{id}/results`: the PrimitiveResult document, or null while the job has
   * no result yet (204). A job that ended without one (Failed or Cancelled) answers its reason
   * there: that is a BerthError `job_failed` or `job_cancelled` carrying the reason.
   */
  async results(id: string, options: CallOptions = {}): Promise<PrimitiveResult | null> {
    const path = `/api/v1/jobs/${encodeURIComponent(id)}/results`;
    const read = await this.transport.send(
      'GET',
      path,
      { signal: options.signal, headers: { accept: 'text/plain' } },
      async (res) => ({
        status: res.status,
        jobStatus: res.headers.get('x-berth-job-status'),
        text: await res.text(),
      }),
    );
    if (read.status === 204 || read.text === '') return null;
    if (read.jobStatus && read.jobStatus !== 'Completed')
      throw new BerthError({
        status: read.status,
        code: read.jobStatus === 'Failed' ? 'job_failed' : 'job_cancelled',
        message: `Job ${id} ${read.jobStatus}: ${read.text}`,
        method: 'GET',
        url: this.transport.url(path),
      });
    try {
      return JSON.parse(read.text) as PrimitiveResult;
    } catch (err) {
      throw new BerthError({
        status: read.status,
        code: 'invalid_response',
        message: `GET ${this.transport.url(path)} answered with a result that is not JSON`,
        method: 'GET',
        url: this.transport.url(path),
        cause: err,
      });
    }
  }

  /** `GET /api/v1/jobs/{id}/logs`: the log as text, one line per entry. */
  logs(id: string, options: CallOptions = {}): Promise<string> {
    return this.transport.text('GET', `/api/v1/jobs/${encodeURIComponent(id)}/logs`, {
      signal: options.signal,
      headers: { accept: 'text/plain' },
    });
  }

  /** `GET /api/v1/jobs/{id}/diagram`: the job's circuits as diagrams (a Berth extension). */
  diagram(id: string, options: CallOptions = {}): Promise<JobDiagrams> {
    return call(this.transport, 'get', '/api/v1/jobs/{id}/diagram', {
      path: { id },
      signal: options.signal,
    });
  }

  /** `GET /api/v1/jobs/{id}/metrics`. */
  metrics(id: string, options: CallOptions = {}): Promise<JobMetrics> {
    return call(this.transport, 'get', '/api/v1/jobs/{id}/metrics', {
      path: { id },
      signal: options.signal,
    });
  }

  /** `PUT /api/v1/jobs/{id}/tags`: replace the tags. */
  async setTags(id: string, tags: readonly string[], options: CallOptions = {}): Promise<void> {
    await call(this.transport, 'put', '/api/v1/jobs/{id}/tags', {
      path: { id },
      body: { tags: [...tags] },
      signal: options.signal,
    });
  }

  /**
   * `GET /api/v1/jobs/{id}/events`: the job's events from its beginning (or after `after`);
   * the iteration ends after the job's final state.
   */
  events(
    id: string,
    options: EventStreamOptions = {},
  ): AsyncGenerator<BerthEvent, void, undefined> {
    return this.stream(id, options);
  }

  /** @internal */
  stream(
    id: string,
    options: EventStreamOptions & Pick<StreamSettings, 'maxFailures'>,
  ): AsyncGenerator<BerthEvent, void, undefined> {
    return eventStream(this.transport, `/api/v1/jobs/${encodeURIComponent(id)}/events`, {
      ...options,
      kind: 'job',
    });
  }
}

/** A job: its id, what was last fetched of it, and what can be done with it. */
export class Job {
  #details: WireJob | null;
  #status: JobStatus;
  #backend: string | null;
  #sessionId: string | null;

  /** @internal Use `client.jobs.submit`, `client.jobs.get` or `session.run`. */
  constructor(
    private readonly api: JobsApi,
    private readonly transport: Transport,
    readonly id: string,
    backend: string | null,
    sessionId: string | null,
    details: WireJob | null,
  ) {
    this.#details = details;
    this.#status = details?.state.status ?? 'Queued';
    this.#backend = backend;
    this.#sessionId = sessionId;
  }

  /** The job as last fetched (`GET /jobs/{id}` or an event); null before the first fetch. */
  get details(): WireJob | null {
    return this.#details;
  }

  /** The last known state: `Queued` (as submitted), `Running`, `Completed`, `Failed`, `Cancelled`. */
  get status(): JobStatus {
    return this.#status;
  }

  get backend(): string | null {
    return this.#details?.backend ?? this.#backend;
  }

  get sessionId(): string | null {
    return this.#details ? this.#details.session_id : this.#sessionId;
  }

  /** True once the last known status is final. */
  get final(): boolean {
    return FINAL.has(this.#status);
  }

  toJSON(): WireJob | { id: string; status: JobStatus } {
    return this.#details ?? { id: this.id, status: this.#status };
  }

  /** Take a newer view of the job; `onUpdate` is told when the status changed. */
  private apply(wire: WireJob, onUpdate?: (job: Job) => void): void {
    const status = wire.state.status;
    // Events replay the history: never step back to an earlier state.
    if (this.#details && RANK[status] < RANK[this.#status]) return;
    const previous = this.#details;
    const changed = status !== this.#status || previous === null;
    this.#details =
      previous && 'params' in previous && !('params' in wire)
        ? { ...wire, params: previous.params }
        : wire;
    this.#status = status;
    if (changed && onUpdate) onUpdate(this);
  }

  /** `GET /jobs/{id}` into `details`. */
  async refresh(options: CallOptions = {}): Promise<this> {
    this.apply(await this.api.fetch(this.id, true, options.signal));
    return this;
  }

  /**
   * Wait until the job is final: listens to the job's event stream, and polls
   * `GET /jobs/{id}` (250 ms, doubling, at most 2 s) when the server has no event routes or the
   * stream fails repeatedly. Resolves with this job (Completed, Failed or Cancelled: it does not
   * throw for a failed job; `result()` does). Rejects with the signal's reason when aborted.
   */
  async wait(options: WaitOptions = {}): Promise<this> {
    const { signal, onUpdate } = options;
    signal?.throwIfAborted();
    if (this.#details && this.final) return this;
    let useEvents = options.events !== false;
    let emptyEnds = 0;
    while (useEvents) {
      let received = 0;
      try {
        for await (const event of this.api.stream(this.id, {
          signal,
          types: ['job.state_changed'],
          maxFailures: 2,
        })) {
          if (event.type !== 'job.state_changed' || event.data.id !== this.id) continue;
          received++;
          this.apply(event.data, onUpdate);
          if (this.final) return this;
        }
        signal?.throwIfAborted();
        // The stream ended without a final state (a server shutting down): look, then listen again.
        this.apply(await this.api.fetch(this.id, false, signal), onUpdate);
        if (this.final) return this;
        if (received === 0 && ++emptyEnds >= 2) useEvents = false;
      } catch (err) {
        if (signal?.aborted) throw signal.reason ?? err;
        // No event route (404 from an older server), not an event stream, or failing
        // repeatedly: polling tells the real story (and reports a missing job as it is).
        if (isBerthError(err) && (err.status === 401 || err.status === 403)) throw err;
        useEvents = false;
      }
    }
    let delay = POLL_START_MS;
    for (;;) {
      this.apply(await this.api.fetch(this.id, false, signal), onUpdate);
      if (this.final) return this;
      await sleep(delay, signal);
      delay = Math.min(POLL_CAP_MS, delay * 2);
    }
  }

  /**
   * Wait for the job, then `GET /jobs/{id}/results`: the PrimitiveResult document. Throws a
   * BerthError (status 409, code `job_failed` or `job_cancelled`) when the job ended without a
   * result.
   */
  async result(options: WaitOptions = {}): Promise<PrimitiveResult> {
    await this.wait(options);
    if (this.#status !== 'Completed') {
      const reason = this.#details?.state.reason;
      throw new BerthError({
        status: 409,
        code: this.#status === 'Failed' ? 'job_failed' : 'job_cancelled',
        message: `Job ${this.id} ${this.#details?.status ?? this.#status}${reason ? `: ${reason}` : ''}`,
        method: 'GET',
        url: this.transport.url(`/api/v1/jobs/${encodeURIComponent(this.id)}/results`),
      });
    }
    // A completed job has its result; a 204 here can only be a moment's lag.
    for (let attempt = 0; ; attempt++) {
      const doc = await this.api.results(this.id, options);
      if (doc !== null) return doc;
      if (attempt >= 10) {
        throw new BerthError({
          status: 204,
          code: 'no_result',
          message: `Job ${this.id} is Completed but has no result`,
        });
      }
      await sleep(Math.min(1000, 50 * 2 ** attempt), options.signal);
    }
  }

  /** `POST /jobs/{id}/cancel`. */
  cancel(options: CallOptions = {}): Promise<void> {
    return this.api.cancel(this.id, options);
  }

  /** `GET /jobs/{id}/logs`. */
  logs(options: CallOptions = {}): Promise<string> {
    return this.api.logs(this.id, options);
  }

  /** `GET /jobs/{id}/metrics`. */
  metrics(options: CallOptions = {}): Promise<JobMetrics> {
    return this.api.metrics(this.id, options);
  }

  /** The job's events (ends after its final state). */
  events(options: EventStreamOptions = {}): AsyncGenerator<BerthEvent, void, undefined> {
    return this.api.events(this.id, options);
  }
}
