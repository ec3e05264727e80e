/**
 * `berth keys` and `berth instances` against a real server, and the authentication exit code 4.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_KEY, type Run, berth, client, startFileServer, tempDir } from './helpers.js';
import { writeConfig } from '../helpers/spawn-server.js';

let url = '';
let admin: ReturnType<typeof client>;

const CLASS_101 = 'crn:v1:bluemix:public:quantum-computing:us-east:a/berth:class-101::';

beforeAll(async () => {
  const config = writeConfig(tempDir(), {
    instances: [
      { id: 'crn:v1:bluemix:public:quantum-computing:us-east:a/berth:default::', name: 'default' },
      { id: CLASS_101, name: 'class-101' },
    ],
  });
  url = await startFileServer({ BERTH_CONFIG: config });
  admin = client(url, ADMIN_KEY);
});

const json = (r: Run): any => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe('berth keys and instances', () => {
  it('creates, lists and revokes a key; a revoked key gets exit 4', async () => {
    const created = json(await admin(['keys', 'create', 'alice', '--expires-in', '30d', '--json']));
    expect(created).toMatchObject({ name: 'alice', admin: false });
    expect(created.key).toEqual(expect.any(String));
    const alice = client(url, created.key);
    expect((await alice(['backends'])).code).toBe(0);

    const listed = await admin(['keys', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+USER\s+ADMIN/);
    expect(listed.stdout).toContain(created.id);
    expect(listed.stdout).not.toContain(created.key);
    expect(json(await admin(['keys', 'list', '--json'])).keys.map((k: any) => k.name)).toContain(
      'alice',
    );

    const revoked = await admin(['keys', 'revoke', created.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const denied = await alice(['backends']);
    expect(denied.code).toBe(4);
    expect(denied.stderr).toContain('401');
    expect(denied.stderr).not.toContain(created.key);
  });

  it('keys create -q prints only the key; the human form shows it once with its details', async () => {
    const quiet = await admin(['keys', 'create', 'bob', '-q']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout.trim()).toMatch(/^\S+$/);
    const human = await admin(['keys', 'create', 'carol']);
    expect(human.stdout).toMatch(/name:\s+carol/);
    expect(human.stdout).toContain('shown only this once');
  });

  it('a key that is not an administrator gets exit 4 on /admin; an unknown key id exit 3', async () => {
    const key = (await admin(['keys', 'create', 'dave', '-q'])).stdout.trim();
    const r = await client(url, key)(['keys', 'list']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('403');
    const missing = await admin(['keys', 'revoke', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(3);
  });

  it('makes a key in the instances --instance names, and refuses the options it does not know', async () => {
    const s1 = json(await admin(['keys', 'create', 's1', '--instance', 'class-101', '--json']));
    expect(s1.instances).toEqual([CLASS_101]);
    const both = json(
      await admin([
        'keys',
        'create',
        's2',
        '--instance',
        'class-101',
        '--instance',
        'default',
        '--json',
      ]),
    );
    expect(both.instances).toEqual([
      CLASS_101,
      'crn:v1:bluemix:public:quantum-computing:us-east:a/berth:default::',
    ]);
    for (const wrong of ['--instances', '--for']) {
      const r = await admin(['keys', 'create', 's3', wrong, 'class-101']);
      expect(r.code, wrong).toBe(2);
      expect(r.stderr, wrong).toContain('--instance');
    }
    const names = json(await admin(['keys', 'list', '--json'])).keys.map(
      (k: { name: string }) => k.name,
    );
    expect(names).not.toContain('s3');
  });

  it('names instances by their short name (--instance) and shows an admin key acting everywhere', async () => {
    const created = json(
      await admin(['keys', 'create', 'erin', '--instance', 'default', '--json']),
    );
    expect(created.instances).toEqual([
      'crn:v1:bluemix:public:quantum-computing:us-east:a/berth:default::',
    ]);
    const erin = client(url, created.key);
    const usage = json(await erin(['usage', '--instance', 'default', '--json']));
    expect(usage.instance_id).toBe(created.instances[0]);
    // A key that is not an administrator's sees its own user's part only.
    expect(usage.users).toEqual([{ user_id: 'erin', usage_consumed_seconds: 0 }]);
    expect((await erin(['usage', '--instance', 'default'])).stdout).toMatch(
      /USER\s+CONSUMED\n\s*erin\s+0/,
    );
    const unknown = await erin(['usage', '--instance', 'class-999']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain(
      'No instance class-999 (Service-CRN); this key may use: default',
    );
    const listed = await admin(['keys', 'list']);
    expect(listed.stdout).toMatch(/\badmin\s+admin\s+yes\s+every instance \(admin\)/);
  });

  it('a wrong token is exit 4 with a hint', async () => {
    const r = await client(url, 'not-a-real-key-at-all')(['sessions', 'list']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('check the token');
  });

  it('instances list: a table, and JSON with --json', async () => {
    const table = await admin(['instances', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+SHARE/);
    expect(table.stdout).toContain('default');
    const doc = json(await admin(['instances', 'list', '--json']));
    expect(doc.instances[0].id).toContain('crn:');
  });

  it('login checks the token with the server before saving it; later commands use the file', async () => {
    const file = join(tempDir(), 'config.json');
    const env = { BERTH_CONFIG_FILE: file };
    const wrong = await berth(['login', '--url', url, '--token', 'wrong-key-0123456789'], { env });
    expect(wrong.code).toBe(4);
    expect(existsSync(file)).toBe(false);
    const ok = await berth(['login', '--url', url, '--token', ADMIN_KEY], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ url, token: ADMIN_KEY });
    expect(ok.stdout + ok.stderr).not.toContain(ADMIN_KEY);
    expect((await berth(['keys', 'list'], { env })).code).toBe(0);
  });
});
