/** Help texts: the overview (`berth --help`), a group (`berth help jobs`) and one command. */
import { VERSION } from '../version.js';
import type { Command, OptionSpec } from './command.js';

export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  url: {
    type: 'string',
    value: 'URL',
    description: 'server URL (BERTH_URL; default http://127.0.0.1:8000)',
  },
  token: { type: 'string', value: 'TOKEN', description: 'API key or access token (BERTH_TOKEN)' },
  instance: {
    type: 'string',
    value: 'INSTANCE',
    description: 'instance to act in, by name or CRN (BERTH_INSTANCE)',
  },
  json: { type: 'boolean', description: 'print the raw JSON document on stdout, for scripts' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

export const SERVE_HELP = `berth serve — start the server (API, scheduler and simulator workers)

Usage: berth serve

Takes no arguments: the server is configured with environment variables (BERTH_HOST, BERTH_PORT,
BERTH_DB, BERTH_API_KEY, BERTH_CONFIG, BERTH_LOG_LEVEL, BERTH_SIM_THREADS, BERTH_DB_SYNC,
BERTH_SHUTDOWN_GRACE_MS); see the README. SIGTERM or Ctrl-C stops it gracefully.

Examples:
  BERTH_API_KEY=my-long-admin-key-123 berth serve
  BERTH_PORT=9000 BERTH_DB=/var/lib/berth/berth.db berth serve
`;

const EXIT_CODES = `Exit codes:
  0    success
  1    the job or operation failed or was cancelled (e.g. jobs wait on a Failed job)
  2    usage error: unknown command or option, missing or invalid argument
  3    not found (HTTP 404)
  4    authentication or permission (HTTP 401/403)
  5    other API error (HTTP 4xx/5xx)
  6    cannot connect to the server
  130  interrupted (Ctrl-C)`;

const SETTINGS = `Connection settings, first found wins:
  --url / --token / --instance flags
  BERTH_URL / BERTH_TOKEN / BERTH_INSTANCE environment variables
  the config file written by berth login: $BERTH_CONFIG_FILE, else
    $XDG_CONFIG_HOME/berth/config.json, else ~/.config/berth/config.json
  the default URL http://127.0.0.1:8000`;

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const rows = Object.entries(options).map(([name, o]) => {
    const left = `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}${o.multiple ? ' …' : ''}`;
    return [left, o.description] as const;
  });
  const w = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, d]) => `  ${l.padEnd(w)}  ${d}`);
}

export function usageLine(c: Command): string {
  const args = (c.args ?? []).map((a) => (a.endsWith('?') ? `[${a.slice(0, -1)}]` : a));
  const opts = Object.keys(c.options ?? {}).length ? ' [options]' : '';
  return `berth ${[c.path, ...args].join(' ')}${opts}`;
}

/** The overview: every command with its summary. */
export function mainHelp(commands: readonly Command[]): string {
  const rows = [
    ['serve', 'start the server (API, scheduler and simulator workers)'] as const,
    ...commands.map(
      (c) =>
        [
          usageLine(c)
            .replace(/^berth /, '')
            .replace(/ \[options\]$/, ''),
          c.summary,
        ] as const,
    ),
  ];
  const w = Math.max(...rows.map(([l]) => l.length));
  return `berth ${VERSION} — a self-hostable Qiskit Runtime service, and its command line

Usage: berth <command> [arguments] [options]

Commands:
${rows.map(([l, s]) => `  ${l.padEnd(w)}  ${s}`).join('\n')}

Global options (every client command):
${optionLines(GLOBAL_OPTIONS).join('\n')}
  --version       print the version

${SETTINGS}

${EXIT_CODES}

Examples:
  berth login --url http://quantum.lab:8000 --token "$KEY"
  berth backends
  berth run bell.qasm --backend berth_sim --shots 1000
  berth jobs list --pending --json | jq -r '.jobs[].id'
  berth help jobs wait        (every command's options and examples)
`;
}

/** A group's commands with their first example. */
export function groupHelp(group: string, commands: readonly Command[]): string {
  const mine = commands.filter((c) => c.path === group || c.path.startsWith(`${group} `));
  return `${mine
    .map((c) => `${usageLine(c)}\n    ${c.summary}\n    e.g. ${c.examples[0] ?? ''}`)
    .join(
      '\n\n',
    )}\n\nMore: berth help ${group} <command>.  Exit codes and settings: berth --help.\n`;
}

export function commandHelp(c: Command): string {
  const parts = [`berth ${c.path} — ${c.summary}`, `Usage: ${usageLine(c)}`];
  if (c.details) parts.push(c.details.trim());
  if (c.options && Object.keys(c.options).length)
    parts.push(`Options:\n${optionLines(c.options).join('\n')}`);
  parts.push(
    `Global options: --url, --token, --instance${c.json ? ', --json (raw JSON on stdout)' : ''}; exit codes and settings: berth --help`,
  );
  parts.push(`Examples:\n${c.examples.map((e) => `  ${e}`).join('\n')}`);
  return parts.join('\n\n') + '\n';
}
