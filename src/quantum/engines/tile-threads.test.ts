/**
 * Tiles shared between threads (tile-threads.ts) give the very same amplitudes as one thread:
 * each amplitude sees the same operations in the same order, whichever thread runs its tile.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { statevector } from './exact.js';
import { helperThreads, setSimulationThreads } from './tile-threads.js';
import { TILE_MIN_QUBITS } from './tiles.js';

/** A seeded random circuit: rotations on every qubit, then CX on random pairs, per layer. */
function randomCircuit(n: number, depth: number, seed: number): string {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const lines = [`OPENQASM 3.0; include "stdgates.inc"; qubit[${n}] q;`];
  for (let d = 0; d < depth; d++) {
    for (let q = 0; q < n; q++)
      lines.push(
        `${['rx', 'ry', 'rz'][Math.floor(rand() * 3)]}(${(rand() * 6.28).toFixed(6)}) q[${q}];`,
      );
    for (let k = 0; k < n / 2; k++) {
      const a = Math.floor(rand() * n);
      const b = (a + 1 + Math.floor(rand() * (n - 1))) % n;
      lines.push(`cx q[${a}], q[${b}];`);
    }
  }
  return lines.join('\n');
}

describe('tiles on several threads', () => {
  afterAll(() => setSimulationThreads(1));

  it('evolve a tiled state to the same amplitudes on 1, 2 and 3 threads', () => {
    const source = randomCircuit(TILE_MIN_QUBITS + 1, 6, 7);
    setSimulationThreads(1);
    const one = statevector(source);
    expect(one.re.buffer instanceof SharedArrayBuffer).toBe(false);
    for (const threads of [2, 3]) {
      setSimulationThreads(threads);
      const many = statevector(source);
      expect(many.re.buffer instanceof SharedArrayBuffer).toBe(true);
      expect(helperThreads()).toBe(threads - 1);
      expect(Buffer.compare(bytes(many.re), bytes(one.re))).toBe(0);
      expect(Buffer.compare(bytes(many.im), bytes(one.im))).toBe(0);
    }
    expect(one.norm()).toBeCloseTo(1, 12);
  }, 120_000);

  it('keeps small states on this thread, in plain memory', () => {
    setSimulationThreads(2);
    const small = statevector(randomCircuit(8, 4, 1));
    expect(small.re.buffer instanceof SharedArrayBuffer).toBe(false);
  });
});

const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
