/**
 * A copy of the repository for a walkthrough to run in: a document's blocks write where a
 * reader's would (pg.log, lab.json, a packed tarball, data/), and a test must never write into
 * the clone it runs from, where those may be the developer's own files. The sources are copied
 * (git's tracked and unignored files, a few MB); node_modules is linked, as it is only read.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
/** Never copied: installed, built or written by running the project. */
const GENERATED = new Set(['node_modules', '.git', 'dist', 'data', 'coverage', '.tmp']);

function sourceFiles(): string[] | null {
  const git = spawnSync('git', ['ls-files', '-z', '-c', '-o', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (git.status !== 0) return null; // not a git checkout: copy by the list above
  return git.stdout.split('\0').filter((f) => f && existsSync(join(ROOT, f)));
}

/** Copy the repository into `dir/berth` and return that path. */
export function repositoryCopy(dir: string): string {
  const copy = join(dir, 'berth');
  const files = sourceFiles();
  if (files) {
    for (const f of files) {
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      cpSync(join(ROOT, f), join(copy, f));
    }
  } else {
    cpSync(ROOT, copy, {
      recursive: true,
      filter: (src) => !GENERATED.has(src.slice(ROOT.length + 1).split('/')[0] ?? ''),
    });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}
