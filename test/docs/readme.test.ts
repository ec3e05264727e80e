/**
 * The README and examples/README.md run as written: their ```sh blocks, in order, against a real
 * server started as the quickstart starts it (its key, the default configuration), with the
 * `berth` bin on PATH as `npm link` would put it. The blocks the tests cannot run (install,
 * serve in the foreground, the test suite itself) say why, and only those are skipped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import {
  berthOnPath,
  expectOnlyShFences,
  fencedBlocks,
  outputOf,
  runShellBlocks,
  shellBlocks,
} from '../helpers/doc-blocks.js';
import { startServer, tempDir } from '../helpers/spawn-server.js';

const README = readFileSync('README.md', 'utf8');
const EXAMPLES = readFileSync('examples/README.md', 'utf8');

/** The key the quickstart starts the server with. */
function quickstartKey(): string {
  const m = /^BERTH_API_KEY=(\S+) npm start$/m.exec(README);
  expect(m, 'the quickstart starts the server with BERTH_API_KEY=… npm start').not.toBeNull();
  return m?.[1] ?? '';
}

async function environment() {
  const dir = tempDir();
  const key = quickstartKey();
  const server = await startServer({ BERTH_API_KEY: key, BERTH_DB: join(dir, 'berth.db') });
  return {
    dir,
    env: {
      BERTH_URL: server.url,
      BERTH_TOKEN: key,
      PATH: `${berthOnPath(dir)}:${process.env.PATH ?? ''}`,
      // `berth login` writes here, not into the user's ~/.config.
      BERTH_CONFIG_FILE: join(dir, 'cli-config.json'),
    },
  };
}

/** `{"c": {bitstring: count}}` lines, as `jq -c ….counts` prints them. */
const countLines = (stdout: string): Record<string, number>[] =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{"c"'))
    .map((l) => (JSON.parse(l) as { c: Record<string, number> }).c);

const total = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0);

describe('README.md', () => {
  it('keeps shell in ```sh blocks, and says why each block it does not run is skipped', () => {
    expectOnlyShFences(README, 'README.md');
    const skipped = shellBlocks(README).filter((b) => b.skip !== null);
    expect(skipped.map((b) => b.source.trim().split('\n')[0])).toEqual([
      'npm ci',
      'npm test',
      'npm link',
    ]);
    for (const b of skipped) expect(b.skip?.length).toBeGreaterThan(20);
  });

  it('has a configuration example the server accepts', () => {
    const [json] = fencedBlocks(README, 'json');
    expect(json).toBeDefined();
    const config = loadConfig({ env: {}, file: JSON.parse(json?.source ?? '') });
    expect(config.instances.map((i) => i.name)).toEqual(['default', 'class-101']);
    expect(config.backends.map((b) => [b.name, b.qubits, b.isa, b.noise])).toEqual([
      ['berth_manila', 5, false, ['readout', 'relaxation', 'gates']],
      ['berth_brisbane', 127, true, ['readout', 'relaxation', 'gates']],
      ['berth_sim', 20, false, []],
    ]);
    // Redefining the built-in berth_manila keeps what it is: as noisy as without a file.
    const builtIn = loadConfig({ env: {} }).backends.find((b) => b.name === 'berth_manila');
    expect(config.backends[0]?.noise).toEqual(builtIn?.noise);
  });

  it(
    'runs every other sh block against a server started as the quickstart says',
    { timeout: 90_000 },
    async () => {
      const { dir, env } = await environment();
      const { runs } = await runShellBlocks('README.md', README, {
        env,
        stateDir: dir,
        timeoutMs: 30_000,
      });

      // The curl session: both jobs final and Completed, Bell and GHZ counts over all shots.
      const session = outputOf(runs, /api\/v1\/sessions/);
      expect(session.match(/^job \S+: Completed$/gm)).toHaveLength(2);
      const [bell, ghz] = countLines(session);
      expect(Object.keys(bell ?? {}).sort()).toEqual(['00', '11']);
      expect(Object.keys(ghz ?? {}).sort()).toEqual(['000', '111']);
      expect([total(bell ?? {}), total(ghz ?? {})]).toEqual([1000, 1000]);
      expect(session).toContain('{"state":"closed","state_reason":"closed_by_user"');

      // Keys: alice in the default instance named by its short name; the admin acts everywhere.
      const keys = outputOf(runs, /admin\/keys/);
      expect(keys).toContain(
        '"instances":["crn:v1:bluemix:public:quantum-computing:us-east:a/berth:default::"]',
      );
      expect(keys).toMatch(/^admin {2}admin=true {2}crn:v1:/m);
      expect(keys).toContain(
        '{"instance_id":"crn:v1:bluemix:public:quantum-computing:us-east:a/berth:default::"',
      );

      // The CLI: a histogram of the Bell pair, then a GHZ run in a session.
      const cli = outputOf(runs, /berth run/);
      expect(cli).toMatch(/^c: 1000 shots, 2 outcomes$/m);
      // The GHZ run is on the noisy berth_manila: 000 and 111 lead, with a few other outcomes.
      const noisy = /^c: 500 shots, (\d+) outcomes\n {2}(000|111) .*\n {2}(000|111) /m.exec(cli);
      expect(noisy, cli).not.toBeNull();
      expect(Number(noisy?.[1])).toBeGreaterThan(2);
    },
  );
});

describe('examples/README.md', () => {
  it(
    'runs its sh blocks: the circuits and the estimator example give their closed forms',
    { timeout: 60_000 },
    async () => {
      expectOnlyShFences(EXAMPLES, 'examples/README.md');
      expect(shellBlocks(EXAMPLES).filter((b) => b.skip !== null)).toEqual([]);
      const { dir, env } = await environment();
      const { runs } = await runShellBlocks('examples/README.md', EXAMPLES, {
        env,
        stateDir: dir,
        timeoutMs: 30_000,
      });
      const circuits = outputOf(runs, /berth run/);
      expect(circuits).toMatch(/^c: 1000 shots, 2 outcomes\n {2}00 .*\n {2}11 /m);
      // The noisy berth_manila: 000 and 111 lead (sorted by count), and noise adds a few others.
      const ghz = /^c: 1000 shots, (\d+) outcomes\n {2}(000|111) .*\n {2}(000|111) /m.exec(
        circuits,
      );
      expect(ghz, circuits).not.toBeNull();
      expect(Number(ghz?.[1])).toBeGreaterThan(2);
      // examples/README.md: about 16% of the shots land outside 000 and 111 (15.7% over 100,000
      // shots; 1,000 shots fall within ±5 standard deviations of it, 10% to 22%).
      const ghzBlock = circuits.slice(circuits.indexOf(ghz?.[0] ?? ''));
      const rows = [...ghzBlock.matchAll(/^ {2}([01]{3}) .*?(\d+)\s+[\d.]+%$/gm)].map((m) => ({
        outcome: m[1],
        count: Number(m[2]),
      }));
      const elsewhere = rows
        .filter((r) => r.outcome !== '000' && r.outcome !== '111')
        .reduce((n, r) => n + r.count, 0);
      expect(rows.reduce((n, r) => n + r.count, 0)).toBe(1000);
      expect(elsewhere / 1000).toBeGreaterThan(0.1);
      expect(elsewhere / 1000).toBeLessThan(0.22);
      const estimator = outputOf(runs, /estimator/);
      const evs = /^expectation values: (\[.*\])$/m.exec(estimator)?.[1];
      const values = JSON.parse(evs ?? '[]') as number[];
      expect(values).toHaveLength(4);
      [1, 1, -1, 0].forEach((v, i) => expect(values[i]).toBeCloseTo(v, 10));
      expect(outputOf(runs, /curl/).trim()).toMatch(/^[0-9a-f-]{36}$/);
    },
  );
});
