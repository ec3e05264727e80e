/**
 * docs/workers.md runs as written: a server with an external backend, a worker key, the Python
 * worker from examples/, a job submitted with curl and settled by the worker.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import {
  expectOnlyShFences,
  outputOf,
  runShellBlocks,
  shellBlocks,
} from '../helpers/doc-blocks.js';
import { freePort } from '../helpers/embedded-postgres.js';
import { tempDir } from '../helpers/spawn-server.js';

const DOC = readFileSync('docs/workers.md', 'utf8');

it('runs the remote-worker walk-through', { timeout: 90_000 }, async () => {
  expectOnlyShFences(DOC, 'docs/workers.md');
  expect(shellBlocks(DOC).filter((b) => b.skip !== null)).toEqual([]);
  const dir = tempDir();
  const { runs } = await runShellBlocks('docs/workers.md', DOC, {
    env: { LAB_PORT: String(await freePort()) },
    stateDir: dir,
    timeoutMs: 30_000,
  });
  expect(outputOf(runs, /JOB=/)).toBe('{"device":"demo","counts":{"c":{"00":64}}}\n');
  expect(outputOf(runs, /published calibration/)).toBe('{"name":"T1","value":100,"unit":"us"}\n');
  expect(DOC).toContain('It prints `{"name":"T1","value":100,"unit":"us"}`');
  expect(DOC).toContain('It prints `{"device":"demo","counts":{"c":{"00":64}}}`');
});
