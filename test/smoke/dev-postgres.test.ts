/**
 * `npm run dev:postgres` as the README uses it: a PostgreSQL under a folder of ours, Berth on the
 * BERTH_DB it prints, and the data still there after both restart. The password never reaches
 * Berth's log.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { call, startServer, tempDir } from '../helpers/spawn-server.js';
import { freePort } from '../helpers/embedded-postgres.js';

const KEY = 'dev-postgres-admin-key-01';

async function devPostgres(
  dir: string,
  port: number,
): Promise<{ child: ChildProcess; out: () => string; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev-postgres.ts'], {
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

it('says what to set when the server cannot reach the data folder (root, a private home)', async () => {
  const home = tempDir(); // 0700, as /root is
  chmodSync(home, 0o700);
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev-postgres.ts'], {
    env: {
      ...process.env,
      BERTH_DEV_PG_DIR: join(home, 'pg'),
      BERTH_DEV_PG_PORT: String(await freePort()),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout?.resume();
  if (process.getuid?.() === 0) {
    // The server runs as `postgres`, which the 0700 folder shuts out.
    expect(await stopped(child)).toBe(2);
    expect(err).toContain(`cannot reach ${join(home, 'pg')}`);
    expect(err).toContain('BERTH_DEV_PG_DIR=');
  } else {
    // The server runs as this user, who owns the folder: it starts.
    await new Promise<void>((resolve) =>
      child.stdout?.on('data', (d: Buffer) => d.toString().includes('npm start') && resolve()),
    );
    const exit = stopped(child);
    child.kill('SIGINT');
    expect(await exit).toBe(0);
  }
}, 60_000);
