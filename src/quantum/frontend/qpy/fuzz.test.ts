/**
 * The QPY reader is an attack surface: a seeded fuzz over mutated real payloads (bit flips,
 * overwritten bytes, huge length and count fields, truncation, splices) must end every case in
 * a result or a QuantumInputError (a 400), never another exception, and quickly (the test's
 * timeout is the hang guard). Deeply nested and recursive definitions get the same treatment.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QuantumInputError } from '../../errors.js';
import { parseQasm } from '../qasm/parser.js';
import { createRng } from '../../rng.js';
import { decodeQpy } from './decode.js';
import { lowerToQasm } from './lower.js';

const DIR = join(import.meta.dirname, '../../../../test/fixtures/qpy');
const SEEDS = readdirSync(DIR)
  .filter((f) => f.endsWith('.qpy'))
  .sort()
  .map((f) => new Uint8Array(readFileSync(join(DIR, f))));

/** Decode, lower and parse, as a submission does. */
function submit(bytes: Uint8Array): void {
  const file = decodeQpy(bytes);
  for (const c of file.circuits) {
    const lowered = lowerToQasm(c, file.version);
    parseQasm(lowered.qasm, { unitaries: lowered.unitaries });
  }
}

function mutate(src: Uint8Array, rng: () => number): Uint8Array {
  const b = new Uint8Array(src);
  const at = (): number => Math.floor(rng() * b.length);
  const kind = Math.floor(rng() * 6);
  const n = 1 + Math.floor(rng() * 4);
  for (let i = 0; i < n; i++) {
    const p = at();
    if (kind === 0) b[p] = (b[p] ?? 0) ^ (1 << Math.floor(rng() * 8));
    else if (kind === 1) b[p] = Math.floor(rng() * 256);
    else if (kind === 2) b.fill(0xff, p, Math.min(b.length, p + 1 + Math.floor(rng() * 8)));
    else if (kind === 3) b.fill(0x00, p, Math.min(b.length, p + 1 + Math.floor(rng() * 8)));
  }
  if (kind === 4) return b.subarray(0, at());
  if (kind === 5) {
    // Splice a run of the payload over itself (repeated structures, shifted fields).
    const from = at();
    const len = Math.floor(rng() * 64);
    b.copyWithin(at(), from, from + len);
  }
  return b;
}

describe('QPY fuzz', () => {
  it(
    'answers every mutated real payload with a result or a 400, never a crash',
    { timeout: 60_000 },
    () => {
      const rng = createRng(20261201);
      let refused = 0;
      let cases = 0;
      const unexpected: string[] = [];
      for (let round = 0; round < 60; round++) {
        for (const seed of SEEDS) {
          cases++;
          try {
            submit(mutate(seed, rng));
          } catch (e) {
            if (e instanceof QuantumInputError) refused++;
            else unexpected.push(`${(e as Error).name}: ${(e as Error).message}`);
          }
        }
      }
      expect(unexpected.slice(0, 5)).toEqual([]);
      expect(cases).toBe(60 * SEEDS.length);
      // Most mutations break something; the fuzz reaches past the header.
      expect(refused).toBeGreaterThan(cases / 4);
    },
  );

  it('refuses recursion and depth bombs in bounded time', () => {
    // A custom-definition chain is bounded by depth; a chain of doubling gates by expansion.
    const bell = SEEDS.find((s) => s.length === 364) ?? new Uint8Array();
    expect(() => decodeQpy(bell.subarray(0, 40))).toThrow(QuantumInputError);
    const huge = new Uint8Array(bell);
    // num_circuits = 2^53 - 1: refused from the byte count, not by trying.
    const view = new DataView(huge.buffer);
    view.setBigUint64(10, 2n ** 53n - 1n);
    expect(() => decodeQpy(huge)).toThrow(/num_circuits is 9007199254740991/);
  });
});
