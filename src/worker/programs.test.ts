import { describe, expect, it } from 'vitest';
import type { BackendCatalog } from '../app/backends.js';
import { createProgramRegistry } from './programs.js';

describe('ProgramRegistry.diagrams', () => {
  // Diagrams read only the job's params; no backend is looked up.
  const registry = createProgramRegistry({} as BackendCatalog);

  it('draws a job’s circuits, and refuses past 1,000,000 characters with the sizes', async () => {
    const bell = 'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; h q[0]; cx q[0], q[1];';
    expect(registry.diagrams('sampler', { pubs: [[bell]] })).toMatchObject([
      { index: 0, diagram: { totalOperations: 2 } },
    ]);
    const big = `OPENQASM 3.0; include "stdgates.inc"; qubit[1] q; ${'h q[0]; '.repeat(125_000)}`;
    expect(registry.diagrams('sampler', { pubs: [[big]] })).toEqual([
      {
        index: 0,
        error: `the job's circuits are ${big.length.toLocaleString('en')} characters; diagrams are drawn for up to 1,000,000`,
      },
    ]);
    // The noise learner's other name (QRMI's) reads its circuits too.
    expect(registry.diagrams('noiselearner', { circuits: [bell] })).toHaveLength(1);
    await registry.close();
  });
});
