/**
 * @berth/client in a real browser: headless Chromium (through playwright-core; Debian's where it
 * is installed, otherwise the one the npm package @sparticuz/chromium ships) loads the compiled
 * SDK from a page on another origin and talks to a real Berth over CORS, event stream included.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { extname, join, normalize } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { startServer, tempDir } from '../helpers/spawn-server.js';

const KEY = 'browser-test-key-0123456789';
const BELL =
  'OPENQASM 3.0; include "stdgates.inc"; qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c = measure q;';

/**
 * The page: plain JavaScript that imports the SDK as a browser would (a module from its own
 * origin), and offers the two scenarios to the test.
 */
const PAGE = `<!doctype html><title>berth</title>
<script type="module">
import * as sdk from '/index.js';
window.berth = {
  async session({ url, key, bell }) {
    const client = new sdk.BerthClient({ url, token: key });
    const session = await client.session({ backend: 'berth_sim' });
    const job = await session.run('sampler', { pubs: [[bell, null, 200]] });
    const counts = sdk.countsOf(await job.result());
    await session.close();
    const closed = (await client.sessions.get(session.id)).details?.accepting_jobs === false;
    const missing = await client.sessions.get('no-such-session').catch((e) => e);
    const error = { typed: missing instanceof sdk.BerthError, status: missing.status, code: missing.code };
    return { counts, closed, error };
  },
  async backends({ url, key }) {
    const client = new sdk.BerthClient({ url, token: key, retries: 0 });
    const e = await client.backends.list().catch((err) => err);
    return { typed: e instanceof sdk.BerthError, code: e.code };
  },
};
</script>`;

interface BrowserWindow {
  berth: {
    session(args: { url: string; key: string; bell: string }): Promise<unknown>;
    backends(args: { url: string; key: string }): Promise<unknown>;
  };
}

/** Serve `dir` (the compiled SDK and a blank page) on its own origin. */
async function staticSite(dir: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = normalize(join(dir, (req.url ?? '/').split('?')[0] ?? '/'));
    if (!path.startsWith(dir) || !existsSync(path) || !extname(path)) {
      res.writeHead(404).end();
      return;
    }
    const type = extname(path) === '.js' ? 'text/javascript' : 'text/html';
    res.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(readFileSync(path));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('@berth/client in Chromium', () => {
  let browser: Browser;
  let sdkDir: string;
  const sites: Server[] = [];

  beforeAll(() => {
    // The SDK exactly as published: compiled on its own, browser libraries, no Node types.
    sdkDir = tempDir('file');
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.client.json', '--outDir', sdkDir]);
    writeFileSync(join(sdkDir, 'index.html'), PAGE);
  });

  afterAll(async () => {
    await browser?.close();
    for (const s of sites) s.close();
  });

  it('runs a session with a sampler job over CORS, waits on the event stream, and types errors', async () => {
    const allowed = await staticSite(sdkDir);
    const other = await staticSite(sdkDir);
    sites.push(allowed.server, other.server);
    const berth = await startServer({
      BERTH_API_KEY: KEY,
      BERTH_DB: join(tempDir(), 'berth.db'),
      BERTH_CORS_ORIGINS: allowed.origin,
    });
    browser = await launchChromium();

    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
    await page.goto(`${allowed.origin}/index.html`);
    await page.waitForFunction(() => 'berth' in globalThis);
    const outcome = (await page.evaluate(
      (args) => (globalThis as unknown as BrowserWindow).berth.session(args),
      { url: berth.url, key: KEY, bell: BELL },
    )) as {
      counts: Record<string, Record<string, number>>;
      closed: boolean;
      error: unknown;
    };
    const c = outcome.counts.c ?? {};
    expect(Object.keys(c).sort()).toEqual(['00', '11']);
    expect((c['00'] ?? 0) + (c['11'] ?? 0)).toBe(200);
    expect(outcome.closed).toBe(true);
    expect(outcome.error).toEqual({ typed: true, status: 404, code: 'session_not_found' });
    // job.result() followed the job's event stream (fetch streaming in the browser).
    expect(requests.some((r) => /^GET \/api\/v1\/jobs\/[^/]+\/events$/.test(r))).toBe(true);

    // A page on an origin the server does not allow cannot read the API.
    const stranger = await browser.newPage();
    await stranger.goto(`${other.origin}/index.html`);
    await stranger.waitForFunction(() => 'berth' in globalThis);
    const refused = await stranger.evaluate(
      (args) => (globalThis as unknown as BrowserWindow).berth.backends(args),
      { url: berth.url, key: KEY },
    );
    expect(refused).toEqual({ typed: true, code: 'connection_error' });
  }, 60_000);
});
