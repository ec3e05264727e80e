/**
 * `noise: "readout"` on a reference backend: over HTTP, counts on ibm_brisbane's snapshot show
 * each physical qubit's own assignment error from its calibration (qubit 95 reads |1⟩ as 0
 * almost half the time; qubit 5 reads |0⟩ as 1 more than a third of the time), and the same
 * device without noise reads exactly. Bounds are five binomial standard deviations.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CRN, testRuntime } from '../helpers/test-runtime.js';

const SHOTS = 20_000;
const props = JSON.parse(
  readFileSync(
    new URL('../../reference/ibm-backends/props_brisbane.json', import.meta.url),
    'utf8',
  ),
) as { qubits: { name: string; value: number }[][] };
const calibration = (q: number, name: string): number =>
  props.qubits[q]?.find((x) => x.name === name)?.value as number;

// Physical qubits, the state each is prepared in; qubit k is read into c[k].
const PLAN = [
  { qubit: 95, one: true },
  { qubit: 5, one: false },
  { qubit: 11, one: true },
  { qubit: 12, one: false },
  { qubit: 68, one: true },
] as const;
const QASM = `OPENQASM 3.0; include "stdgates.inc"; bit[${PLAN.length}] c;
  ${PLAN.filter((p) => p.one)
    .map((p) => `x $${p.qubit};`)
    .join(' ')}
  ${PLAN.map((p, k) => `c[${k}] = measure $${p.qubit};`).join(' ')}`;

async function shareOfOnes(noise: 'readout' | 'none'): Promise<number[]> {
  const t = await testRuntime({
    file: {
      instances: [{ id: DEFAULT_CRN, name: 'default' }],
      backends: [{ name: 'eagle', reference: 'brisbane', noise }],
    },
    executor: 'simulator',
  });
  const { submitted, result } = await t.runJob({
    program_id: 'sampler',
    backend: 'eagle',
    params: { version: 2, pubs: [[QASM, null, SHOTS]], options: { seed: 5 } },
  });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
  const counts = result.__value__.pub_results[0].__value__.metadata.counts.c as Record<
    string,
    number
  >;
  return PLAN.map((_, k) => {
    let ones = 0;
    for (const [bits, n] of Object.entries(counts))
      if (bits[bits.length - 1 - k] === '1') ones += n;
    return ones / SHOTS;
  });
}

describe('readout noise from a calibration', () => {
  it("misreads each of ibm_brisbane's qubits as its calibration says, |0⟩ and |1⟩ apart", async () => {
    const got = await shareOfOnes('readout');
    PLAN.forEach(({ qubit, one }, k) => {
      const p = one
        ? 1 - calibration(qubit, 'prob_meas0_prep1')
        : calibration(qubit, 'prob_meas1_prep0');
      const bound = 5 * Math.sqrt((p * (1 - p)) / SHOTS);
      expect(Math.abs((got[k] as number) - p), `qubit ${qubit}: ${got[k]} vs ${p}`).toBeLessThan(
        bound,
      );
    });
    // The two worst readouts are far from ideal: the test would notice readout being ignored.
    expect(got[0]).toBeLessThan(0.6);
    expect(got[1]).toBeGreaterThan(0.3);
  });

  it('reads exactly on the same device without noise', async () => {
    expect(await shareOfOnes('none')).toEqual(PLAN.map((p) => (p.one ? 1 : 0)));
  });
});
