/**
 * The result encoding pinned by golden files (test/golden/quantum/*.json), produced with fixed
 * seeds. ndarrays are compared after decoding, so that a different zlib build cannot fail the
 * test while a different array can. Regenerate with UPDATE_GOLDEN=1 after a deliberate change.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../index.js';
import { readNpy } from './npy.js';

const DIR = new URL('../../../test/golden/quantum/', import.meta.url);
const LIMITS = { maxQubits: 12, maxShots: 100_000, maxExperiments: 10 };

/** Replace every encoded ndarray by its decoded shape and values. */
function decoded(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decoded);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (o.__type__ === 'ndarray' && typeof o.__value__ === 'string') {
      return { ndarray: readNpy(inflateSync(Buffer.from(o.__value__, 'base64'))) };
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decoded(x)]));
  }
  return v;
}

const CASES: Record<string, () => unknown> = {
  'sampler-two-registers-broadcast': () =>
    runProgram(
      'sampler',
      {
        pubs: [
          [
            'OPENQASM 3.0; include "stdgates.inc"; input float[64] t; qubit[10] q; bit[10] c; bit[2] d; rx(t) q[0]; h q[5]; x q[9]; cx q[0], q[3]; c = measure q; d[1] = measure q[9];',
            [[0], [Math.PI]],
            8,
          ],
        ],
        options: { simulator: { seed_simulator: 1234 } },
      },
      LIMITS,
    ).result,
  'sampler-bell-qasm2': () =>
    runProgram(
      'sampler',
      {
        pubs: [
          [
            'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg meas[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> meas;\n',
            null,
            16,
          ],
        ],
        options: { seed: 7 },
      },
      LIMITS,
    ).result,
  'estimator-bell-observables': () =>
    runProgram(
      'estimator',
      {
        pubs: [
          [
            'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; h q[0]; cx q[0], q[1];',
            [
              ['ZZ', 'XX'],
              [{ ZI: 0.5, IZ: 0.5 }, 'YY'],
            ],
          ],
        ],
      },
      LIMITS,
    ).result,
};

describe('result encoding (golden files)', () => {
  for (const [name, make] of Object.entries(CASES)) {
    it(`matches ${name}.json`, () => {
      const file = new URL(`${name}.json`, DIR);
      const actual = make();
      if (process.env.UPDATE_GOLDEN) {
        writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      }
      const golden = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      expect(decoded(actual)).toEqual(decoded(golden));
    });
  }
});
