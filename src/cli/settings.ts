/**
 * Connection settings of the `berth` client commands: flags > BERTH_URL/BERTH_TOKEN/BERTH_INSTANCE
 * > the config file (`berth login` writes it) > the default URL. The token is never printed.
 *
 * (BERTH_CONFIG is the server's configuration file; the CLI's file is BERTH_CONFIG_FILE.)
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT } from './command.js';

export const DEFAULT_URL = 'http://127.0.0.1:8000';

export type Source = 'flag' | 'env' | 'config file' | 'default' | 'unset';

export interface StoredSettings {
  url?: string;
  token?: string;
  instance?: string;
}

export interface Settings {
  readonly url: string;
  readonly token: string | undefined;
  readonly instance: string | undefined;
  readonly sources: { readonly url: Source; readonly token: Source; readonly instance: Source };
  readonly configFile: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** `$BERTH_CONFIG_FILE`, else `$XDG_CONFIG_HOME/berth/config.json`, else `~/.config/berth/config.json`. */
export function configFilePath(env: Env): string {
  if (env.BERTH_CONFIG_FILE) return env.BERTH_CONFIG_FILE;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'berth', 'config.json');
}

/** The config file's settings; `{}` when there is none. A broken file is a usage error (exit 2). */
export function readConfigFile(path: string): StoredSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(EXIT.usage, `cannot read ${path}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new CliError(EXIT.usage, `${path} is not valid JSON`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new CliError(EXIT.usage, `${path} must hold a JSON object {url, token, instance}`);
  const out: StoredSettings = {};
  for (const key of ['url', 'token', 'instance'] as const) {
    const v = (doc as Record<string, unknown>)[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new CliError(EXIT.usage, `${path}: "${key}" must be a string`);
    out[key] = v;
  }
  return out;
}

/** Write the config file with mode 0600 (its directory 0700 when created). */
export function writeConfigFile(path: string, settings: StoredSettings): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its old mode on write
}

export interface SettingFlags {
  url?: string | undefined;
  token?: string | undefined;
  instance?: string | undefined;
}

export function resolveSettings(flags: SettingFlags, env: Env): Settings {
  const configFile = configFilePath(env);
  let file: StoredSettings | undefined;
  const pick = (
    key: keyof StoredSettings,
    envName: string,
  ): { value: string | undefined; source: Source } => {
    const f = flags[key];
    if (f) return { value: f, source: 'flag' };
    const e = env[envName];
    if (e) return { value: e, source: 'env' };
    file ??= readConfigFile(configFile);
    const c = file[key];
    if (c) return { value: c, source: 'config file' };
    return { value: undefined, source: 'unset' };
  };
  const url = pick('url', 'BERTH_URL');
  const token = pick('token', 'BERTH_TOKEN');
  const instance = pick('instance', 'BERTH_INSTANCE');
  const base = (url.value ?? DEFAULT_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(base))
    throw new CliError(
      EXIT.usage,
      `the server URL must start with http:// or https:// (got "${base}")`,
    );
  return {
    url: base,
    token: token.value,
    instance: instance.value,
    sources: {
      url: url.value === undefined ? 'default' : url.source,
      token: token.source,
      instance: instance.source,
    },
    configFile,
  };
}
