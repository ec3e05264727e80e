/**
 * The SDK as its READMEs tell people to get and use it: the install blocks of
 * packages/client/README.md run as written (npm pack in the repository, npm install of the
 * tarball in a project beside it), and then every ```ts and ```js snippet of that README and of
 * the top-level README runs in that project against a real server: TypeScript through tsx, the
 * JavaScript as plain Node.js ESM (where `await using` would be a syntax error on Node.js 20).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fencedBlocks, runShellBlocks } from '../helpers/doc-blocks.js';
import { repositoryCopy } from '../helpers/workspace.js';
import { startServer, tempDir } from '../helpers/spawn-server.js';

const root = resolve(import.meta.dirname, '../..');
const SDK_README = readFileSync(join(root, 'packages/client/README.md'), 'utf8');
const README = readFileSync(join(root, 'README.md'), 'utf8');
const KEY = 'sdk-readme-admin-key-0123456789';
const { version } = JSON.parse(readFileSync(join(root, 'packages/client/package.json'), 'utf8'));

// Offline and quiet: the tarball has no dependencies, nothing needs the registry.
const NPM_ENV = {
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_loglevel: 'error',
};

describe('packages/client/README.md, as written', () => {
  it(
    'installs from the repository and runs every TypeScript and JavaScript snippet of both READMEs',
    { timeout: 180_000 },
    async () => {
      const work = tempDir();
      // "In your project, next to the clone (../berth)": a copy, where npm pack writes its tarball.
      const clone = repositoryCopy(work);
      const tarball = join(clone, `packages/client/berth-client-${version}.tgz`);
      const app = join(work, 'app');
      mkdirSync(app);
      writeFileSync(
        join(app, 'package.json'),
        JSON.stringify({ name: 'app', private: true, type: 'module' }),
      );

      const installBlocks = fencedBlocks(SDK_README, 'sh').filter((b) => b.skip === null);
      expect(installBlocks.map((b) => b.source.trim())).toEqual([
        'cd packages/client && npm pack',
        `npm install ../berth/packages/client/berth-client-${version}.tgz`,
      ]);
      const [pack, install] = installBlocks;
      // The first block runs in the repository, the second in the project.
      await runShellBlocks('packages/client/README.md (pack)', '```sh\n' + pack?.source + '```\n', {
        env: NPM_ENV,
        stateDir: work,
        cwd: clone,
        timeoutMs: 90_000,
      });
      expect(existsSync(tarball)).toBe(true);
      await runShellBlocks(
        'packages/client/README.md (install)',
        '```sh\n' + install?.source + '```\n',
        {
          env: NPM_ENV,
          stateDir: work,
          cwd: app,
          timeoutMs: 90_000,
        },
      );
      expect(existsSync(join(app, 'node_modules/@berth/client/dist/index.js'))).toBe(true);

      const server = await startServer({ BERTH_API_KEY: KEY, BERTH_DB: join(work, 'berth.db') });
      const env = { ...process.env, BERTH_URL: server.url, BERTH_TOKEN: KEY };
      const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
      const snippets = [
        ...fencedBlocks(SDK_README, 'ts').map((b, i) => ({
          from: `SDK README ts ${i + 1}`,
          ext: 'ts',
          ...b,
        })),
        ...fencedBlocks(SDK_README, 'js').map((b, i) => ({
          from: `SDK README js ${i + 1}`,
          ext: 'mjs',
          ...b,
        })),
        ...fencedBlocks(README, 'ts').map((b, i) => ({
          from: `README ts ${i + 1}`,
          ext: 'ts',
          ...b,
        })),
      ];
      expect(snippets.map((s) => s.from)).toEqual([
        'SDK README ts 1',
        'SDK README ts 2',
        'SDK README js 1',
        'README ts 1',
      ]);
      for (const [i, snippet] of snippets.entries()) {
        expect(snippet.skip, snippet.from).toBeNull();
        const file = join(app, `snippet-${i}.${snippet.ext}`);
        writeFileSync(file, snippet.source);
        const args = snippet.ext === 'ts' ? ['--import', tsx, file] : [file];
        const run = spawnSync(process.execPath, args, {
          cwd: app,
          env,
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(
          run.status,
          `${snippet.from}:\n${snippet.source}\n${run.stdout}\n${run.stderr}`,
        ).toBe(0);
        expect(run.stderr, snippet.from).toBe('');
        if (/countsOf/.test(snippet.source)) {
          // `{ c: { '11': 48, '00': 52 } }`, as console.log prints it (integer-like keys first).
          expect(run.stdout, snippet.from).toMatch(/^\{ c: \{ '11': \d+, '00': \d+ \} \}$/m);
        } else {
          // The events snippet: the job's log, its states, and the instance stream saw it too.
          expect(run.stdout, snippet.from).toMatch(/^Completed$/m);
          expect(run.stdout, snippet.from).toMatch(/^instance: [0-9a-f-]{36} Completed$/m);
        }
      }
    },
  );
});
