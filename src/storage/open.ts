/** Open the store BERTH_DB names: a PostgreSQL URL, or else a SQLite file (or :memory:). */
import type { Store, WebhookStore } from '../app/ports.js';
import { isPostgresUrl } from '../config/config.js';
import type { Clock } from '../domain/clock.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

/** A store with its webhook tables (the same database and connection). */
export type OpenedStore = Store & { webhooks(): WebhookStore };

export async function openStore(
  db: string,
  options: {
    readonly synchronous: 'normal' | 'full';
    readonly clock: Clock;
    readonly nodeId: string;
  },
): Promise<OpenedStore> {
  if (isPostgresUrl(db))
    return PostgresStore.open({
      url: db,
      clock: options.clock,
      applicationName: `berth:${options.nodeId}`,
    });
  return new SqliteStore({ path: db, synchronous: options.synchronous, clock: options.clock });
}
