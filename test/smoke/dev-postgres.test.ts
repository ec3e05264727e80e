/**
 * `npm run dev:postgres` as the README uses it: a PostgreSQL under a folder of ours, Berth on the
 * BERTH_DB it prints, and the data still there after both restart. The password never reaches
 * Berth's log.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { call, startServer, tempDir } from '../helpers/spawn-server.js';
import { freePort } from '../helpers/embedded-postgres.js';

const KEY = 'dev-postgres-admin-key-01';

async function devPostgres(
  dir: string,
  port: number,
): Promise<{ child: ChildProcess; out: () => string; url: string }> {
  const child = spawn(process.execPath, ['scripts/dev-postgres.mjs'], {
    env: { ...process.env, BERTH_DEV_PG_DIR: dir, BERTH_DEV_PG_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`dev:postgres did not start:\n${out}`)),
      30_000,
    );
    child.stdout?.on('data', () => {
      const m = /BERTH_DB=(\S+) npm start/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`dev:postgres exited ${code}:\n${out}`)));
  });
  return { child, out: () => out, url };
}

const stopped = (c: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => c.on('exit', (code) => resolve(code)));

it('runs Berth on the PostgreSQL that npm run dev:postgres starts, and keeps its data', async () => {
  const dir = tempDir();
  const port = await freePort();
  const pg1 = await devPostgres(dir, port);
  expect(pg1.out()).toMatch(/PostgreSQL created and running/);
  expect(pg1.url).toBe(`postgres://berth:berth@127.0.0.1:${port}/berth`);
  const berth = await startServer({ BERTH_API_KEY: KEY, BERTH_DB: pg1.url });
  const created = await call(berth.url, KEY, 'POST', '/api/v1/sessions', {
    backend: 'berth_sim',
    mode: 'batch',
  });
  expect(created.status).toBe(200);
  expect(berth.stdout()).toContain('"db":"postgres://berth:***@127.0.0.1');
  expect(berth.stdout()).not.toContain('berth:berth@');
  berth.child.kill('SIGTERM');
  await berth.exited;
  const exit1 = stopped(pg1.child);
  pg1.child.kill('SIGINT');
  expect(await exit1).toBe(0);

  const pg2 = await devPostgres(dir, port);
  expect(pg2.out()).not.toMatch(/created/);
  const again = await startServer({ BERTH_API_KEY: KEY, BERTH_DB: pg2.url });
  const read = await call(again.url, KEY, 'GET', `/api/v1/sessions/${created.body.id}`);
  expect(read.body).toMatchObject({ id: created.body.id, mode: 'batch' });
  again.child.kill('SIGTERM');
  await again.exited;
  const exit2 = stopped(pg2.child);
  pg2.child.kill('SIGINT');
  expect(await exit2).toBe(0);
}, 90_000);
