/**
 * The command line without a server: help, version, usage errors (exit 2), connection settings
 * and their precedence, `berth login`, and exit 6 when nothing listens.
 */
import { statSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { berth, tempDir } from './helpers.js';

/** A port that was free a moment ago: nothing listens there. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('berth help and usage errors', () => {
  it('--help lists every command, the exit codes and the settings precedence', async () => {
    const r = await berth(['--help']);
    expect(r.code).toBe(0);
    for (const c of [
      'serve',
      'login',
      'run FILE',
      'backends status NAME',
      'sessions watch ID',
      'jobs wait ID',
      'jobs result ID',
      'keys create NAME',
      'keys revoke ID',
      'instances list',
    ])
      expect(r.stdout).toContain(c);
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*6\s+cannot connect/);
    expect(r.stdout).toContain('BERTH_CONFIG_FILE');
  });

  it('every command has its own help with examples, by `help CMD` and by `CMD --help`', async () => {
    const [a, b, group] = await Promise.all([
      berth(['help', 'jobs', 'wait']),
      berth(['jobs', 'wait', '--help']),
      berth(['help', 'sessions']),
    ]);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('Usage: berth jobs wait ID');
    expect(a.stdout).toMatch(/Examples:\n {2}berth jobs wait/);
    expect(b.stdout).toBe(a.stdout);
    expect(group.stdout).toContain('berth sessions watch ID');
    expect(group.stdout).toContain('e.g. berth sessions create --backend');
  });

  it('--version prints the package version', async () => {
    const r = await berth(['--version']);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('exit 2 for an unknown command, subcommand or option, or a missing argument', async () => {
    const runs = await Promise.all([
      berth(['frobnicate']),
      berth(['jobs', 'explode']),
      berth(['sessions']),
      berth(['jobs', 'get']),
      berth(['backends', '--colour']),
      berth(['jobs', 'list', '--limit', 'many']),
      berth(['sessions', 'create', '--mode', 'solo']),
      berth(['jobs', 'get', 'a', 'b']),
      berth([]),
      berth(['jobs', 'list', '--pendng']),
    ]);
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
    }
    expect(runs[0]?.stderr).toContain('unknown command "frobnicate"');
    expect(runs[1]?.stderr).toContain('unknown subcommand "explode"');
    expect(runs[3]?.stderr).toContain('missing ID');
    expect(runs[4]?.stderr).toContain('unknown option --colour\n');
    expect(runs[5]?.stderr).toContain('--limit must be an integer');
    expect(runs[6]?.stderr).toContain('--mode must be one of dedicated, batch');
    expect(runs[7]?.stderr).toContain('unexpected argument "b"');
    expect(runs[9]?.stderr).toContain('unknown option --pendng (did you mean --pending?)');
  });

  it('exit 6 when nothing listens at the URL', async () => {
    const port = await closedPort();
    const r = await berth(['backends', '--url', `http://127.0.0.1:${port}`, '--token', 'k']);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(
      `berth: cannot reach the server at http://127.0.0.1:${port}: is it running? (--url, BERTH_URL)\n`,
    );
  });
});

describe('connection settings', () => {
  it('flags > environment > config file > default, and the token is never printed', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.json');
    const env = { BERTH_CONFIG_FILE: file };
    const show = async (args: string[], extra: Record<string, string> = {}) => {
      const r = await berth(['config', '--json', ...args], { env: { ...env, ...extra } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(/secret-(file|env|flag)/);
      return JSON.parse(r.stdout);
    };
    expect(await show([])).toMatchObject({
      url: 'http://127.0.0.1:8000',
      token_set: false,
      sources: { url: 'default', token: 'unset' },
      config_file: file,
    });
    writeFileSync(
      file,
      JSON.stringify({ url: 'http://file:1', token: 'secret-file', instance: 'crn-file' }),
    );
    expect(await show([])).toMatchObject({
      url: 'http://file:1',
      instance: 'crn-file',
      token_set: true,
      sources: { url: 'config file', token: 'config file', instance: 'config file' },
    });
    const fromEnv = { BERTH_URL: 'http://env:2', BERTH_TOKEN: 'secret-env' };
    expect(await show([], fromEnv)).toMatchObject({
      url: 'http://env:2',
      instance: 'crn-file',
      sources: { url: 'env', token: 'env', instance: 'config file' },
    });
    expect(
      await show(['--url', 'http://flag:3/', '--token', 'secret-flag'], fromEnv),
    ).toMatchObject({
      url: 'http://flag:3',
      sources: { url: 'flag', token: 'flag' },
    });
    // Human output names the sources, never the token.
    const human = await berth(['config'], { env: { ...env, ...fromEnv } });
    expect(human.stdout).toMatch(/token:\s+set {2}\(env\)/);
    expect(human.stdout).not.toContain('secret');
  });

  it('the XDG config location is used without BERTH_CONFIG_FILE', async () => {
    const xdg = tempDir();
    const r = await berth(['config', '--json'], { env: { XDG_CONFIG_HOME: xdg } });
    expect(JSON.parse(r.stdout).config_file).toBe(join(xdg, 'berth', 'config.json'));
  });

  it('a broken config file is a usage error naming the file', async () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, '{nope');
    const r = await berth(['backends'], { env: { BERTH_CONFIG_FILE: file } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file} is not valid JSON`);
  });

  it('login writes the config file with mode 0600 and the token from stdin', async () => {
    const file = join(tempDir(), 'sub', 'config.json');
    const r = await berth(
      [
        'login',
        '--url',
        'http://lab.example:8000',
        '--token',
        '-',
        '--instance',
        'crn-x',
        '--no-check',
      ],
      { env: { BERTH_CONFIG_FILE: file }, input: 'secret-stdin\n' },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('secret-stdin');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      url: 'http://lab.example:8000',
      token: 'secret-stdin',
      instance: 'crn-x',
    });
    const missing = await berth(['login', '--no-check'], { env: { BERTH_CONFIG_FILE: file } });
    expect(missing.code).toBe(2);
  });
});
