/**
 * Cache tiling for states larger than the processor's caches. A sweep of a 24-qubit state moves
 * 256 MB through memory, and one sweep per gate made large circuits bound by memory traffic. So
 * the gates are grouped into passes: each pass picks up to `highSlots` of the high qubits, and
 * every gate that acts only on those and on the `lowBits` low qubits (in an order that respects
 * the circuit's dependencies) runs on one tile at a time, copied into a small contiguous buffer
 * that stays in cache. A pass costs one read and one write of the state, whatever its gate count.
 */
import { qubitsOf } from '../ir/operation.js';
import { type Unitary, applyUnitaryTo } from '../kernels/apply.js';
import { SimulationCancelledError } from '../errors.js';
import { type TileJob, runTiles } from './tile-run.js';
import { runShared } from './tile-threads.js';

/** How states are cut into tiles. */
export interface TileLayout {
  /** Qubits below this are always inside a tile: runs of 2^lowBits amplitudes copy as blocks. */
  readonly lowBits: number;
  /** High qubits a tile can hold: a tile is 2^(lowBits + highSlots) amplitudes. */
  readonly highSlots: number;
}

/** Tiles of 2^18 amplitudes (4 MB): they stay in the last-level cache while their gates run. */
export const DEFAULT_LAYOUT: TileLayout = { lowBits: 10, highSlots: 8 };
/** States of fewer qubits fit in cache as they are: no tiling. */
export const TILE_MIN_QUBITS = DEFAULT_LAYOUT.lowBits + DEFAULT_LAYOUT.highSlots + 1;

/** One pass over the state: the gates that run tile by tile. */
export interface Pass {
  /** The high qubits of this pass's tiles, ascending; null: the gates run on the whole state. */
  readonly high: readonly number[] | null;
  /** The pass's gates, with qubits renumbered for the tile when there are tiles. */
  readonly ops: readonly Unitary[];
}

/**
 * Group `ops` into passes. Greedy: a pass takes each remaining gate whose qubits are free (no
 * earlier gate on them was left for a later pass) and whose high qubits fit in the pass's slots.
 */
export function planPasses(
  ops: readonly Unitary[],
  { lowBits, highSlots }: TileLayout = DEFAULT_LAYOUT,
): Pass[] {
  let remaining = ops.slice();
  const passes: Pass[] = [];
  while (remaining.length > 0) {
    const high: number[] = [];
    const blocked = new Set<number>();
    const taken: Unitary[] = [];
    const left: Unitary[] = [];
    for (const op of remaining) {
      const qs = qubitsOf(op);
      const extra = [...new Set(qs.filter((q) => q >= lowBits && !high.includes(q)))];
      if (qs.some((q) => blocked.has(q)) || high.length + extra.length > highSlots) {
        for (const q of qs) blocked.add(q);
        left.push(op);
        continue;
      }
      high.push(...extra);
      taken.push(op);
    }
    if (taken.length === 0) {
      // A gate on more high qubits than a tile holds (a many-controlled gate) runs untiled.
      passes.push({ high: null, ops: remaining.slice(0, 1) });
      remaining = remaining.slice(1);
      continue;
    }
    high.sort((x, y) => x - y);
    const local = (q: number): number => (q < lowBits ? q : lowBits + high.indexOf(q));
    passes.push({ high, ops: taken.map((op) => renumber(op, local)) });
    remaining = left;
  }
  return passes;
}

function renumberMask(mask: number, local: (q: number) => number): number {
  let out = 0;
  for (let m = mask, q = 0; m !== 0; m >>>= 1, q++) if (m & 1) out |= 1 << local(q);
  return out;
}

function renumber(op: Unitary, local: (q: number) => number): Unitary {
  switch (op.kind) {
    case 'u':
      return {
        ...op,
        target: local(op.target),
        cmask: renumberMask(op.cmask, local),
        nmask: renumberMask(op.nmask, local),
      };
    case 'pair':
      return { ...op, a: local(op.a), b: local(op.b) };
    case 'dense':
      return {
        ...op,
        qubits: op.qubits.map(local),
        cmask: renumberMask(op.cmask, local),
        nmask: renumberMask(op.nmask, local),
      };
    case 'swap':
      return {
        ...op,
        a: local(op.a),
        b: local(op.b),
        cmask: renumberMask(op.cmask, local),
        nmask: renumberMask(op.nmask, local),
      };
  }
}

/** Run unitary `ops` on a state of `n` qubits (n > lowBits + highSlots), tile by tile. */
export function evolveTiled(
  re: Float64Array,
  im: Float64Array,
  n: number,
  ops: readonly Unitary[],
  shouldStop?: () => boolean,
  layout: TileLayout = DEFAULT_LAYOUT,
): void {
  const run = 1 << layout.lowBits;
  const scratch = {
    re: new Float64Array(run << layout.highSlots),
    im: new Float64Array(run << layout.highSlots),
  };
  // Helper threads share the state's memory: only a state in shared buffers can be split.
  const helpers = re.buffer instanceof SharedArrayBuffer && im.buffer instanceof SharedArrayBuffer;
  for (const pass of planPasses(ops, layout)) {
    if (pass.high === null) {
      if (shouldStop?.()) throw new SimulationCancelledError();
      for (const op of pass.ops) applyUnitaryTo(re, im, 1 << n, op);
      continue;
    }
    const high = pass.high;
    const tiles: TileJob = {
      re,
      im,
      run,
      // Offsets of the tile's runs (every value of its high qubits), and of the tiles themselves
      // (every value of the other high qubits): tiles are disjoint, so they run in any order.
      runs: spread(high),
      bases: spread(highQubits(n, layout.lowBits).filter((q) => !high.includes(q))),
      ops: pass.ops,
    };
    if (helpers) runShared(tiles, scratch, shouldStop);
    else runTiles(tiles, 0, tiles.bases.length, scratch, shouldStop);
  }
}

function highQubits(n: number, lowBits: number): number[] {
  return Array.from({ length: n - lowBits }, (_, k) => lowBits + k);
}

/** Every index whose set bits are among `qubits`, in the order of counting over them. */
function spread(qubits: readonly number[]): Int32Array {
  const out = new Int32Array(1 << qubits.length);
  for (let v = 0; v < out.length; v++) {
    let idx = 0;
    qubits.forEach((q, k) => {
      if ((v >> k) & 1) idx |= 1 << q;
    });
    out[v] = idx;
  }
  return out;
}
