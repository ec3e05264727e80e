/**
 * The dashboard's build: Vite, Preact (JSX through Vite's own transform, no Babel), the SDK
 * from its source (src/client) under its package name. `npm run build` writes dist/dashboard,
 * which the server serves at `/` (src/http/plugins/dashboard.ts).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  logLevel: 'warn',
  resolve: { alias: { '@berth/client': here('../src/client/index.ts') } },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../dist/dashboard'),
    emptyOutDir: true,
    assetsDir: 'assets',
    // No source maps in what the server ships; the sources are in the repository.
    sourcemap: false,
    target: 'es2022',
  },
});
