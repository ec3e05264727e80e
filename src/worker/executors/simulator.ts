/**
 * The simulator executor: a fixed pool of worker threads running the quantum library. Jobs wait
 * for a free thread in start order (they already hold their backend lane). A cancelled job stops
 * cooperatively; a thread that does not stop within STOP_GRACE_MS is terminated and replaced.
 */
import { availableParallelism } from 'node:os';
import { Worker as Thread } from 'node:worker_threads';
import type { BackendCatalog } from '../../app/backends.js';
import type { ExecutionOutcome, Executor } from '../../app/ports.js';
import { checkProgram } from '../../quantum/index.js';
import { INLINE_CHECK_CHARS, circuitChars } from '../program-size.js';
import { limitsOf, programOf, withCalibration } from '../programs.js';
import { runTask } from './run-task.js';
import type { ThreadReply, ThreadTask } from './thread-protocol.js';

const STOP_GRACE_MS = 2000;
/**
 * Jobs this small (amplitudes × pubs, and shots) run on the main thread, on the next turn of the
 * event loop: a thread hop costs more than the simulation, and a thread competing for the same
 * core delays the scheduler. Bigger jobs always go to a thread.
 */
const INLINE_MAX_AMPLITUDES = 2 ** 10;
const INLINE_MAX_SHOTS = 20_000;

interface Task {
  readonly message: ThreadTask;
  readonly resolve: (o: ExecutionOutcome) => void;
  readonly signal: AbortSignal;
}

interface Slot {
  thread: Thread;
  task: Task | null;
  killTimer: NodeJS.Timeout | null;
}

// From the TypeScript sources (tests, `npm run dev`) a thread starts through a tsx bootstrap.
const SOURCE = import.meta.url.endsWith('.ts');
const THREAD_URL = new URL(
  SOURCE ? './simulator-thread-dev.mjs' : './simulator-thread.js',
  import.meta.url,
);

export class SimulatorExecutor implements Executor {
  private readonly slots: Slot[] = [];
  /**
   * Threads one job may use on a large state (its thread and helpers): the machine's cores
   * shared between the simulator threads, so that jobs running together never oversubscribe it.
   */
  private readonly jobThreads: number;
  private readonly waiting: Task[] = [];
  private closed = false;

  constructor(
    private readonly catalog: BackendCatalog,
    threads: number,
    /** A calibration's documents (a job that names one runs with its noise). */
    private readonly calibration: (
      backend: string,
      id: string,
    ) => Promise<{ properties: string; configuration: string | null } | null> = async () => null,
  ) {
    this.jobThreads = Math.max(1, Math.floor(availableParallelism() / threads));
    for (let i = 0; i < threads; i++) {
      const slot: Slot = { thread: null as unknown as Thread, task: null, killTimer: null };
      this.attachThread(slot);
      this.slots.push(slot);
    }
  }

  async run(
    job: {
      id: string;
      programId: string;
      params: unknown;
      backend: string;
      calibrationId?: string | null;
    },
    signal: AbortSignal,
  ): Promise<ExecutionOutcome> {
    const entry = this.catalog.get(job.backend);
    const programId = programOf(job.programId);
    if (!entry || !programId) {
      return { kind: 'failed', reason: `Cannot run ${job.programId} on ${job.backend}`, logs: [] };
    }
    let backend = entry.backend;
    if (job.calibrationId) {
      const documents = await this.calibration(job.backend, job.calibrationId);
      if (!documents)
        return {
          kind: 'failed',
          reason: `${job.backend} has no calibration ${job.calibrationId} any more`,
          logs: [],
        };
      backend = withCalibration(backend, documents);
    }
    if (signal.aborted) return { kind: 'stopped' };
    const message: ThreadTask = {
      jobId: job.id,
      programId,
      params: job.params,
      limits: limitsOf(backend),
      stopFlag: new SharedArrayBuffer(4),
    };
    if (isSmall(message)) {
      return new Promise((resolve) => {
        setImmediate(() => resolve(toOutcome(runTask(message, () => signal.aborted))));
      });
    }
    return new Promise((resolve) => {
      const task: Task = { message, resolve, signal };
      signal.addEventListener('abort', () => this.abort(task), { once: true });
      this.waiting.push(task);
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.waiting.splice(0)) t.resolve({ kind: 'stopped' });
    await Promise.all(this.slots.map((s) => s.thread.terminate()));
  }

  /** Give a slot a fresh thread (at start, and after one was terminated or crashed). */
  private attachThread(slot: Slot): void {
    const thread = new Thread(THREAD_URL, { workerData: { jobThreads: this.jobThreads } });
    slot.thread = thread;
    thread.on('message', (reply: ThreadReply) => {
      if (slot.thread === thread) this.finish(slot, toOutcome(reply));
    });
    thread.on('error', (err) => {
      if (slot.thread !== thread) return;
      this.finish(slot, {
        kind: 'failed',
        reason: `Simulator thread crashed: ${err.message}`,
        logs: [],
      });
      if (!this.closed) this.attachThread(slot);
    });
    thread.unref();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.task || this.closed) continue;
      const task = this.waiting.shift();
      if (!task) return;
      slot.task = task;
      slot.thread.postMessage(task.message);
    }
  }

  private finish(slot: Slot, outcome: ExecutionOutcome): void {
    const task = slot.task;
    slot.task = null;
    if (slot.killTimer) clearTimeout(slot.killTimer);
    slot.killTimer = null;
    task?.resolve(outcome);
    this.pump();
  }

  private abort(task: Task): void {
    const i = this.waiting.indexOf(task);
    if (i >= 0) {
      this.waiting.splice(i, 1);
      task.resolve({ kind: 'stopped' });
      return;
    }
    const slot = this.slots.find((s) => s.task === task);
    if (!slot) return;
    Atomics.store(new Int32Array(task.message.stopFlag), 0, 1);
    slot.killTimer = setTimeout(() => {
      // The simulation did not reach a stop check in time: replace the thread.
      if (slot.task !== task) return;
      void slot.thread.terminate();
      this.attachThread(slot);
      this.finish(slot, { kind: 'stopped' });
    }, STOP_GRACE_MS);
  }
}

function isSmall(task: ThreadTask): boolean {
  // Never parse a large program on the main thread just to decide where to run it.
  if (circuitChars(task.params) > INLINE_CHECK_CHARS) return false;
  try {
    const s = checkProgram(task.programId, task.params, task.limits);
    return 2 ** s.maxQubits * s.pubs <= INLINE_MAX_AMPLITUDES && s.totalShots <= INLINE_MAX_SHOTS;
  } catch {
    return false; // let the thread report the problem
  }
}

function toOutcome(reply: ThreadReply): ExecutionOutcome {
  switch (reply.kind) {
    case 'completed':
      return { kind: 'completed', resultJson: reply.resultJson, logs: reply.logs };
    case 'failed':
      return { kind: 'failed', reason: reply.reason, logs: [] };
    case 'stopped':
      return { kind: 'stopped' };
  }
}
