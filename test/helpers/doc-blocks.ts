/**
 * Running a document's shell blocks as a reader would paste them into one terminal: every
 * ```sh block in order, each in its own `bash -c` with `set -euo pipefail`, the variables and
 * functions a block defines carried to the next through a state file (so a later block sees
 * SESSION, JOB1, `api`, … exactly as in one shell).
 *
 * A block the tests cannot run as written (it installs, starts the server in the foreground, or
 * publishes) is preceded by a line `<!-- docs-test: skip: REASON -->` (blank lines may follow
 * it): it is reported with its reason, never silently dropped.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { repositoryCopy } from './workspace.js';

export interface DocBlock {
  readonly source: string;
  /** Why the tests do not run it, or null: it runs. */
  readonly skip: string | null;
}

/** The bodies of the document's fences of `lang` (sh, ts, js…), in order. */
export function fencedBlocks(markdown: string, lang: string): DocBlock[] {
  const blocks: DocBlock[] = [];
  const fence = new RegExp(
    `(?:^<!-- docs-test: skip: (.+?) -->\\n(?:[ \\t]*\\n)*)?^\`\`\`${lang}[ \\t]*\\n([\\s\\S]*?)^\`\`\`[ \\t]*$`,
    'gm',
  );
  for (const m of markdown.matchAll(fence)) blocks.push({ source: m[2] ?? '', skip: m[1] ?? null });
  return blocks;
}

/** The ```sh blocks (the only shell fences a tested document may use). */
export const shellBlocks = (markdown: string): DocBlock[] => fencedBlocks(markdown, 'sh');

/** A document has its shell commands in ```sh fences only, so the harness sees all of them. */
export function expectOnlyShFences(markdown: string, name: string): void {
  expect(markdown, `${name}: use \`\`\`sh for shell`).not.toMatch(
    /```(bash|shell|console|zsh|shell-session)\b/,
  );
  // An indented fence (inside a list) would not be picked up.
  expect(markdown.match(/```sh\b/g)?.length ?? 0, `${name}: an indented sh fence`).toBe(
    shellBlocks(markdown).length,
  );
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

export interface BlockRun {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** bash -c, asynchronously (a server's output pipe must keep draining meanwhile). */
export function runBash(
  script: string,
  options: { env: Record<string, string>; cwd?: string; timeoutMs: number },
): Promise<BlockRun> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', script], {
      env: { ...process.env, ...options.env },
      cwd: options.cwd ?? process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? signal ?? -1, stdout, stderr });
    });
  });
}

function report(doc: string, index: number, block: string, run: BlockRun): string {
  return [
    `${doc}, sh block ${index + 1} exited with ${run.code}:`,
    block,
    '--- stdout ---',
    run.stdout,
    '--- stderr ---',
    run.stderr,
  ].join('\n');
}

/**
 * Run a document's ```sh blocks in order (the skipped ones are returned, not run); every block
 * must exit 0. They run in `cwd`, by default a copy of the repository in `stateDir`
 * (helpers/workspace.ts). Returns what each block printed.
 */
export async function runShellBlocks(
  doc: string,
  markdown: string,
  options: { env: Record<string, string>; stateDir: string; cwd?: string; timeoutMs?: number },
): Promise<{ runs: { block: string; run: BlockRun }[]; skipped: DocBlock[] }> {
  const state = join(options.stateDir, 'doc-state.sh');
  writeFileSync(state, '');
  const env = { ...options.env, BERTH_DOC_STATE: state };
  const runs: { block: string; run: BlockRun }[] = [];
  const skipped: DocBlock[] = [];
  // In a copy of the repository unless told otherwise: what the blocks write stays there.
  const cwd = options.cwd ?? repositoryCopy(options.stateDir);
  for (const [i, block] of shellBlocks(markdown).entries()) {
    if (block.skip !== null) {
      skipped.push(block);
      continue;
    }
    const run = await runBash(wrap(block.source), {
      env,
      cwd,
      timeoutMs: options.timeoutMs ?? 20_000,
    });
    expect(run.code, report(doc, i, block.source, run)).toBe(0);
    runs.push({ block: block.source, run });
  }
  return { runs, skipped };
}

/** What the blocks matching `pattern` printed (at least one must match). */
export function outputOf(runs: { block: string; run: BlockRun }[], pattern: RegExp): string {
  const found = runs.filter((r) => pattern.test(r.block));
  expect(found.length, `a block matching ${pattern}`).toBeGreaterThan(0);
  return found.map((r) => r.run.stdout).join('\n');
}

/**
 * A directory with a `berth` command, for documents that assume `npm link` was run: the same
 * bin, run from the sources. Put it first on PATH.
 */
export function berthOnPath(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const root = resolve(import.meta.dirname, '../..');
  // By URL: the shim may run in any directory, where a bare `tsx` would not resolve.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const shim = join(bin, 'berth');
  writeFileSync(
    shim,
    `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${join(root, 'src/cli/main.ts')}" "$@"\n`,
  );
  chmodSync(shim, 0o755);
  return bin;
}
