/**
 * Both cores on one large state. A pass's tiles (tiles.ts) are disjoint, so helper threads run
 * some of them while the calling thread runs the rest, on a state held in SharedArrayBuffers.
 *
 * The simulation is synchronous (the engines call evolve() and expect the state evolved), so the
 * hand-off is too: the caller posts each helper its share on a MessagePort, bumps a generation
 * counter and wakes the helpers with Atomics.notify; a helper reads its share with
 * receiveMessageOnPort (no event loop needed), runs it, counts itself done, and the caller waits
 * on that count with Atomics.wait. A pass of a 24-qubit state takes tens of milliseconds; the
 * hand-off takes tens of microseconds.
 *
 * How many threads: setSimulationThreads (the server gives each simulator thread its share of
 * the machine's cores, so jobs never oversubscribe it); 1 by default, and states below
 * TILE_MIN_QUBITS (tiles.ts) never use helpers.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { type TileJob, runTiles } from './tile-run.js';

/** The control words shared with the helpers. */
export const GEN = 0;
export const DONE = 1;
export const FAILED = 2;
export const QUIT = 3;
/** Helpers that have started and wait for work. */
export const READY = 4;

/** How long helpers may take to start before a run goes on without them. */
const START_TIMEOUT_MS = 30_000;

/** What a helper is sent for one pass: its share of the tiles. */
export interface HelperTask {
  readonly job: TileJob;
  readonly from: number;
  readonly to: number;
}

interface Pool {
  readonly control: Int32Array;
  readonly helpers: { readonly worker: Worker; readonly port: MessagePort }[];
}

let threads = 1;
let pool: Pool | null = null;

// From the TypeScript sources (tests, `npm run dev`) a helper starts through a tsx bootstrap.
const SOURCE = import.meta.url.endsWith('.ts');
const HELPER_URL = new URL(SOURCE ? './tile-thread-dev.mjs' : './tile-thread.js', import.meta.url);

/**
 * Threads a large state's passes may use, this one included (1: no helpers). Helpers start on
 * the first pass that needs them and stay, blocked on a futex, until the count changes.
 */
export function setSimulationThreads(n: number): void {
  const next = Math.max(1, Math.floor(n));
  if (next === threads) return;
  threads = next;
  stopHelpers();
}

export function simulationThreads(): number {
  return threads;
}

/** Helper threads running now (0 before the first large state, or when they could not start). */
export function helperThreads(): number {
  return pool?.helpers.length ?? 0;
}

/** Float64Arrays the helpers can share when there are any, plain ones otherwise. */
export function stateArray(length: number, shared = threads > 1): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(length * 8)) : new Float64Array(length);
}

/** Stop the helper threads (they are restarted on demand). */
function stopHelpers(): void {
  if (!pool) return;
  const { control, helpers } = pool;
  pool = null;
  Atomics.store(control, QUIT, 1);
  Atomics.add(control, GEN, 1);
  Atomics.notify(control, GEN);
  for (const h of helpers) {
    h.port.close();
    void h.worker.terminate();
  }
}

/** The helpers, started if need be; null if they could not start (the run goes on alone). */
function ensurePool(): Pool | null {
  if (pool && pool.helpers.length === threads - 1) return pool;
  stopHelpers();
  const control = new Int32Array(new SharedArrayBuffer(5 * 4));
  const helpers = Array.from({ length: threads - 1 }, () => {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(HELPER_URL, {
      workerData: { control, port: port2 },
      transferList: [port2],
    });
    // A helper must never keep the process alive, nor take it down: a failure is reported
    // through FAILED and the pass rethrown here.
    worker.unref();
    worker.on('error', () => undefined);
    return { worker, port: port1 };
  });
  // Wait (synchronously, as the run is) until every helper runs: a helper that never starts
  // would otherwise never count itself done.
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (let ready = 0; ready < helpers.length && Date.now() < deadline;) {
    Atomics.wait(control, READY, ready, 100);
    ready = Atomics.load(control, READY);
  }
  pool = { control, helpers };
  if (Atomics.load(control, READY) < helpers.length) {
    stopHelpers();
    return null;
  }
  return pool;
}

/**
 * Run every tile of `job`, split between this thread and the helpers. Falls back to this thread
 * alone when there is one thread or too few tiles to share.
 */
export function runShared(
  job: TileJob,
  scratch: { re: Float64Array; im: Float64Array },
  shouldStop?: () => boolean,
): void {
  const tiles = job.bases.length;
  if (threads < 2 || tiles < 2) {
    runTiles(job, 0, tiles, scratch, shouldStop);
    return;
  }
  const started = ensurePool();
  if (!started) {
    runTiles(job, 0, tiles, scratch, shouldStop);
    return;
  }
  const { control, helpers } = started;
  const shares = Math.min(threads, tiles);
  const per = Math.ceil(tiles / shares);
  const used = helpers.slice(0, shares - 1);
  Atomics.store(control, DONE, 0);
  Atomics.store(control, FAILED, 0);
  used.forEach((h, k) => {
    const from = (k + 1) * per;
    const task: HelperTask = { job, from, to: Math.min(tiles, from + per) };
    h.port.postMessage(task);
  });
  // Helpers not used this pass get an empty share, so that every helper counts itself done.
  for (const h of helpers.slice(shares - 1)) h.port.postMessage({ job, from: 0, to: 0 });
  Atomics.add(control, GEN, 1);
  Atomics.notify(control, GEN);
  let error: unknown = null;
  try {
    runTiles(job, 0, Math.min(tiles, per), scratch, shouldStop);
  } catch (e) {
    error = e;
  }
  // Wait for every helper, even when this share failed: they write into the same state.
  for (let done = Atomics.load(control, DONE); done < helpers.length;) {
    Atomics.wait(control, DONE, done, 10_000);
    done = Atomics.load(control, DONE);
  }
  if (error) throw error;
  if (Atomics.load(control, FAILED) !== 0) throw new Error('a simulation helper thread failed');
}
