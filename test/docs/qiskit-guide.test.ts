/**
 * docs/qiskit.md runs as written: every ```sh block of the guide is run, in order, with bash
 * against a real server (`berth serve` in a child process), as a reader would paste them into one
 * terminal (test/helpers/doc-blocks.ts). A block that exits non-zero fails the test with its
 * source and output.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  expectOnlyShFences,
  outputOf,
  runShellBlocks,
  shellBlocks,
} from '../helpers/doc-blocks.js';
import { startServer, tempDir } from '../helpers/spawn-server.js';

const GUIDE = 'docs/qiskit.md';
const ADMIN_KEY = 'qiskit-guide-admin-key-0001';

/** Every `{"c": {bitstring: count}}` line a block printed. */
function countLines(stdout: string): Record<string, number>[] {
  const counts: Record<string, number>[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as { c?: Record<string, number> };
    if (parsed.c) counts.push(parsed.c);
  }
  return counts;
}

describe('docs/qiskit.md', () => {
  const markdown = readFileSync(GUIDE, 'utf8');
  const blocks = shellBlocks(markdown);

  it('has its shell commands in ```sh blocks only, so that this test runs all of them', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    expectOnlyShFences(markdown, GUIDE);
    expect(blocks.filter((b) => b.skip !== null)).toEqual([]);
  });

  it('runs every sh block against a real server, in order', { timeout: 40_000 }, async () => {
    for (const tool of ['curl', 'jq']) {
      const found = spawnSync('bash', ['-c', `command -v ${tool}`]);
      expect(found.status, `${tool} is needed to run ${GUIDE}'s commands`).toBe(0);
    }
    const server = await startServer({ BERTH_DB: ':memory:', BERTH_API_KEY: ADMIN_KEY });
    const { runs } = await runShellBlocks(GUIDE, markdown, {
      env: { BERTH: server.url, TOKEN: ADMIN_KEY },
      stateDir: tempDir(),
      timeoutMs: 15_000,
    });
    const out = (pattern: RegExp): string => outputOf(runs, pattern);

    // The setup lists the backends; the key block creates a key; the IAM stand-in answers.
    expect(out(/\/api\/v1\/backends/)).toContain('berth_manila');
    expect(out(/\/admin\/keys/)).toMatch(/"key": "berth_/);
    expect(out(/\/identity\/token/)).toContain('"token_type": "Bearer"');

    // A QPY circuit (examples/bell.qpy, written by Qiskit) runs: only 00 and 11.
    const [qpy] = countLines(out(/QuantumCircuit/));
    expect(Object.keys(qpy ?? {}).sort()).toEqual(['00', '11']);
    expect(Object.values(qpy ?? {}).reduce((a, b) => a + b, 0)).toBe(100);

    // Two Bell jobs, read from metadata.counts: only 00 and 11, all the shots.
    const counts = countLines(out(/\/results/)).slice(1);
    expect(counts).toHaveLength(2);
    const shots = counts.map((c) => Object.values(c).reduce((a, b) => a + b, 0));
    expect(shots).toEqual([1000, 2000]);
    for (const c of counts) {
      expect(Object.keys(c).sort()).toEqual(['00', '11']);
    }

    // The session ends closed by its owner.
    expect(out(/accepting_jobs/)).toMatch(/"state":"closed","state_reason":"closed_by_user"/);
  });
});
