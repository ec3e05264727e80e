/**
 * `berth backends`, `sessions`, `jobs` and `run` against a real server: human output, --json
 * documents that parse, and the exit codes for failed jobs (1) and unknown objects (3).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_KEY,
  BELL_QASM,
  type Run,
  client,
  startFileServer,
  tempDir,
  until,
} from './helpers.js';

let b: ReturnType<typeof client>;
let bell = '';

beforeAll(async () => {
  // `slow` holds its single lane 60 s per job: a job behind another stays Queued long enough
  // to be cancelled, however loaded the machine (at 8 s, the first had once ended before the
  // test cancelled it).
  const dir = tempDir();
  const config = join(dir, 'berth.json');
  writeFileSync(
    config,
    JSON.stringify({
      backends: [
        { name: 'berth_sim', lanes: 4, qubits: 20, couplingMap: null },
        { name: 'small', lanes: 1, qubits: 2, maxShots: 500 },
        { name: 'slow', lanes: 1, qubits: 2, model: { jobOverheadMs: 60_000, shotTimeMs: 0 } },
      ],
    }),
  );
  bell = join(dir, 'bell.qasm');
  writeFileSync(bell, BELL_QASM);
  b = client(await startFileServer({ BERTH_CONFIG: config }), ADMIN_KEY);
});

const json = (r: Run): any => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe('berth backends', () => {
  it('lists backends as a table and as JSON', async () => {
    const [human, doc] = await Promise.all([b(['backends']), b(['backends', '--json'])]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^NAME\s+STATUS\s+QUBITS\s+QUEUE/);
    expect(human.stdout).toMatch(/berth_sim\s+online\s+20/);
    expect(json(doc).devices.map((d: any) => d.name)).toEqual(['berth_sim', 'small', 'slow']);
  });

  it('status, configuration and properties; exit 3 for an unknown backend', async () => {
    const [status, conf, confJson, props, missing] = await Promise.all([
      b(['backends', 'status', 'berth_sim']),
      b(['backends', 'configuration', 'slow']),
      b(['backends', 'configuration', 'slow', '--json']),
      b(['backends', 'properties', 'berth_sim', '--json']),
      b(['backends', 'status', 'nope']),
    ]);
    expect(status.stdout).toMatch(/status:\s+active/);
    expect(conf.stdout).toMatch(/qubits:\s+2/);
    expect(json(confJson)).toMatchObject({ backend_name: 'slow', n_qubits: 2 });
    expect(json(props).backend_name).toBe('berth_sim');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('404');
  });
});

describe('berth sessions', () => {
  it('create, get, list, close and cancel; exit 3 for an unknown session', async () => {
    const id = (await b(['sessions', 'create', '--backend', 'berth_sim', '-q'])).stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const got = json(await b(['sessions', 'get', id, '--json']));
    expect(got).toMatchObject({ id, backend_name: 'berth_sim', mode: 'dedicated', state: 'open' });
    const human = await b(['sessions', 'get', id]);
    expect(human.stdout).toMatch(/state:\s+open \(created\)/);
    const listed = json(await b(['sessions', 'list', '--backend', 'berth_sim', '--json']));
    expect(listed.sessions.map((s: any) => s.id)).toContain(id);
    expect((await b(['sessions', 'list'])).stdout).toMatch(/^ID\s+BACKEND\s+MODE\s+STATE/);

    const closed = json(await b(['sessions', 'close', id, '--json']));
    expect(closed).toMatchObject({ id, state: 'closed', accepting_jobs: false });

    const batch = json(
      await b([
        'sessions',
        'create',
        '--backend',
        'slow',
        '--mode',
        'batch',
        '--max-ttl',
        '10m',
        '--json',
      ]),
    );
    expect(batch).toMatchObject({ mode: 'batch', max_ttl: 600 });
    const cancelled = await b(['sessions', 'cancel', batch.id]);
    expect(cancelled.code).toBe(0);
    expect(json(await b(['sessions', 'get', batch.id, '--json'])).state_reason).toBe(
      'cancelled_by_user',
    );

    const missing = await b(['sessions', 'get', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(3);
  });

  it('watch prints the events of a session and its jobs until it closes', async () => {
    const id = (await b(['sessions', 'create', '--backend', 'berth_sim', '-q'])).stdout.trim();
    const watching = b(['sessions', 'watch', id]);
    const job = (
      await b(['jobs', 'submit', '--session', id, '--circuit', bell, '--shots', '10'])
    ).stdout.trim();
    expect((await b(['jobs', 'wait', job])).code).toBe(0);
    await b(['sessions', 'close', id]);
    const w = await watching;
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toContain(`job ${job}  Completed`);
    expect(w.stdout).toMatch(new RegExp(`session ${id}  closed`));
  });
});

describe('berth jobs and run', () => {
  it('run bell.qasm --shots 200 prints a histogram with only 00 and 11', async () => {
    const r = await b(['run', bell, '--backend', 'berth_sim', '--shots', '200']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Submitted job [0-9a-f-]{36}/);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('c: 200 shots, 2 outcomes');
    const rows = lines.slice(1).map((l) => /^ {2}(\d+)\s+█+\S*\s+(\d+)\s+([\d.]+)%$/.exec(l));
    expect(rows.map((m) => m?.[1])).toEqual(['00', '11']);
    const counts = rows.map((m) => Number(m?.[2]));
    expect(counts.reduce((a, c) => a + c, 0)).toBe(200);
    for (const l of lines.slice(1)) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('run --sort count orders by frequency; run --json prints the result document', async () => {
    const r = await b(['run', bell, '--backend', 'berth_sim', '--shots', '50', '--sort', 'count']);
    const counts = r.stdout
      .split('\n')
      .slice(1, 3)
      .map((l) => Number(/(\d+)\s+[\d.]+%$/.exec(l)?.[1]));
    expect(counts[0]).toBeGreaterThanOrEqual(counts[1] ?? Infinity);
    const doc = json(
      await b(['run', '-', '--backend', 'berth_sim', '--json'], { input: BELL_QASM }),
    );
    expect(doc.__type__).toBe('PrimitiveResult');
  });

  it('jobs submit + wait + result --json; get, list and logs', async () => {
    const id = (
      await b([
        'jobs',
        'submit',
        '--backend',
        'berth_sim',
        '--circuit',
        bell,
        '--shots',
        '64',
        '--tag',
        'cli',
      ])
    ).stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const waited = await b(['jobs', 'wait', id]);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toBe(`${id}  Completed\n`);
    const [resultJson, resultHuman, getJson, getHuman, listed, done, logs, logsJson] =
      await Promise.all([
        b(['jobs', 'result', id, '--json']),
        b(['jobs', 'result', id]),
        b(['jobs', 'get', id, '--json']),
        b(['jobs', 'get', id]),
        b(['jobs', 'list', '--tag', 'cli', '--json']),
        b(['jobs', 'list', '--done']),
        b(['jobs', 'logs', id]),
        b(['jobs', 'logs', id, '--json']),
      ]);
    const counts = json(resultJson).__value__.pub_results[0].__value__.metadata.counts.c;
    expect(Object.keys(counts).sort()).toEqual(['00', '11']);
    expect(resultHuman.stdout).toContain('c: 64 shots');
    expect(json(getJson)).toMatchObject({ id, status: 'Completed', tags: ['cli'] });
    expect(getHuman.stdout).toMatch(/status:\s+Completed/);
    expect(json(listed).jobs.map((j: any) => j.id)).toEqual([id]);
    expect(done.stdout).toMatch(/^ID\s+STATUS\s+PROGRAM/);
    expect(logs.code).toBe(0);
    expect(json(logsJson)).toMatchObject({ id });
  });

  it('jobs wait and jobs result exit 1 for a cancelled job; exit 3 for an unknown job', async () => {
    // The first job holds the single lane of `slow` for 60 s, so the second stays queued.
    const first = (
      await b(['jobs', 'submit', '--backend', 'slow', '--circuit', bell, '-q'])
    ).stdout.trim();
    const victim = (
      await b(['jobs', 'submit', '--backend', 'slow', '--circuit', bell, '-q'])
    ).stdout.trim();
    const waiting = b.start(['jobs', 'wait', victim, '--json']);
    await until(() => waiting.output().stderr.includes(`job ${victim}: Queued`));
    // Asked for too early: it says so, in words and with exit 1, on both outputs.
    for (const args of [[], ['--json']]) {
      const early = await b(['jobs', 'result', victim, ...args]);
      expect(early.code).toBe(1);
      expect(early.stdout).toBe('');
      expect(early.stderr).toBe(
        `berth: job ${victim} is Queued and has no result yet (--wait waits for it)\n`,
      );
    }
    expect((await b(['jobs', 'cancel', victim])).code).toBe(0);
    const w = await waiting.done;
    expect(w.code).toBe(1);
    expect(JSON.parse(w.stdout).state.status).toBe('Cancelled');
    const r = await b(['jobs', 'result', victim]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ended Cancelled, without a result');
    expect((await b(['jobs', 'get', '00000000-0000-4000-8000-000000000000'])).code).toBe(3);
    expect((await b(['jobs', 'cancel', first])).code).toBe(0);
  });

  it('bounds --shots by the backend’s max_shots, as the server does', async () => {
    for (const cmd of [
      ['run', bell, '--backend', 'small', '--shots', '501'],
      ['jobs', 'submit', '--backend', 'small', '--circuit', bell, '--shots', '501'],
    ]) {
      const r = await b(cmd);
      expect(r.code, cmd.join(' ')).toBe(2);
      expect(r.stderr).toContain(
        '--shots must be an integer from 1 to 500, the max_shots of small',
      );
    }
    const ok = await b(['run', bell, '--backend', 'small', '--shots', '500']);
    expect(ok.code, ok.stderr).toBe(0);
    // The default backends' own limit (100,000), not a larger one of the CLI's.
    const big = await b(['run', bell, '--backend', 'berth_sim', '--shots', '100001']);
    expect(big.stderr).toContain('from 1 to 100000');
  });

  it('shows a result that is not a PrimitiveResult as it is stored (the noise learner’s)', async () => {
    const params = join(
      import.meta.dirname,
      '../fixtures/ibm/noise_learner_v2/params_minimum_input.json',
    );
    const id = (
      await b([
        'jobs',
        'submit',
        '--program',
        'noise-learner',
        '--backend',
        'berth_sim',
        '--params',
        `@${params}`,
        '-q',
      ])
    ).stdout.trim();
    const r = await b(['jobs', 'result', id, '--wait']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('is not a PrimitiveResult document; as stored');
    expect(JSON.parse(r.stdout)).toMatchObject({ metadata: { backend: 'berth_sim' }, data: [] });
  });

  it('invalid params are exit 5 (a 400 from the server)', async () => {
    const r = await b(['jobs', 'submit', '--backend', 'berth_sim', '--params', '{"pubs": 7}']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('400');
  });
});
