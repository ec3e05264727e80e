/**
 * docs/qiskit.md runs as written: every ```sh block of the guide is run, in order, with bash
 * against a real server (`berth serve` in a child process), as a reader would paste them into one
 * terminal (test/helpers/doc-blocks.ts). A block that exits non-zero fails the test with its
 * source and output. The server has BERTH_PUBLIC_URL=https://lab.example, behind an HTTPS proxy
 * with the lab's certificate (test/helpers/tls-proxy.ts); the lab's check reaches it through
 * BERTH_CHECK_CONNECT_TO, as the page says to check a proxy before DNS has its names.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  expectOnlyShFences,
  fencedBlocks,
  outputOf,
  runShellBlocks,
  shellBlocks,
} from '../helpers/doc-blocks.js';
import { startServer, tempDir } from '../helpers/spawn-server.js';
import { startTlsProxy } from '../helpers/tls-proxy.js';

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

  it('runs every sh block against a real server, in order', { timeout: 60_000 }, async () => {
    for (const tool of ['curl', 'jq', 'python3']) {
      const found = spawnSync('bash', ['-c', `command -v ${tool}`]);
      expect(found.status, `${tool} is needed to run ${GUIDE}'s commands`).toBe(0);
    }
    const server = await startServer({
      BERTH_DB: ':memory:',
      BERTH_API_KEY: ADMIN_KEY,
      BERTH_PUBLIC_URL: 'https://lab.example',
    });
    const dir = tempDir();
    const proxy = await startTlsProxy('lab.example', server.url, dir);
    const { runs } = await runShellBlocks(GUIDE, markdown, {
      env: {
        BERTH_URL: server.url,
        BERTH_TOKEN: ADMIN_KEY,
        BERTH_PUBLIC_URL: 'https://lab.example',
        BERTH_CHECK_CONNECT_TO: `lab.example:443:127.0.0.1:${proxy.port}`,
        SSL_CERT_FILE: proxy.certFile,
      },
      stateDir: dir,
      timeoutMs: 15_000,
    }).finally(() => proxy.close());
    const out = (pattern: RegExp): string => outputOf(runs, pattern);

    // The lab: every name through the HTTPS proxy, by Host; IAM_URL keeps the key in the lab.
    const lab = out(/check_qiskit_setup\.py "\$BERTH_PUBLIC_URL"/);
    expect(lab).toContain('token from https://iam.lab.example/identity/token, valid 3600 s');
    expect(lab).toContain(
      'instance default: crn:v1:bluemix:public:quantum-computing:us-east:a/berth:default::',
    );
    expect(lab).toContain(
      'runtime calls go to https://quantum.lab.example/api/v1; backends: berth_manila',
    );
    expect(lab.trim().endsWith('ok')).toBe(true);
    // The laptop: the plain address, with the three variables and a resolver.
    const laptop = out(/BERTH_RUNTIME_URL=/);
    expect(laptop).toContain(`runtime calls go to ${server.url}/api/v1`);
    expect(laptop.trim().endsWith('ok')).toBe(true);

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

  it("keeps the proxies' directives that the lab's names depend on", () => {
    const [nginx] = fencedBlocks(markdown, 'nginx');
    const [caddy] = fencedBlocks(markdown, 'caddy');
    // Every name under the lab's, the Host passed on, streams unbuffered, port 443.
    expect(nginx?.source).toMatch(/server_name \.lab\.example;/);
    expect(nginx?.source).toMatch(/proxy_set_header Host \$host;/);
    expect(nginx?.source).toMatch(/proxy_buffering off;/);
    expect(nginx?.source).toMatch(/listen 443 ssl/);
    // Caddy: the four certificate names a one-label wildcard leaves out otherwise.
    expect(caddy?.source).toMatch(
      /^lab\.example, \*\.lab\.example, api\.global-search-tagging\.lab\.example, \*\.quantum\.lab\.example \{/m,
    );
    expect(caddy?.source).toMatch(/flush_interval -1/);
  });
});
