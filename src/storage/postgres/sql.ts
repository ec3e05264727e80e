/**
 * The PostgreSQL connection pieces: a pool whose BIGINT and NUMERIC values arrive as numbers
 * (epoch ms and counts, all far below 2^53), named parameters, and one-transaction helpers.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { AppError } from '../../domain/errors.js';

/** int8 (20) and numeric (1700, what SUM of BIGINT gives) as JS numbers. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

export interface PoolOptions {
  readonly url: string;
  /** A schema to work in (tests give each store its own); default: the URL's search_path. */
  readonly schema?: string | undefined;
  readonly max?: number | undefined;
  /** Shown in pg_stat_activity (`berth:NODE_ID`), so an operator can tell the nodes apart. */
  readonly applicationName?: string | undefined;
}

export function connectionConfig(o: PoolOptions): pg.ClientConfig {
  return {
    connectionString: o.url,
    types,
    ...(o.applicationName ? { application_name: o.applicationName } : {}),
    ...(o.schema ? { options: `-c search_path=${quoteIdent(o.schema)}` } : {}),
  };
}

export function createPool(o: PoolOptions): pg.Pool {
  return new pg.Pool({ ...connectionConfig(o), max: o.max ?? 10, idleTimeoutMillis: 30_000 });
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const compiled = new Map<string, { text: string; names: string[]; name: string }>();

/**
 * `@name` placeholders → `$n` with the values in order (the SQLite statements' style, so that
 * statements read the same in both dialects). Compiled once per statement text.
 */
export function named(sql: string, params: Record<string, unknown>): pg.QueryConfig {
  let c = compiled.get(sql);
  if (!c) {
    const names: string[] = [];
    const text = sql.replace(/@([a-z_][a-z0-9_]*)/g, (_, name: string) => {
      let i = names.indexOf(name);
      if (i < 0) i = names.push(name) - 1;
      return `$${i + 1}`;
    });
    // A prepared statement, named by its text: each connection parses and plans it once.
    const name = `b_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    c = { text, names, name };
    compiled.set(sql, c);
  }
  return {
    name: c.name,
    text: c.text,
    values: c.names.map((n) => {
      if (!(n in params)) throw new Error(`missing SQL parameter @${n}`);
      return params[n];
    }),
  };
}

/** A query runner: the pool, or one client inside a transaction. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

/** Run `fn` in one transaction on one connection; a broken connection is not returned. */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (db: pg.PoolClient) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    throw unavailable(e);
  }
  let broken: Error | undefined;
  // A checked-out client has no error listener of the pool's: a connection reset while it is
  // ours would be an unhandled 'error' event (a crash). It is recorded; the query fails anyway.
  const onError = (err: Error): void => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch((err: Error) => {
      broken = err;
    });
    throw unavailable(e);
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** SQLSTATE classes 08 (connection) and 57P (operator intervention: shutdown, restart). */
const UNAVAILABLE_SQLSTATE = /^(08|57P)/;
const UNAVAILABLE_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND']);

/**
 * The database is out of reach (restarting, connection cut): a client error of its own (503,
 * retry), not an internal error. Anything else passes through unchanged.
 */
export function unavailable(e: unknown): unknown {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : '';
  const lost =
    (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_NODE.has(code))) ||
    /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
      message,
    );
  return lost ? new AppError('database_unavailable', undefined, { cause: e }) : e;
}

/** One statement on the pool, with connection failures as `database_unavailable`. */
export async function query(
  pool: pg.Pool,
  config: pg.QueryConfig | string,
): Promise<pg.QueryResult> {
  try {
    return await pool.query(config);
  } catch (e) {
    throw unavailable(e);
  }
}

/** A unique index refused the write (SQLSTATE 23505). */
export function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: unknown }).code === '23505';
}

/** Lock keys (pg_advisory_xact_lock takes a bigint): stable names, hashed in the server. */
export const LOCKS = {
  migrations: "hashtext('berth.migrations')",
  events: "hashtext('berth.events')",
} as const;
