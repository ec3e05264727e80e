/**
 * Durability: SIGKILL the real server while sessions are open and jobs are queued and running,
 * start it again, and check that every deadline that passed while it was down was applied at the
 * time it should have happened, and that no accepted job was lost.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BELL } from '../helpers/fixtures.js';
import { call, startServer, tempDir, writeConfig } from '../helpers/spawn-server.js';

const KEY = 'restart-test-admin-key-000';

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('restart after SIGKILL', () => {
  it('applies missed deadlines at their own time and loses no accepted job', async () => {
    const dir = tempDir();
    const env = {
      BERTH_DB: join(dir, 'db.sqlite'),
      BERTH_API_KEY: KEY,
      BERTH_CONFIG: writeConfig(dir, {
        backends: [
          { name: 'qpu', lanes: 1, qubits: 5, model: { jobOverheadMs: 1500, shotTimeMs: 0 } },
        ],
        ttl: { openTtlSeconds: 2 },
      }),
    };
    let server = await startServer(env);
    const api = (method: string, path: string, body?: unknown) =>
      call(server.url, KEY, method, path, body);
    const job = (session_id?: string) => ({
      program_id: 'sampler',
      backend: 'qpu',
      params: { pubs: [[BELL, null, 32]] },
      ...(session_id ? { session_id } : {}),
    });

    const dedicated = (
      await api('POST', '/api/v1/sessions', {
        mode: 'dedicated',
        backend: 'qpu',
        interactive_ttl: 1,
      })
    ).body.id;
    const a = (await api('POST', '/api/v1/jobs', job(dedicated))).body.id;
    const b = (await api('POST', '/api/v1/jobs', job(dedicated))).body.id;
    const c = (await api('POST', '/api/v1/jobs', job())).body.id;
    const idle = (await api('POST', '/api/v1/sessions', { mode: 'dedicated', backend: 'qpu' }))
      .body;
    // Kill once A's simulation result is committed: A now only holds the backend for its modeled time.
    await until('job A to have run', async () => {
      const logs = await fetch(`${server.url}/api/v1/jobs/${a}/logs`, {
        headers: { authorization: `Bearer ${KEY}` },
      });
      return (await logs.text()).includes('Ran ') ? true : undefined;
    });
    const started = (await api('GET', `/api/v1/jobs/${a}`)).body;
    expect(started.status).toBe('Running');
    expect((await api('GET', `/api/v1/jobs/${b}`)).body.status).toBe('Queued');
    server.child.kill('SIGKILL');
    expect(await server.exited).toBe('SIGKILL');

    await sleep(3000); // A's completion (start + 1.5 s) and the idle session's open_ttl (2 s) pass while down
    server = await startServer(env);

    const aDone = (await api('GET', `/api/v1/jobs/${a}`)).body;
    expect(aDone.status).toBe('Completed');
    expect(Date.parse(aDone.ended) - Date.parse(aDone.started)).toBe(1500);
    const idleNow = (await api('GET', `/api/v1/sessions/${idle.id}`)).body;
    expect(idleNow).toMatchObject({ state: 'closed', state_reason: 'open_ttl_expired' });
    expect(Date.parse(idleNow.closed_at) - Date.parse(idle.created_at)).toBe(2000);

    // Nothing accepted is lost: B runs next (the dedicated session kept its priority), then C.
    for (const id of [b, c]) {
      await until(`job ${id} to complete`, async () =>
        (await api('GET', `/api/v1/jobs/${id}`)).body.status === 'Completed' ? true : undefined,
      );
    }
    const bDone = (await api('GET', `/api/v1/jobs/${b}`)).body;
    const cDone = (await api('GET', `/api/v1/jobs/${c}`)).body;
    expect(Date.parse(cDone.started)).toBeGreaterThanOrEqual(Date.parse(bDone.ended));
    expect((await api('GET', `/api/v1/jobs/${a}/results`)).body.__type__).toBe('PrimitiveResult');
    const d = (await api('GET', `/api/v1/sessions/${dedicated}`)).body;
    expect(d.timestamps.map((t: { status: string }) => t.status)).toEqual([
      'open',
      'active',
      'inactive',
    ]);
    // It went inactive interactive_ttl after B ended, not when the server noticed.
    expect(Date.parse(d.timestamps[2].timestamp) - Date.parse(bDone.ended)).toBe(1000);
    server.child.kill('SIGTERM');
    await server.exited;
  }, 60_000);
});
