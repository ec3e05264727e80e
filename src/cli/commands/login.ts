/** `berth login` (save URL and token in the config file) and `berth config` (show the settings). */
import { existsSync } from 'node:fs';
import { BerthClient } from '../../client/index.js';
import { VERSION } from '../../version.js';
import { type Command, UsageError, flag, str } from '../command.js';
import { keyValues, printJson } from '../output.js';
import {
  DEFAULT_URL,
  type StoredSettings,
  configFilePath,
  readConfigFile,
  resolveSettings,
  writeConfigFile,
} from '../settings.js';

const login: Command = {
  path: 'login',
  summary: 'check a server URL and token and save them in the config file',
  options: {
    'no-check': { type: 'boolean', description: 'save without asking the server first' },
  },
  details: `Saves {url, token, instance} from --url, --token and --instance (the global options) in
the config file; --token - reads the token from stdin (keeps it out of the shell history). Without
--url the URL already in effect is kept (default ${DEFAULT_URL}). The token is never printed.`,
  examples: [
    'berth login --url http://quantum.lab:8000 --token "$BERTH_KEY"',
    'pass show berth | berth login --url https://berth.example.org --token -',
    'berth login --token "$KEY" --instance crn:v1:bluemix:public:quantum-computing:us-east:a/berth:class-101::',
  ],
  async run(ctx) {
    let token = str(ctx, 'token');
    if (token === '-') token = (await ctx.io.readStdin()).trim();
    if (!token) throw new UsageError('missing --token (or --token - to read it from stdin)');
    const path = configFilePath(ctx.io.env);
    let saved: StoredSettings = {};
    try {
      saved = readConfigFile(path);
    } catch {
      // a broken file is what login repairs
    }
    const url = str(ctx, 'url') ?? (ctx.io.env.BERTH_URL || saved.url || DEFAULT_URL);
    const instance = str(ctx, 'instance') ?? saved.instance;
    // Validates the URL the same way every other command does.
    const settings = resolveSettings({ url, token, instance }, { BERTH_CONFIG_FILE: path });
    if (!flag(ctx, 'no-check')) {
      const client = new BerthClient({
        url: settings.url,
        token,
        ...(instance ? { instance } : {}),
        userAgent: `berth-cli/${VERSION}`,
        retries: 2,
      });
      await client.usage();
    }
    writeConfigFile(path, { url: settings.url, token, ...(instance ? { instance } : {}) });
    ctx.io.err(
      `Saved ${settings.url}${instance ? ` (instance ${instance})` : ''} and the token in ${path}\n`,
    );
    return 0;
  },
};

const config: Command = {
  path: 'config',
  summary: 'show the connection settings in use and their sources (never the token)',
  json: true,
  examples: ['berth config', 'BERTH_URL=http://lab:8000 berth config --json'],
  async run(ctx) {
    const s = ctx.settings();
    const doc = {
      url: s.url,
      instance: s.instance ?? null,
      token_set: s.token !== undefined,
      sources: s.sources,
      config_file: s.configFile,
      config_file_exists: existsSync(s.configFile),
    };
    if (ctx.json) printJson(ctx.io, doc);
    else
      ctx.io.out(
        keyValues([
          ['url', `${s.url}  (${s.sources.url})`],
          ['token', s.token === undefined ? 'not set' : `set  (${s.sources.token})`],
          [
            'instance',
            s.instance === undefined ? 'key default' : `${s.instance}  (${s.sources.instance})`,
          ],
          ['config file', `${s.configFile}${doc.config_file_exists ? '' : '  (none)'}`],
        ]),
      );
    return 0;
  },
};

export const loginCommands: readonly Command[] = [login, config];
