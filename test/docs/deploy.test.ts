/**
 * docs/deploy.md runs as written: its ```sh blocks, in order, in one shell: a PostgreSQL from
 * scripts/dev-postgres.ts (in a temporary folder, on a free port), two nodes on it, a job
 * submitted to one and scheduled by the other, and the hand-over when the first stops.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import {
  expectOnlyShFences,
  outputOf,
  runShellBlocks,
  shellBlocks,
} from '../helpers/doc-blocks.js';
import { tempDir } from '../helpers/spawn-server.js';
import { freePort } from '../helpers/embedded-postgres.js';

const DOC = readFileSync('docs/deploy.md', 'utf8');
it(
  'runs the deployment walk-through: two nodes on one PostgreSQL',
  { timeout: 120_000 },
  async () => {
    expectOnlyShFences(DOC, 'docs/deploy.md');
    expect(shellBlocks(DOC).filter((b) => b.skip !== null)).toEqual([]);
    const dir = tempDir();
    const { runs } = await runShellBlocks('docs/deploy.md', DOC, {
      // Ports as the document takes them, from variables: free ones, beside anything running.
      env: {
        BERTH_DEV_PG_DIR: dir,
        BERTH_DEV_PG_PORT: String(await freePort()),
        NODE1_PORT: String(await freePort()),
        NODE2_PORT: String(await freePort()),
      },
      stateDir: dir,
      timeoutMs: 40_000,
    });
    const backends = '["berth_manila","berth_manila_ideal","berth_sim"]';
    expect(outputOf(runs, /dev-postgres/)).toMatch(
      /^postgres:\/\/berth:berth@127\.0\.0\.1:\d+\/berth$/m,
    );
    expect(outputOf(runs, /NODE1=/)).toBe(
      '{"id":"node-1","alive":true,"backends":["berth_manila","berth_manila_ideal"]}\n' +
        '{"id":"node-2","alive":true,"backends":["berth_sim"]}\n',
    );
    expect(outputOf(runs, /JOB=/)).toBe('["00","11"]\n');
    expect(outputOf(runs, /kill \$NODE1/)).toBe(`{"id":"node-2","backends":${backends}}\n`);
    expect(outputOf(runs, /kill \$NODE2/)).toBe('stopped\n');
  },
);
