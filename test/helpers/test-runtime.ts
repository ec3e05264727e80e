/**
 * A whole Berth on SQLite :memory: (or, with BERTH_TEST_DB=postgres, on a fresh schema of the
 * test PostgreSQL) with a manual clock and a scheduler driven by tick(), plus a small HTTP client
 * over inject(). Every runtime is stopped after its test.
 */
import { pino } from 'pino';
import { afterEach } from 'vitest';
import type { Executor } from '../../src/app/ports.js';
import { type ResolvedConfig, loadConfig } from '../../src/config/config.js';
import { type Runtime, createRuntime } from '../../src/runtime.js';
import { T0 } from './builders.js';
import { ControlledExecutor } from './controlled-executor.js';
import { ManualClock } from './manual-clock.js';
import { createSchema, dropSchema, freshSchema, postgresUrl } from './postgres.js';

export const ADMIN_KEY = 'test-admin-key-0123456789';
export const DEFAULT_CRN = 'crn:v1:bluemix:public:quantum-computing:us-east:a/berth:default::';

const open = new Set<Runtime>();
const schemas: string[] = [];
afterEach(async () => {
  const left = [...open];
  open.clear();
  await Promise.all(left.map((rt) => rt.stop()));
  await Promise.all(schemas.splice(0).map(dropSchema));
});

/** BERTH_DB for a test runtime: SQLite in memory, or a fresh PostgreSQL schema. */
export async function testDatabase(): Promise<string> {
  if (process.env.BERTH_TEST_DB !== 'postgres') return ':memory:';
  const schema = freshSchema();
  await createSchema(schema);
  schemas.push(schema);
  const url = new URL(postgresUrl());
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

export interface TestRuntimeOptions {
  /** Configuration file content (instances, backends, ttl). */
  file?: unknown;
  env?: Record<string, string>;
  overrides?: Partial<ResolvedConfig>;
  /** 'controlled' (default): the test finishes jobs; 'simulator': the real one. */
  executor?: 'controlled' | 'auto' | 'simulator';
  /** Real time: the system clock and a self-driving scheduler (default: manual clock, tick()). */
  realTime?: boolean;
  clock?: ManualClock;
  /** Collect the JSON log lines here (info and above). */
  logs?: string[];
}

export interface Api {
  (
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{
    status: number;
    body: any;
    text: string;
    headers: Record<string, unknown>;
  }>;
}

export async function testRuntime(options: TestRuntimeOptions = {}) {
  const clock = options.clock ?? new ManualClock(T0);
  const config = loadConfig({
    env: {
      BERTH_DB: await testDatabase(),
      BERTH_API_KEY: ADMIN_KEY,
      BERTH_SIM_THREADS: '1',
      BERTH_SHUTDOWN_GRACE_MS: '20',
      // The tests' receivers listen on loopback, which webhooks may not reach unless allowed.
      BERTH_WEBHOOK_ALLOW: '127.0.0.1',
      ...options.env,
    },
    ...(options.file !== undefined ? { file: options.file } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
  const controlled = new ControlledExecutor(options.executor === 'auto');
  const useSimulator = options.executor === 'simulator';
  const rt = await createRuntime(config, {
    ...(options.realTime ? {} : { clock }),
    ...(useSimulator ? {} : { executor: (): Executor => controlled }),
    autoRun: options.realTime ?? false,
    logger: options.logs
      ? pino({ level: 'info' }, { write: (line: string) => options.logs?.push(line) })
      : pino({ level: process.env.BERTH_TEST_LOG ?? 'silent' }),
  });
  open.add(rt);
  await rt.start();

  const api: Api = async (method, url, body, headers = {}) => {
    const res = await rt.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...headers },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    let parsed: unknown = null;
    try {
      parsed = res.body ? JSON.parse(res.body) : null;
    } catch {
      parsed = null;
    }
    return { status: res.statusCode, body: parsed, text: res.body, headers: res.headers };
  };

  /** Advance the clock and run the scheduler. */
  const advance = async (seconds: number): Promise<void> => {
    clock.advanceSeconds(seconds);
    await rt.scheduler.tick();
  };

  /** Finish a running job's execution and wait until its outcome is committed. */
  const finish = async (
    jobId: string,
    how: 'complete' | { fail: string } = 'complete',
  ): Promise<void> => {
    if (how === 'complete') controlled.complete(jobId);
    else controlled.fail(jobId, how.fail);
    await rt.worker.settled(jobId);
    await rt.scheduler.tick();
  };

  /**
   * Submit a job (with executor 'simulator'), drive the scheduler until it has run, and read it
   * back: the submission's answer, the job, and its result as the API's JSON text parsed.
   */
  const runJob = async (body: Record<string, unknown>) => {
    const submitted = await api('POST', '/api/v1/jobs', body);
    if (submitted.status !== 200) return { submitted, job: null, result: null };
    const id = submitted.body.id as string;
    await rt.scheduler.tick();
    await rt.worker.settled(id);
    await rt.scheduler.tick();
    const job = (await api('GET', `/api/v1/jobs/${id}`)).body;
    const res = await api('GET', `/api/v1/jobs/${id}/results`);
    // A failed or cancelled job answers its reason as text, not a document.
    const result = res.text && job.state.status === 'Completed' ? JSON.parse(res.text) : null;
    return { submitted, job, result, text: res.text };
  };

  return {
    rt,
    clock,
    api,
    advance,
    finish,
    runJob,
    executor: controlled,
    tick: () => rt.scheduler.tick(),
  };
}
