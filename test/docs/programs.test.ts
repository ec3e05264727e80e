/**
 * docs/programs.md runs as written: its sh blocks, in order, against a real server with the
 * built-in backends (berth_manila is calibrated).
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

const DOC = 'docs/programs.md';
const ADMIN_KEY = 'programs-doc-admin-key-0001';

describe('docs/programs.md', () => {
  const markdown = readFileSync(DOC, 'utf8');

  it('runs every sh block against a real server, in order', { timeout: 60_000 }, async () => {
    expectOnlyShFences(markdown, DOC);
    expect(shellBlocks(markdown).filter((b) => b.skip !== null)).toEqual([]);
    for (const tool of ['curl', 'jq', 'python3'])
      expect(spawnSync('bash', ['-c', `command -v ${tool}`]).status, tool).toBe(0);
    const server = await startServer({ BERTH_DB: ':memory:', BERTH_API_KEY: ADMIN_KEY });
    const { runs } = await runShellBlocks(DOC, markdown, {
      env: { BERTH_URL: server.url, BERTH_TOKEN: ADMIN_KEY },
      stateDir: tempDir(),
      timeoutMs: 30_000,
    });
    // The executor's Bell pair: only 00 and 11, 100 shots.
    const exec = outputOf(runs, /program_id: "executor"/)
      .trim()
      .split('\n');
    expect(exec[0]).toBe('Completed');
    const [shape, counts] = (exec[1] ?? '').split('] ');
    expect(shape).toBe('[100, 2');
    const parsed = JSON.parse((counts ?? '').replace(/'/g, '"')) as Record<string, number>;
    expect(Object.keys(parsed).sort()).toEqual(['00', '11']);
    expect(Object.values(parsed).reduce((a, b) => a + b, 0)).toBe(100);
    // The noise learner: two distinct layers of IBM's fixture, rates of a few thousandths.
    const nl = outputOf(runs, /program_id: "noise-learner"/)
      .trim()
      .split('\n');
    expect(nl[0]).toBe('Completed');
    expect(nl.slice(1, 3).map((l) => l.split(' generators')[0])).toEqual([
      '[0, 1] 15',
      '[0, 1, 2] 27',
    ]);
    for (const line of nl.slice(1, 3)) {
      const rate = Number(line.split('largest rate ')[1]);
      expect(rate).toBeGreaterThan(0.0005);
      expect(rate).toBeLessThan(0.02);
    }
    expect(nl[3]).toBe('active-accum');
  });
});
