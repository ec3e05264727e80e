/**
 * The SDK's event stream across a real server restart (SIGKILL, then a new process on the same
 * port and database): the stream reconnects with Last-Event-ID and misses nothing, including
 * what happened while it was disconnected.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BerthClient, type BerthEvent } from '../../src/client/index.js';
import { startServer, tempDir } from '../helpers/spawn-server.js';
import { ADMIN_KEY, bellParams, freePort, startProxy } from './helpers.js';

const completed = (events: BerthEvent[], jobId: string): boolean =>
  events.some(
    (e) => e.type === 'job.state_changed' && e.data.id === jobId && e.data.status === 'Completed',
  );

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('@berth/client across a server restart', () => {
  it('resumes a session stream after SIGKILL and a restart, without a gap or a repeat', async () => {
    const dir = tempDir();
    const port = String(await freePort());
    const env = { BERTH_API_KEY: ADMIN_KEY, BERTH_DB: join(dir, 'berth.db'), BERTH_PORT: port };
    const first = await startServer(env);
    // The client goes through a proxy, which can keep it away from the new server for a while.
    let blocked = false;
    const proxy = await startProxy(first.url, () => (blocked ? 'destroy' : 'forward'));
    const client = new BerthClient({ url: proxy.url, token: ADMIN_KEY });
    const direct = new BerthClient({ url: first.url, token: ADMIN_KEY });

    const session = await client.session({ backend: 'berth_manila' });
    const live: BerthEvent[] = [];
    const controller = new AbortController();
    const following = (async () => {
      for await (const e of session.events({ signal: controller.signal })) live.push(e);
    })();

    const quick = await session.run('sampler', bellParams(100));
    await until(() => completed(live, quick.id));
    // A long job (the modeled hold of berth_manila: 100 ms + 0.1 ms per shot) and one queued
    // behind it: the server dies while the first runs.
    const long = await session.run('sampler', bellParams(30_000));
    const queued = await session.run('sampler', bellParams(100));
    await until(() =>
      live.some(
        (e) =>
          e.type === 'job.state_changed' && e.data.id === long.id && e.data.status === 'Running',
      ),
    );
    blocked = true;
    first.child.kill('SIGKILL');
    await first.exited;

    // The new process starts the long job again and takes one more job while the client cannot
    // reach it: all of that, and what follows, must reach the client once it can.
    await startServer(env);
    const late = await direct.sessions.get(session.id).then(() =>
      direct.jobs.submit({
        programId: 'sampler',
        backend: 'berth_manila',
        sessionId: session.id,
        params: bellParams(10),
      }),
    );
    expect(live.some((e) => e.type === 'job.state_changed' && e.data.id === late.id)).toBe(false);
    blocked = false;
    await until(() => completed(live, late.id) && completed(live, long.id), 30_000);
    controller.abort();
    await following;

    // The whole history, read afresh from the log, is exactly what the live stream saw.
    const replay: BerthEvent[] = [];
    for await (const e of client.sessions.events(session.id, { after: 0 })) {
      replay.push(e);
      if (e.id === live.at(-1)?.id) break;
    }
    expect(live.map((e) => e.id)).toEqual(replay.map((e) => e.id));
    const ids = live.map((e) => Number(e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(completed(live, long.id) && completed(live, queued.id)).toBe(true);
    // The client reconnected (more than one stream request) and said where it had stopped.
    const streams = proxy.seen.filter((r) =>
      r.url.startsWith(`/api/v1/sessions/${session.id}/events`),
    );
    expect(streams.length).toBeGreaterThan(1);
    expect(streams.at(-1)?.headers['last-event-id']).toMatch(/^\d+$/);
  }, 60_000);
});
