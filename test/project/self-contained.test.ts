/**
 * The repository on its own: `npm test` in a fresh clone with nothing beside it. No code or test
 * names a path outside the repository (such as the ../shared folder its fixtures were copied
 * from: they live in test/fixtures, with their attribution).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CODE = /\.(ts|tsx|mjs|js|cjs)$/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : files(path);
    return CODE.test(name) ? [path] : [];
  });
}

/** String literals that climb out of the repository to a sibling folder. */
const OUTSIDE = /(['"`])(?:\.\.\/)+(?:\.\.\/)*shared\b[^'"`]*\1/;
const climbs = (file: string, depth: number): RegExp =>
  // From a file `depth` folders deep, `depth + 1` times `../` leaves the repository.
  new RegExp(`(['"\`])(?:\\.\\./){${depth + 1},}[^'"\`]*\\1`);

describe('the repository on its own', () => {
  it('reads nothing outside itself: no path in code or tests leaves the clone', () => {
    const found: string[] = [];
    for (const root of ['src', 'test', 'bench', 'scripts', 'dashboard', 'examples'])
      for (const file of files(root)) {
        const depth = file.split('/').length - 1;
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            const code = line.trim();
            if (code.startsWith('*') || code.startsWith('//') || code.startsWith('/*')) return;
            if (OUTSIDE.test(line) || climbs(file, depth).test(line))
              found.push(`${file}:${i + 1}: ${code}`);
          });
      }
    expect(found).toEqual([]);
  });
});
