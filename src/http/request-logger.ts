/**
 * What each request gets as `req.log`, made cheaply. Fastify gives every request a child of the
 * server's logger bound to its request id; pino builds that child (its bindings serialised) on
 * the spot, on every request, though most requests never log a line. Here the child is made the
 * first time the request logs, with the same bindings, so a request that logs nothing pays for
 * one small object. And request ids are a per-process random prefix and a counter, shaped like
 * a UUID: unique, without drawing random bytes per request.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'fastify/types/logger.js';

class LazyChild {
  private made: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get log(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }
  set level(level: string) {
    this.log.level = level;
  }
  fatal(...a: unknown[]): void {
    this.call('fatal', a);
  }
  error(...a: unknown[]): void {
    this.call('error', a);
  }
  warn(...a: unknown[]): void {
    this.call('warn', a);
  }
  info(...a: unknown[]): void {
    this.call('info', a);
  }
  debug(...a: unknown[]): void {
    this.call('debug', a);
  }
  trace(...a: unknown[]): void {
    this.call('trace', a);
  }
  silent(): void {}
  private call(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', a: unknown[]): void {
    const log = this.log;
    (log[level] as (...x: unknown[]) => void).apply(log, a);
  }
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.log.child(bindings, options);
  }
}

export const childLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) => new LazyChild(logger, bindings, options) as unknown as FastifyBaseLogger;

/** `xxxxxxxx-xxxx-4xxx-yxxx-` of a random UUID, then a 12-digit hex counter. */
export function requestIds(): () => string {
  const prefix = randomUUID().slice(0, 24);
  let n = 0;
  return () => prefix + (++n).toString(16).padStart(12, '0');
}
