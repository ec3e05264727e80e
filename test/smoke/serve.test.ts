/**
 * The real command: configuration errors, the generated admin key, a few requests, and a
 * graceful SIGTERM.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BELL } from '../helpers/fixtures.js';
import { call, startServer, tempDir, writeConfig } from '../helpers/spawn-server.js';

describe('berth serve', () => {
  it('refuses invalid configuration with one message listing every problem', () => {
    const dir = tempDir();
    const config = writeConfig(dir, {
      backends: [
        { name: 'x', lanes: 0 },
        { name: 'x', qubits: 2, couplingMap: [[0, 5]] },
      ],
    });
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      env: {
        ...process.env,
        BERTH_CONFIG: config,
        BERTH_PORT: 'eighty',
        BERTH_DB: join(dir, 'db.sqlite'),
      },
      encoding: 'utf8',
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('invalid configuration');
    expect(res.stderr).toContain('BERTH_PORT=eighty');
    expect(res.stderr).toContain('/backends/0/lanes');
    expect(res.stdout).toBe('');
  });

  it('generates an admin key on first start, prints it once, serves with it, and stops on SIGTERM', async () => {
    const dir = tempDir();
    const db = join(dir, 'db.sqlite');
    const server = await startServer({ BERTH_DB: db });
    const m = /shown only this once:\s+(berth_\S+)/.exec(server.stderr());
    expect(server.stderr()).toContain(`export BERTH_TOKEN=${m?.[1]}`);
    expect(m).not.toBeNull();
    const key = m?.[1] ?? '';
    expect(server.stdout()).not.toContain(key);
    expect(
      (await call(server.url, key, 'GET', '/api/v1/backends')).body.devices.map(
        (d: { name: string }) => d.name,
      ),
    ).toEqual(['berth_manila', 'berth_manila_ideal', 'berth_sim']);
    const s = await call(server.url, key, 'POST', '/api/v1/sessions', {
      mode: 'batch',
      backend: 'berth_sim',
    });
    expect(s.status).toBe(200);
    const j = await call(server.url, key, 'POST', '/api/v1/jobs', {
      program_id: 'sampler',
      session_id: s.body.id,
      params: { pubs: [[BELL, null, 64]] },
    });
    expect(j.status).toBe(200);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toContain('"msg":"stopped"');

    // Second start on the same database: the key still works and no new key is generated.
    const again = await startServer({ BERTH_DB: db });
    expect(again.stderr()).not.toContain('shown only this once');
    // It says where the keys are and how to get in when the key is lost.
    expect(again.stderr()).toContain(`using the administrator keys already in ${db}`);
    expect(again.stderr()).toContain('lost the key? Start with BERTH_API_KEY=');
    expect((await call(again.url, key, 'GET', `/api/v1/jobs/${j.body.id}`)).status).toBe(200);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);

    // Recovery as it says: a new BERTH_API_KEY is added; the old key keeps working.
    const recovered = await startServer({
      BERTH_DB: db,
      BERTH_API_KEY: 'a-new-admin-key-0123456789',
    });
    expect(
      (await call(recovered.url, 'a-new-admin-key-0123456789', 'GET', '/admin/keys')).status,
    ).toBe(200);
    expect((await call(recovered.url, key, 'GET', '/admin/keys')).status).toBe(200);
    recovered.child.kill('SIGTERM');
    expect(await recovered.exited).toBe(0);
  });
});
