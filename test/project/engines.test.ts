/**
 * `npm ci` prints no EBADENGINE warning on any Node.js version package.json claims: every
 * package in the lock file accepts the oldest release of each supported line.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const read = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const pkg = read('package.json') as { engines: { node: string } };
const lock = read('package-lock.json') as {
  packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean }>;
};

/** The oldest x.y.0 of each major line the range admits (20.19.0, 22.13.0, …). */
function oldestPerLine(range: string): string[] {
  const out: string[] = [];
  for (let major = 18; major <= 30; major++) {
    const candidates = Array.from({ length: 50 }, (_, minor) => `${major}.${minor}.0`);
    const oldest = semver.minSatisfying(candidates, range);
    if (oldest) out.push(oldest);
  }
  return out;
}

describe('engines', () => {
  it('the running Node.js is one package.json supports', () => {
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
  });

  it('every locked package accepts the oldest release of each supported Node.js line', () => {
    const versions = oldestPerLine(pkg.engines.node);
    expect(versions).toContain('20.19.0');
    const refused: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const engines = entry.engines;
      const node = engines && !Array.isArray(engines) ? engines.node : undefined;
      if (!path || !node) continue;
      for (const v of versions)
        if (!semver.satisfies(v, node)) refused.push(`${path} wants ${node}, not ${v}`);
    }
    expect(refused).toEqual([]);
  });
});
