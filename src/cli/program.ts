/**
 * The `berth` dispatcher: finds the command from the leading words, parses its options strictly
 * (node:util parseArgs), runs it and turns every failure into a documented exit code.
 */
import { parseArgs } from 'node:util';
import { BerthClient, BerthError } from '../client/index.js';
import { VERSION } from '../version.js';
import {
  CliError,
  type Command,
  type Context,
  EXIT,
  type OptionSpec,
  UsageError,
} from './command.js';
import { COMMANDS } from './commands/index.js';
import { GLOBAL_OPTIONS, SERVE_HELP, commandHelp, groupHelp, mainHelp } from './help.js';
import type { Io } from './output.js';
import { type Settings, resolveSettings } from './settings.js';

export interface Runtime {
  readonly io: Io;
  readonly signal: AbortSignal;
  /** `berth serve`, kept exactly as it was (it takes the raw arguments). */
  readonly serve: (args: string[]) => Promise<number>;
}

type ParseOptions = Record<
  string,
  { type: 'string' | 'boolean'; short?: string; multiple?: boolean }
>;

function parseOptions(specs: Readonly<Record<string, OptionSpec>>): ParseOptions {
  const out: ParseOptions = {};
  for (const [name, s] of Object.entries(specs))
    out[name] = {
      type: s.type,
      ...(s.short ? { short: s.short } : {}),
      ...(s.multiple ? { multiple: true } : {}),
    };
  return out;
}

const ALL_OPTIONS = parseOptions(
  Object.assign({}, GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options ?? {})) as Record<
    string,
    OptionSpec
  >,
);

const isGroup = (word: string): boolean => COMMANDS.some((c) => c.path.startsWith(`${word} `));

/** The command named by the leading words, and how many words it took. */
function resolve(words: readonly string[]): { command?: Command; used: number } {
  const [a, b] = words;
  const two = b !== undefined ? COMMANDS.find((c) => c.path === `${a} ${b}`) : undefined;
  if (two) return { command: two, used: 2 };
  const one = COMMANDS.find((c) => c.path === a);
  return one ? { command: one, used: 1 } : { used: 0 };
}

function helpFor(words: readonly string[]): string | undefined {
  if (!words.length) return mainHelp(COMMANDS);
  if (words[0] === 'serve') return SERVE_HELP;
  const { command, used } = resolve(words);
  if (command && used === 2) return commandHelp(command);
  if (words[0] && isGroup(words[0])) return groupHelp(words[0], COMMANDS);
  return command ? commandHelp(command) : undefined;
}

function unknown(words: readonly string[]): UsageError {
  const [a = '', b] = words;
  if (isGroup(a))
    return new UsageError(
      b === undefined
        ? `${a}: missing subcommand\n\n${groupHelp(a, COMMANDS)}`
        : `${a}: unknown subcommand "${b}"\n\n${groupHelp(a, COMMANDS)}`,
    );
  return new UsageError(`unknown command "${a}" (berth --help lists the commands)`);
}

export async function runCli(argv: string[], rt: Runtime): Promise<number> {
  const { io } = rt;
  const [first] = argv;
  if (first === '--version' || first === 'version' || first === '-V') {
    io.out(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (first === 'serve') {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.out(SERVE_HELP);
      return EXIT.ok;
    }
    return rt.serve(argv.slice(1));
  }
  let path = '';
  try {
    if (first === 'help') {
      const text = helpFor(argv.slice(1));
      if (text === undefined) throw unknown(argv.slice(1));
      io.out(text);
      return EXIT.ok;
    }
    if (first === undefined) {
      io.err(mainHelp(COMMANDS));
      return EXIT.usage;
    }
    // A lenient pass finds the command words; then a strict pass with that command's options.
    const loose = parseArgs({
      args: argv,
      options: ALL_OPTIONS,
      strict: false,
      allowPositionals: true,
    });
    const { command, used } = resolve(loose.positionals);
    if (loose.values.help === true) {
      const text = helpFor(loose.positionals);
      if (text === undefined) throw unknown(loose.positionals);
      io.out(text);
      return EXIT.ok;
    }
    if (
      !command ||
      (used === 1 && isGroup(command.path) && loose.positionals.length > 1 && !command.args?.length)
    )
      throw unknown(loose.positionals);
    path = command.path;
    const strict = (() => {
      try {
        return parseArgs({
          args: argv,
          options: parseOptions({ ...GLOBAL_OPTIONS, ...command.options }),
          strict: true,
          allowPositionals: true,
        });
      } catch (e) {
        throw optionError(e as Error, { ...GLOBAL_OPTIONS, ...command.options }, command.renamed);
      }
    })();
    const ctx = makeContext(command, strict.values, strict.positionals.slice(used), rt);
    return await command.run(ctx);
  } catch (e) {
    return report(e, io, path, rt.signal);
  }
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** The known option nearest to a mistyped one, if it is near enough to be what was meant. */
function nearestOption(given: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = name.startsWith(given) ? 0 : distance(given, name);
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(given.length / 3)) ? best.name : undefined;
}

/** parseArgs' complaint, in our words: an unknown option names the nearest known one. */
function optionError(
  e: Error,
  options: Readonly<Record<string, OptionSpec>>,
  renamed: Readonly<Record<string, string>> = {},
): UsageError {
  const unknownOption = /Unknown option '(-{1,2})([^']+)'/.exec(e.message);
  if (unknownOption) {
    const [, dashes = '--', name = ''] = unknownOption;
    const near = renamed[name] ?? nearestOption(name, Object.keys(options));
    return new UsageError(
      `unknown option ${dashes}${name}${near ? ` (did you mean --${near}?)` : ''}`,
    );
  }
  return new UsageError(e.message.split('\n')[0] ?? String(e));
}

function makeContext(
  command: Command,
  values: Record<string, string | boolean | (string | boolean)[] | undefined>,
  positionals: string[],
  rt: Runtime,
): Context {
  const names = command.args ?? [];
  const args: Record<string, string | undefined> = {};
  names.forEach((n, i) => {
    const name = n.replace(/\?$/, '');
    const v = positionals[i];
    if (v === undefined && !n.endsWith('?')) throw new UsageError(`missing ${name}`);
    args[name] = v;
  });
  if (positionals.length > names.length)
    throw new UsageError(`unexpected argument "${positionals[names.length] ?? ''}"`);
  let settings: Settings | undefined;
  let client: BerthClient | undefined;
  const getSettings = (): Settings =>
    (settings ??= resolveSettings(
      {
        url: typeof values.url === 'string' ? values.url : undefined,
        token: typeof values.token === 'string' ? values.token : undefined,
        instance: typeof values.instance === 'string' ? values.instance : undefined,
      },
      rt.io.env,
    ));
  return {
    args,
    opts: values as Context['opts'],
    json: values.json === true,
    io: rt.io,
    signal: rt.signal,
    settings: getSettings,
    client: () => {
      const s = getSettings();
      return (client ??= new BerthClient({
        url: s.url,
        token: s.token ?? '',
        ...(s.instance ? { instance: s.instance } : {}),
        userAgent: `berth-cli/${VERSION}`,
        // Fail fast when nothing listens (exit 6) rather than back off for seconds.
        retries: 2,
      }));
    },
  };
}

/** The server part of a request URL (what --url set), for messages. */
function serverOf(url: string | null): string {
  if (!url) return 'the configured URL';
  const m = /\/(api|admin|identity)\//.exec(url);
  return m ? url.slice(0, m.index) : url;
}

/** Print the error and pick the exit code. */
function report(e: unknown, io: Io, path: string, signal: AbortSignal): number {
  if (signal.aborted) return EXIT.interrupted;
  if (e instanceof UsageError) {
    io.err(
      `berth: ${e.message}\n${path ? `(berth help ${path} shows its usage and examples)\n` : ''}`,
    );
    return EXIT.usage;
  }
  if (e instanceof CliError) {
    io.err(`berth: ${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof BerthError) {
    const code =
      e.status === 0
        ? EXIT.connect
        : e.status === 404
          ? EXIT.notFound
          : e.status === 401 || e.status === 403
            ? EXIT.auth
            : EXIT.api;
    if (e.status === 0) {
      io.err(
        `berth: cannot reach the server at ${serverOf(e.url)}: is it running? (--url, BERTH_URL)\n` +
          `berth: ${e.message}\n`,
      );
      return code;
    }
    const detail = ` (HTTP ${e.status} ${e.code}${e.requestId ? `, request ${e.requestId}` : ''})`;
    io.err(`berth: ${e.message}${detail}\n`);
    if (e.status === 401) io.err('berth: check the token (--token, BERTH_TOKEN or berth login)\n');
    return code;
  }
  io.err(`berth: ${(e as Error)?.message ?? String(e)}\n`);
  return EXIT.failed;
}
