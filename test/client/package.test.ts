/**
 * The SDK as a package: src/client imports only itself, its generated types match the server's
 * OpenAPI document, and the publishable package builds, packs, imports and type-checks.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { GENERATED_PATH, expectedGeneratedFile } from '../../scripts/gen-client.js';
import { VERSION } from '../../src/client/index.js';
import { tempDir } from '../helpers/spawn-server.js';

const root = resolve(import.meta.dirname, '../..');
const clientDir = join(root, 'src/client');
const pkgDir = join(root, 'packages/client');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? tsFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

const run = (cmd: string, args: string[], cwd: string) =>
  spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'error' },
  });

describe('src/client', () => {
  it('imports nothing outside src/client, and no Node.js module or global', () => {
    const files = tsFiles(clientDir);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const info = ts.preProcessFile(text, true, true);
      for (const { fileName: spec } of info.importedFiles) {
        const where = `${relative(root, file)} imports ${spec}`;
        expect(spec.startsWith('./') || spec.startsWith('../'), where).toBe(true);
        const target = resolve(dirname(file), spec);
        expect(target.startsWith(clientDir + '/'), where).toBe(true);
      }
      expect(info.referencedFiles, relative(root, file)).toEqual([]);
      expect(info.typeReferenceDirectives, relative(root, file)).toEqual([]);
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect(code, relative(root, file)).not.toMatch(
        /\b(process|Buffer|require|__dirname|__filename|global)\b\s*[.(]/,
      );
    }
  });

  it('has generated types that match the OpenAPI document of the current server (npm run gen:client)', async () => {
    const expected = await expectedGeneratedFile();
    const committed = readFileSync(GENERATED_PATH, 'utf8');
    expect(
      committed === expected,
      'src/client/generated/openapi.ts is out of date: run npm run gen:client',
    ).toBe(true);
  });
});

describe('packages/client', () => {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

  it('declares a publishable ESM package of the SDK version', () => {
    expect(pkg).toMatchObject({
      name: '@berth/client',
      version: VERSION,
      type: 'module',
      license: 'Apache-2.0',
      files: ['dist'],
      sideEffects: false,
      engines: { node: '>=20' },
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    });
    expect(pkg.private).toBeUndefined();
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(readFileSync(join(pkgDir, 'README.md'), 'utf8')).toContain('@berth/client');
  });

  it(
    'builds, packs, imports from Node.js and type-checks in a consumer',
    { timeout: 120_000 },
    () => {
      const out = tempDir();
      cpSync(join(pkgDir, 'package.json'), join(out, 'package.json'));
      cpSync(join(pkgDir, 'README.md'), join(out, 'README.md'));
      const tsc = join(root, 'node_modules/typescript/bin/tsc');
      const build = run(
        process.execPath,
        [tsc, '-p', 'tsconfig.client.json', '--outDir', join(out, 'dist')],
        root,
      );
      expect(build.stdout + build.stderr).toBe('');
      expect(build.status).toBe(0);

      const pack = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], out);
      expect(pack.status, pack.stderr).toBe(0);
      const [info] = JSON.parse(pack.stdout) as [
        { name: string; version: string; files: { path: string }[] },
      ];
      expect(info).toMatchObject({ name: '@berth/client', version: VERSION });
      const files = info.files.map((f) => f.path);
      for (const f of [
        'package.json',
        'README.md',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/generated/openapi.d.ts',
      ])
        expect(files).toContain(f);
      for (const target of Object.values(pkg.exports['.'] as Record<string, string>))
        expect(files).toContain(target.replace(/^\.\//, ''));
      for (const f of files) {
        expect(f === 'package.json' || f === 'README.md' || f.startsWith('dist/'), f).toBe(true);
        expect(f, f).not.toMatch(/(\.test\.|(?<!\.d)\.ts$)/);
      }

      // Node.js loads it as the package (through `exports`), without a loader or the sources.
      const consumer = tempDir();
      mkdirSync(join(consumer, 'node_modules/@berth'), { recursive: true });
      cpSync(out, join(consumer, 'node_modules/@berth/client'), { recursive: true });
      const load = run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "import * as m from '@berth/client'; const c = new m.BerthClient({ url: 'http://127.0.0.1:1/api/v1', token: 'k' }); console.log(JSON.stringify({ keys: Object.keys(m).sort(), url: c.url, counts: m.countsOf({ __value__: { pub_results: [{ __value__: { metadata: { counts: { c: { '11': 2 } } } } }] } }) }));",
        ],
        consumer,
      );
      expect(load.stderr).toBe('');
      const loaded = JSON.parse(load.stdout);
      expect(loaded.keys).toEqual(
        expect.arrayContaining([
          'BerthClient',
          'BerthError',
          'countsOf',
          'Job',
          'Session',
          'VERSION',
        ]),
      );
      expect(loaded.url).toBe('http://127.0.0.1:1');
      expect(loaded.counts).toEqual({ c: { '11': 2 } });

      // A TypeScript consumer (browser libs, no Node types) gets the declarations through `exports`.
      writeFileSync(
        join(consumer, 'main.ts'),
        `import { BerthClient, BerthError, countsOf, type BerthEvent, type WireJob } from '@berth/client';
const client = new BerthClient({ url: 'http://localhost:8000', token: 'key' });
export async function main(signal: AbortSignal): Promise<number> {
  await using session = await client.session({ backend: 'berth_sim' });
  const job = await session.run('sampler', { pubs: [['OPENQASM 3.0;', null, 10]] }, { tags: ['x'] });
  const done: typeof job = await job.wait({ signal, onUpdate: (j) => console.log(j.status) });
  const details: WireJob | null = done.details;
  const counts: Record<string, Record<string, number>> = countsOf(await job.result());
  for await (const e of client.jobs.events(job.id, { signal })) {
    const ev: BerthEvent = e;
    if (ev.type === 'job.state_changed') console.log(ev.data.state.status, ev.data.backend);
    else if (ev.type === 'job.log') console.log(ev.data.line);
  }
  try { await client.jobs.get('x'); } catch (err) { if (err instanceof BerthError) return err.status; }
  return (details ? 1 : 0) + Object.keys(counts).length;
}
`,
      );
      writeFileSync(
        join(consumer, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            lib: ['ES2022', 'DOM', 'ESNext.Disposable'],
            types: [],
            strict: true,
            exactOptionalPropertyTypes: true,
            noUncheckedIndexedAccess: true,
            noEmit: true,
          },
          files: ['main.ts'],
        }),
      );
      writeFileSync(
        join(consumer, 'package.json'),
        JSON.stringify({ type: 'module', private: true }),
      );
      const check = run(process.execPath, [tsc, '-p', 'tsconfig.json'], consumer);
      expect(check.stdout + check.stderr).toBe('');
      expect(check.status).toBe(0);
    },
  );
});
