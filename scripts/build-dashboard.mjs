// Builds the dashboard (dashboard/, Vite) into dist/dashboard, or into the folder given as
// `--out DIR` (the tests build into their own; a server serves it with BERTH_DASHBOARD_DIR), and
// reports its size: every file the server ships, raw and gzipped, and the total, as JSON on stdout
// and in dashboard-size.json beside the folder. Always the production build, whatever NODE_ENV
// says (vitest sets it to "test", which made a larger build than the one users get).
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = values.out ? resolve(values.out) : join(root, 'dist/dashboard');
process.env.NODE_ENV = 'production';
await build({
  configFile: join(root, 'dashboard/vite.config.ts'),
  mode: 'production',
  build: { outDir: out },
});

const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else {
      const body = readFileSync(path);
      files.push({
        file: relative(out, path),
        bytes: body.length,
        gzipBytes: gzipSync(body).length,
      });
    }
  }
};
walk(out);
const total = files.reduce(
  (t, f) => ({ bytes: t.bytes + f.bytes, gzipBytes: t.gzipBytes + f.gzipBytes }),
  {
    bytes: 0,
    gzipBytes: 0,
  },
);
const report = { dashboard: relative(root, out) || out, files, total };
writeFileSync(join(dirname(out), 'dashboard-size.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify({ dashboardSize: total }));
