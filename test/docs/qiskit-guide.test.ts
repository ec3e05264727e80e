/**
 * docs/qiskit.md runs as written: every ```sh block of the guide is run, in order, with bash
 * against a real server (`berth serve` in a child process), as a reader would paste them into one
 * terminal. Each block runs in its own `bash -c` with `set -euo pipefail`; the variables and
 * functions it defines are carried to the next block through a state file, so a later block sees
 * SESSION, JOB1, `api`, … exactly as in one shell. A block that exits non-zero fails the test
 * with its source and output.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer, tempDir } from '../helpers/spawn-server.js';

const GUIDE = 'docs/qiskit.md';
const ADMIN_KEY = 'qiskit-guide-admin-key-0001';
const BLOCK_TIMEOUT_MS = 15_000;

/** The bodies of the ```sh fences, in document order. */
export function shellBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const fence = /^```sh[ \t]*\n([\s\S]*?)^```[ \t]*$/gm;
  for (const m of markdown.matchAll(fence)) blocks.push(m[1] ?? '');
  return blocks;
}

/**
 * Wraps a block: load the state left by the previous blocks, run the block, then save every
 * variable and function that a fresh bash does not have. `__berth_*` names are the wrapper's own.
 */
function wrap(block: string): string {
  return [
    'set -euo pipefail',
    '__berth_base=$(compgen -v | sort)',
    'source "$BERTH_DOC_STATE"',
    block,
    '{',
    '  for __berth_v in $(comm -13 <(printf "%s\\n" "$__berth_base") <(compgen -v | sort)); do',
    '    case $__berth_v in __berth_*|_|BASH_*|FUNCNAME|PIPESTATUS) continue ;; esac',
    '    declare -p "$__berth_v"',
    '  done',
    '  declare -f',
    '} > "$BERTH_DOC_STATE.next"',
    'mv "$BERTH_DOC_STATE.next" "$BERTH_DOC_STATE"',
    '',
  ].join('\n');
}

interface BlockRun {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** bash -c, asynchronously (the server's output pipe must keep draining meanwhile). */
function runBash(script: string, env: Record<string, string>): Promise<BlockRun> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), BLOCK_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal ?? -1, stdout, stderr });
    });
  });
}

function report(index: number, block: string, run: BlockRun): string {
  return [
    `${GUIDE}, sh block ${index + 1} exited with ${run.code}:`,
    block,
    '--- stdout ---',
    run.stdout,
    '--- stderr ---',
    run.stderr,
  ].join('\n');
}

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
    // An indented ```sh fence (inside a list) would not be picked up: there must be none.
    expect(markdown.match(/```sh\b/g)).toHaveLength(blocks.length);
    expect(markdown).not.toMatch(/```(bash|shell|console|zsh|shell-session)\b/);
  });

  it('runs every sh block against a real server, in order', { timeout: 40_000 }, async () => {
    for (const tool of ['curl', 'jq']) {
      const found = spawnSync('bash', ['-c', `command -v ${tool}`]);
      expect(found.status, `${tool} is needed to run ${GUIDE}'s commands`).toBe(0);
    }
    const dir = tempDir();
    const server = await startServer({ BERTH_DB: ':memory:', BERTH_API_KEY: ADMIN_KEY });
    const state = join(dir, 'state.sh');
    const env = { BERTH: server.url, TOKEN: ADMIN_KEY, BERTH_DOC_STATE: state };
    spawnSync('bash', ['-c', ': > "$BERTH_DOC_STATE"'], { env: { ...process.env, ...env } });

    const runs: { block: string; run: BlockRun }[] = [];
    for (const [i, block] of blocks.entries()) {
      const run = await runBash(wrap(block), env);
      expect(run.code, report(i, block, run)).toBe(0);
      runs.push({ block, run });
    }
    const out = (pattern: RegExp): string => {
      const found = runs.filter((r) => pattern.test(r.block));
      expect(found.length, `a block matching ${pattern}`).toBeGreaterThan(0);
      return found.map((r) => r.run.stdout).join('\n');
    };

    // The setup lists the backends; the key block creates a key; the IAM stand-in answers.
    expect(out(/\/api\/v1\/backends/)).toContain('berth_manila');
    expect(out(/\/admin\/keys/)).toMatch(/"key": "berth_/);
    expect(out(/\/identity\/token/)).toContain('"token_type": "Bearer"');

    // QPY is refused with the message the guide quotes.
    const qpy = out(/"__type__": "QuantumCircuit"/);
    expect(qpy).toContain('invalid_params');
    expect(qpy).toContain('QPY circuits are not supported');

    // Two Bell jobs, read from metadata.counts: only 00 and 11, all the shots.
    const counts = countLines(out(/\/results/));
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
