/**
 * Running some of a pass's tiles (tiles.ts): the work each thread does, the calling thread and
 * its helpers alike (tile-threads.ts).
 */
import { type Unitary, applyUnitaryTo } from '../kernels/apply.js';
import { SimulationCancelledError } from '../errors.js';

/** One pass's tiles: what a thread needs to run some of them. */
export interface TileJob {
  readonly re: Float64Array;
  readonly im: Float64Array;
  /** Amplitudes per run (2^lowBits). */
  readonly run: number;
  readonly runs: Int32Array;
  readonly bases: Int32Array;
  readonly ops: readonly Unitary[];
}

/** Tiles `from` … `to` − 1 of a pass: copy each into `scratch`, run the pass's gates, copy back. */
export function runTiles(
  job: TileJob,
  from: number,
  to: number,
  scratch: { re: Float64Array; im: Float64Array },
  shouldStop?: () => boolean,
): void {
  const { re, im, run, runs, bases, ops } = job;
  const dim = run * runs.length;
  const tileRe = scratch.re.subarray(0, dim);
  const tileIm = scratch.im.subarray(0, dim);
  for (let t = from; t < to; t++) {
    if (shouldStop?.()) throw new SimulationCancelledError();
    const base = bases[t] as number;
    for (let r = 0; r < runs.length; r++) {
      const at = base + (runs[r] as number);
      tileRe.set(re.subarray(at, at + run), r * run);
      tileIm.set(im.subarray(at, at + run), r * run);
    }
    for (const op of ops) applyUnitaryTo(tileRe, tileIm, dim, op);
    for (let r = 0; r < runs.length; r++) {
      const at = base + (runs[r] as number);
      re.set(tileRe.subarray(r * run, (r + 1) * run), at);
      im.set(tileIm.subarray(r * run, (r + 1) * run), at);
    }
  }
}
