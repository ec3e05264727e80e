import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeDb, loadConfig } from './config.js';

const problemsOf = (f: () => unknown): readonly string[] => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('has usable defaults: one CRN instance, a noisy 1-lane device with its ideal twin, and a several-lane simulator', () => {
    const c = loadConfig({ env: {} });
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8000,
      db: './data/berth.db',
      apiKey: null,
      logLevel: 'info',
    });
    expect(c.instances).toHaveLength(1);
    expect(c.instances[0]?.id).toMatch(/^crn:v1:/);
    expect(c.backends.map((b) => [b.name, b.lanes])).toEqual([
      ['berth_manila', 1],
      ['berth_manila_ideal', 1],
      ['berth_sim', 4],
    ]);
    expect(c.backends[0]?.couplingMap).toContainEqual([0, 1]);
    expect(c.backends.map((b) => b.noise)).toEqual([['readout', 'relaxation', 'gates'], [], []]);
    expect(c.ttl.openTtlSeconds).toBe(1800);
    expect(Object.isFrozen(c.backends[0])).toBe(true);
  });

  it('reads BERTH_* variables', () => {
    const c = loadConfig({
      env: {
        BERTH_HOST: '0.0.0.0',
        BERTH_PORT: '9000',
        BERTH_DB: ':memory:',
        BERTH_API_KEY: 'a-long-admin-key-123',
        BERTH_LOG_LEVEL: 'warn',
        BERTH_DB_SYNC: 'full',
      },
    });
    expect(c).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      db: ':memory:',
      apiKey: 'a-long-admin-key-123',
      logLevel: 'warn',
      dbSynchronous: 'full',
    });
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: { BERTH_PORT: '99999', BERTH_LOG_LEVEL: 'loud', BERTH_API_KEY: 'short' },
        file: { backends: [{ name: 'a', qubits: 3, couplingMap: [[0, 7]] }, { name: 'a' }] },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('BERTH_PORT=99999'),
        expect.stringContaining('BERTH_LOG_LEVEL=loud'),
        expect.stringContaining('BERTH_API_KEY'),
        expect.stringContaining('coupling pair [0, 7]'),
        expect.stringContaining('duplicate backend name: a'),
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('refuses a BERTH_DB URL other than postgres:// instead of making it a file name, and a bad webhook allow-list entry', () => {
    const of = (env: Record<string, string>) => problemsOf(() => loadConfig({ env }));
    expect(of({ BERTH_DB: 'mysql://x/y' })).toEqual([
      expect.stringMatching(/^BERTH_DB: mysql:\/\/ is not a database Berth can use/),
    ]);
    expect(loadConfig({ env: { BERTH_DB: './data/x.db' } }).db).toBe('./data/x.db');
    expect(loadConfig({ env: { BERTH_DB: 'postgres://berth:pw@db/berth' } }).db).toBe(
      'postgres://berth:pw@db/berth',
    );
    expect(describeDb('postgresql://berth:s3cret@db:5432/berth')).toBe(
      'postgresql://berth:***@db:5432/berth',
    );
    // Two nodes on one host differ by port unless told otherwise.
    const idOn = (port: string) => loadConfig({ env: { BERTH_PORT: port } }).nodeId;
    expect(idOn('8001')).toBe(`${hostname()}:8001`);
    expect(idOn('8002')).not.toBe(idOn('8001'));
    expect(idOn('0')).toBe(`${hostname()}:pid${process.pid}`);
    expect(of({ BERTH_NODE_ID: 'two words' })).toEqual([
      expect.stringMatching(/^BERTH_NODE_ID: "two words" is not a node id/),
    ]);
    expect(of({ BERTH_WEBHOOK_ALLOW: 'ok.host,10.0.0.0/99' })).toEqual([
      'BERTH_WEBHOOK_ALLOW: 10.0.0.0/99: the prefix length must be 0 to 32',
    ]);
  });

  it('rejects unknown keys and wrong types in the file, naming the path', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: {}, file: { backend: [], ttl: { openTtlSeconds: 'soon' } } }),
    );
    expect(problems.join('\n')).toMatch(/config: \/backend/);
    expect(problems.join('\n')).toMatch(/\/ttl\/openTtlSeconds/);
  });

  it('names the allowed values of a union and refuses instance names that pick two instances', () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {},
        file: {
          backends: [{ name: 'x', reference: 'kyiv' }],
          instances: [
            { id: 'crn:v1:a', name: 'lab' },
            { id: 'crn:v1:b', name: 'lab' },
          ],
        },
      }),
    );
    expect(problems).toEqual([
      'config: /backends/0/reference must be one of: "manila", "lagos", "guadalupe", "kolkata", "brisbane", "fez", null',
    ]);
    expect(
      problemsOf(() =>
        loadConfig({
          env: {},
          file: {
            instances: [
              { id: 'crn:v1:a', name: 'lab' },
              { id: 'crn:v1:b', name: 'lab' },
            ],
          },
        }),
      ),
    ).toEqual(['duplicate instance id or name: lab']);
  });

  it('takes noise from the reference calibration, and refuses it without a reference', () => {
    const [ro, both, ideal] = loadConfig({
      env: {},
      file: {
        backends: [
          { name: 'ro', reference: 'manila', noise: 'readout' },
          { name: 'both', reference: 'manila', noise: ['readout', 'relaxation'] },
          { name: 'ideal', reference: 'manila' },
        ],
      },
    }).backends;
    // ibmq_manila's qubit 0: prob_meas1_prep0 0.0158, prob_meas0_prep1 0.0548, T1 131.53 µs,
    // T2 102.20 µs; dt 2/9 ns.
    expect(ro).toMatchObject({ noise: ['readout'], relaxation: null });
    expect(ro?.readoutError?.p01[0]).toBeCloseTo(0.0158, 10);
    expect(ro?.readoutError?.p10[0]).toBeCloseTo(0.0548, 10);
    expect(ro?.readoutError?.p01).toHaveLength(5);
    expect(both?.noise).toEqual(['readout', 'relaxation']);
    expect(both?.relaxation?.t1[0]).toBeCloseTo(131.5286444531517e-6, 15);
    expect(both?.relaxation?.t2[0]).toBeCloseTo(102.20390054827382e-6, 15);
    expect(both?.relaxation?.dt).toBeCloseTo(0.2222222222222222e-9, 20);
    expect(ideal).toMatchObject({
      noise: [],
      readoutError: null,
      relaxation: null,
      gateCalibrations: null,
    });
    // `calibrated` is all of Aer's from_backend model; manila's cx 0→1 has its error and length.
    const [all] = loadConfig({
      env: {},
      file: { backends: [{ name: 'all', reference: 'manila', noise: 'calibrated' }] },
    }).backends;
    expect(all?.noise).toEqual(['readout', 'relaxation', 'gates']);
    const cx01 = all?.gateCalibrations?.['cx:0_1'];
    expect(cx01?.error).toBeGreaterThan(0.001);
    expect(cx01?.length).toBeGreaterThan(100e-9);
    expect(cx01?.length).toBeLessThan(1e-6);
    expect(
      problemsOf(() =>
        loadConfig({ env: {}, file: { backends: [{ name: 'x', qubits: 3, noise: 'readout' }] } }),
      ),
    ).toEqual([
      'backend x: noise "readout" comes from a device\'s calibration: give it a reference (one of manila, lagos, guadalupe, kolkata, brisbane, fez), or set noise to "none"',
    ]);
    expect(
      problemsOf(() =>
        loadConfig({
          env: {},
          file: { backends: [{ name: 'x', reference: 'fez', noise: 'aer' }] },
        }),
      ),
    ).toEqual([
      'config: /backends/0/noise must be one of: "none", "calibrated", "readout", "relaxation", "gates", or a list of "readout", "relaxation", "gates"',
    ]);
  });

  it('reads the file named by BERTH_CONFIG and reports one that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
    try {
      const good = join(dir, 'good.json');
      writeFileSync(
        good,
        JSON.stringify({ instances: [{ id: 'crn:v1:x', share: 3, usageLimitSeconds: 60 }] }),
      );
      expect(loadConfig({ env: { BERTH_CONFIG: good } }).instances[0]).toMatchObject({
        id: 'crn:v1:x',
        share: 3,
        usageLimitSeconds: 60,
        name: 'crn:v1:x',
      });
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, '{ nope');
      expect(problemsOf(() => loadConfig({ env: { BERTH_CONFIG: bad } }))[0]).toMatch(
        /^BERTH_CONFIG .*bad\.json: /,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
