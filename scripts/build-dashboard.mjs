// Builds the dashboard (dashboard/, Vite) into dist/dashboard and reports its size: every file
// the server ships, raw and gzipped, and the total, as JSON on stdout (and in dist/dashboard-size.json).
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist/dashboard');
await build({ configFile: join(root, 'dashboard/vite.config.ts') });

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
const report = { dashboard: 'dist/dashboard', files, total };
writeFileSync(join(root, 'dist/dashboard-size.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(JSON.stringify({ dashboardSize: total }));
