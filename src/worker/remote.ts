/**
 * A remote worker (docs/workers.md) that runs an external backend's jobs with the built-in
 * simulator: `berth worker`. It leases a job (long poll), heartbeats a third into each lease and
 * stops the run when a cancel is asked or the lease is lost, then settles the outcome. The
 * protocol needs nothing but HTTP and JSON; examples/worker.py is the same loop in Python.
 */
import type { ExecutionOutcome, Executor } from '../app/ports.js';

export interface RemoteWorkerOptions {
  readonly url: string;
  readonly key: string;
  readonly backend: string;
  /** This process's name (unique among the processes sharing the key). */
  readonly name: string;
  readonly executor: Executor;
  /** Stop after this many settled jobs (tests, one-shot runs); default: run until stopped. */
  readonly maxJobs?: number;
  readonly log?: (line: string) => void;
}

interface Leased {
  id: string;
  program_id: string;
  backend: string;
  params: unknown;
  attempt: number;
  heartbeat_seconds: number;
}

/** An answer the worker cannot act on (after a retry, the caller gives up). */
export class WorkerProtocolError extends Error {}

export class RemoteWorker {
  private stopping = false;
  private readonly aborts = new Set<AbortController>();

  constructor(private readonly o: RemoteWorkerOptions) {}

  private async call(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    return fetch(`${this.o.url.replace(/\/$/, '')}/api/v1/workers${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.o.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  }

  /** Lease and run jobs until stop() (or maxJobs). Resolves with the number of jobs settled. */
  async run(): Promise<number> {
    let settled = 0;
    let backoff = 250;
    while (!this.stopping && (this.o.maxJobs === undefined || settled < this.o.maxJobs)) {
      const controller = new AbortController();
      this.aborts.add(controller);
      let res: Response;
      try {
        res = await this.call(
          '/lease',
          { backend: this.o.backend, worker: this.o.name, wait_seconds: 20 },
          controller.signal,
        );
      } catch (e) {
        if (this.stopping) break;
        this.o.log?.(`lease failed (${(e as Error).message}); retrying`);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
        continue;
      } finally {
        this.aborts.delete(controller);
      }
      if (res.status === 204) continue;
      if (!res.ok) {
        const text = await res.text();
        if (res.status === 401 || res.status === 403)
          throw new WorkerProtocolError(`the server refused the worker key: ${text}`);
        this.o.log?.(`lease answered ${res.status}: ${text}; retrying`);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      backoff = 250;
      await this.runOne((await res.json()) as Leased);
      settled++;
    }
    return settled;
  }

  private async runOne(job: Leased): Promise<void> {
    const who = { worker: this.o.name, attempt: job.attempt };
    const stop = new AbortController();
    let lost = false;
    this.o.log?.(`job ${job.id}: running (attempt ${job.attempt})`);
    const beat = setInterval(
      () => {
        void this.call(`/jobs/${job.id}/heartbeat`, who).then(
          async (r) => {
            if (r.status === 409) {
              lost = true; // another worker may run it now: stop, and report nothing
              stop.abort();
            } else if (r.ok && ((await r.json()) as { cancel_requested: boolean }).cancel_requested)
              stop.abort();
          },
          () => {}, // the server is away: the next heartbeat tries again, within the lease
        );
      },
      Math.max(100, job.heartbeat_seconds * 1000),
    );
    let outcome: ExecutionOutcome;
    try {
      outcome = await this.o.executor.run(
        { id: job.id, programId: job.program_id, params: job.params, backend: job.backend },
        stop.signal,
      );
    } finally {
      clearInterval(beat);
    }
    if (lost) {
      this.o.log?.(`job ${job.id}: lease lost; dropped`);
      return;
    }
    const body =
      outcome.kind === 'completed'
        ? {
            ...who,
            status: 'completed',
            result: JSON.parse(outcome.resultJson),
            logs: outcome.logs,
          }
        : outcome.kind === 'failed'
          ? { ...who, status: 'failed', reason: outcome.reason, logs: outcome.logs }
          : { ...who, status: 'cancelled' };
    for (let i = 0; i < 20; i++) {
      try {
        const r = await this.call(`/jobs/${job.id}/result`, body);
        this.o.log?.(`job ${job.id}: ${r.ok ? body.status : `settle refused (${r.status})`}`);
        if (r.ok || (r.status >= 400 && r.status < 500)) return;
      } catch {
        // the server is away: try again
      }
      await sleep(Math.min(250 * 2 ** i, 5000));
    }
  }

  /** Stop leasing; the job in progress finishes and settles first. */
  stop(): void {
    this.stopping = true;
    for (const c of this.aborts) c.abort();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
