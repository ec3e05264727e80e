/**
 * Checks large programs in one worker thread, one at a time, so that parsing megabytes of
 * OpenQASM at submission never stalls the API or the scheduler. The thread starts on first use
 * and is replaced if it dies.
 */
import { Worker as Thread } from 'node:worker_threads';
import {
  type ProgramId,
  type ProgramLimits,
  type ProgramSummary,
  QuantumInputError,
} from '../../quantum/index.js';
import type { CheckReply, CheckRequest } from './protocol.js';

const SOURCE = import.meta.url.endsWith('.ts');
const THREAD_URL = new URL(
  SOURCE ? './check-thread-dev.mjs' : './check-thread.js',
  import.meta.url,
);

interface Pending {
  readonly resolve: (s: ProgramSummary) => void;
  readonly reject: (e: Error) => void;
}

export class ProgramChecker {
  private thread: Thread | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  /** checkProgram in the thread; rejects with QuantumInputError for the client's mistakes. */
  check(programId: ProgramId, params: unknown, limits: ProgramLimits): Promise<ProgramSummary> {
    if (this.closed) return Promise.reject(new Error('the program checker is closed'));
    const id = this.nextId++;
    const request: CheckRequest = { id, programId, params, limits };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ensureThread().postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('the program checker is closed'));
    await this.thread?.terminate();
    this.thread = null;
  }

  private ensureThread(): Thread {
    if (this.thread) return this.thread;
    const thread = new Thread(THREAD_URL);
    thread.on('message', (reply: CheckReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.summary);
      else p.reject(reply.input ? new QuantumInputError(reply.message) : new Error(reply.message));
    });
    thread.on('error', (err) => {
      if (this.thread === thread) this.thread = null;
      this.failAll(err);
    });
    thread.unref();
    this.thread = thread;
    return thread;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
