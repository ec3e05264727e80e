/**
 * What a `berth` subcommand is: its words, arguments, options, help and examples, and a `run`
 * that gets a parsed context. Also the exit codes scripts rely on and how errors map to them.
 */
import type { BerthClient } from '../client/index.js';
import type { Io } from './output.js';
import type { Settings } from './settings.js';

/** Exit codes (documented in `berth --help` and docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** The job or operation failed or was cancelled. */
  failed: 1,
  /** Unknown command or option, missing or invalid argument. */
  usage: 2,
  /** 404: no such session, job, backend, key. */
  notFound: 3,
  /** 401/403: missing, wrong or revoked token, or not allowed. */
  auth: 4,
  /** Any other API error (4xx/5xx). */
  api: 5,
  /** Cannot connect to the server. */
  connect: 6,
  /** Interrupted (Ctrl-C), as shells report SIGINT. */
  interrupted: 130,
} as const;

/** A problem with the command line itself: exit 2, with a pointer to the command's help. */
export class UsageError extends Error {}

/** A failure with a chosen exit code and a message for stderr. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Placeholder shown in help, e.g. `N` for `--shots N`. */
  readonly value?: string;
  readonly description: string;
}

export type OptionValues = Readonly<Record<string, string | boolean | string[] | undefined>>;

export interface Context {
  /** Positional arguments by their names in `Command.args`. */
  readonly args: Readonly<Record<string, string | undefined>>;
  readonly opts: OptionValues;
  readonly json: boolean;
  readonly io: Io;
  readonly settings: () => Settings;
  readonly client: () => BerthClient;
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal;
}

export interface Command {
  /** The words that select it: `jobs wait`. */
  readonly path: string;
  readonly summary: string;
  /** Positional argument names: `ID`, optional `NAME?`. */
  readonly args?: readonly string[];
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** Extra paragraphs for the command's own help. */
  readonly details?: string;
  /** At least one; shown in `berth help <command>`. */
  readonly examples: readonly string[];
  /** Whether `--json` changes the output (listed in help). */
  readonly json?: boolean;
  /** Options it had under another name: an error names the new one. */
  readonly renamed?: Readonly<Record<string, string>>;
  run(ctx: Context): Promise<number>;
}

/** A string option, or undefined. */
export function str(ctx: Context, name: string): string | undefined {
  const v = ctx.opts[name];
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable string option (each value may also hold a comma-separated list). */
export function list(ctx: Context, name: string): string[] {
  const v = ctx.opts[name];
  const all = Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  return all.flatMap((s) => s.split(',')).filter((s) => s !== '');
}

export function flag(ctx: Context, name: string): boolean {
  return ctx.opts[name] === true;
}

/** An integer option within bounds, or undefined when absent. */
export function int(ctx: Context, name: string, min: number, max: number): number | undefined {
  const v = str(ctx, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got "${v}")`);
  return n;
}

/** One of the allowed values, or undefined when absent. */
export function choice<T extends string>(
  ctx: Context,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const v = str(ctx, name);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v))
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')} (got "${v}")`);
  return v as T;
}

/**
 * Seconds from `90`, `90s`, `15m`, `8h` or `30d`; undefined when absent.
 */
export function seconds(ctx: Context, name: string): number | undefined {
  const v = str(ctx, name);
  if (v === undefined) return undefined;
  const m = /^(\d+)([smhd]?)$/.exec(v);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m?.[2] ?? ''];
  const n = m && unit ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(
      `--${name} must be a positive duration such as 600, 15m, 8h or 30d (got "${v}")`,
    );
  return n;
}

/** A required positional argument (presence is checked by the parser). */
export function arg(ctx: Context, name: string): string {
  const v = ctx.args[name];
  if (v === undefined) throw new UsageError(`missing ${name}`);
  return v;
}
