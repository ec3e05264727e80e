/**
 * The SDK's event streams against a real, listening Berth (GET /api/v1/events,
 * /sessions/{id}/events, /jobs/{id}/events): these need the server's event routes.
 */
import { describe, expect, it } from 'vitest';
import { BerthClient, type BerthEvent, type JobStatus, countsOf } from '../../src/client/index.js';
import { ADMIN_KEY, bellParams, berth, pathOf, startProxy } from './helpers.js';

const statusesOf = (events: BerthEvent[], jobId: string): JobStatus[] =>
  events.flatMap((e) =>
    e.type === 'job.state_changed' && e.data.id === jobId ? [e.data.state.status] : [],
  );

/** Collect from an iterable until `stop` says so (then leave the loop). */
async function collect(
  iterable: AsyncIterable<BerthEvent>,
  stop: (e: BerthEvent, all: BerthEvent[]) => boolean = () => false,
): Promise<BerthEvent[]> {
  const all: BerthEvent[] = [];
  for await (const e of iterable) {
    all.push(e);
    if (stop(e, all)) break;
  }
  return all;
}

describe('@berth/client event streams', () => {
  it("replays a job's events and ends after its final state", async () => {
    const { client } = await berth();
    const c = client();
    const job = await c.jobs.submit({
      programId: 'sampler',
      backend: 'berth_sim',
      params: bellParams(100),
    });
    const events = await collect(c.jobs.events(job.id));
    expect(statusesOf(events, job.id)).toEqual(['Queued', 'Running', 'Completed']);
    const logs = events.filter((e) => e.type === 'job.log');
    expect(logs.length).toBeGreaterThan(0);
    const first = events[0];
    expect(first).toMatchObject({ type: 'job.log', data: { job_id: job.id } });
    for (const e of events) {
      expect(e.id).toMatch(/^\d+$/);
      expect(e.created).toMatch(/Z$/);
    }
    const ids = events.map((e) => Number(e.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const last = events.at(-1);
    expect(last?.type === 'job.state_changed' && last.data.status).toBe('Completed');

    // Resuming after an id gives only what came later; after the last, nothing (and it ends).
    const middle = events[1]?.id ?? '0';
    const rest = await collect(c.jobs.events(job.id, { after: middle }));
    expect(rest.map((e) => e.id)).toEqual(events.slice(2).map((e) => e.id));
    expect(await collect(c.jobs.events(job.id, { after: last?.id }))).toEqual([]);
    // Only some types.
    const states = await collect(c.jobs.events(job.id, { types: ['job.state_changed'] }));
    expect(states.map((e) => e.type)).toEqual([
      'job.state_changed',
      'job.state_changed',
      'job.state_changed',
    ]);
  });

  it('job.wait() follows the event stream, without polling', async () => {
    const { url } = await berth();
    const proxy = await startProxy(url);
    const c = new BerthClient({ url: proxy.url, token: ADMIN_KEY });
    const job = await c.jobs.submit({
      programId: 'sampler',
      backend: 'berth_manila',
      params: bellParams(2000),
    });
    const seen: JobStatus[] = [];
    await job.wait({ onUpdate: (j) => seen.push(j.status) });
    expect(seen).toEqual(['Queued', 'Running', 'Completed']);
    expect(job.details?.status).toBe('Completed');
    const paths = proxy.seen.map((r) => `${r.method} ${pathOf(r)}`);
    expect(paths).toEqual(['POST /api/v1/jobs', `GET /api/v1/jobs/${job.id}/events`]);
    expect(countsOf(await job.result()).c).toBeDefined();
  });

  it("streams a session's events and its jobs', and the instance's from now", async () => {
    const { client } = await berth();
    const c = client();
    const controller = new AbortController();
    const instance: BerthEvent[] = [];
    const listening = (async () => {
      for await (const e of c.events({ signal: controller.signal })) instance.push(e);
    })();
    // The instance stream starts at the present: let it connect first.
    await new Promise((r) => setTimeout(r, 200));

    const session = await c.session({ backend: 'berth_sim' });
    const job = await session.run('sampler', bellParams(50));
    await job.wait();
    await session.close();

    const sessionEvents = await collect(
      session.events(),
      (e) => e.type === 'session.state_changed' && e.data.state === 'closed',
    );
    const sessionStates = sessionEvents.flatMap((e) =>
      e.type === 'session.state_changed' ? [e.data.state] : [],
    );
    expect(sessionStates[0]).toBe('open');
    expect(sessionStates.at(-1)).toBe('closed');
    expect(statusesOf(sessionEvents, job.id)).toEqual(['Queued', 'Running', 'Completed']);

    // The instance stream saw the same, live; aborting ends the loop quietly.
    const deadline = Date.now() + 5000;
    while (
      !instance.some((e) => e.type === 'session.state_changed' && e.data.state === 'closed') &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await listening;
    expect(statusesOf(instance, job.id)).toEqual(['Queued', 'Running', 'Completed']);
    expect(instance.map((e) => e.id)).toEqual(
      sessionEvents.filter((e) => Number(e.id) >= Number(instance[0]?.id)).map((e) => e.id),
    );
  });

  it('reconnects after a dropped connection with Last-Event-ID, missing nothing', async () => {
    const { url, client } = await berth();
    const proxy = await startProxy(url);
    const c = new BerthClient({ url: proxy.url, token: ADMIN_KEY });
    const session = await client().batch({ backend: 'berth_sim' });
    const events: BerthEvent[] = [];
    let cut = false;
    for await (const e of c.sessions.events(session.id)) {
      events.push(e);
      if (!cut) {
        cut = true;
        // Cut the stream after its first event, then make more happen while it is down.
        proxy.cutStreams();
        const job = await session.run('sampler', bellParams(20));
        await job.wait({ events: false });
        await session.close();
      }
      if (e.type === 'session.state_changed' && e.data.state === 'closed') break;
    }
    const opens = proxy.seen.filter((r) => pathOf(r).endsWith('/events'));
    expect(opens.length).toBe(2);
    expect(opens[0]?.headers['last-event-id']).toBeUndefined();
    expect(opens[1]?.headers['last-event-id']).toBe(events[0]?.id);
    const ids = events.map((e) => Number(e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const jobId = events.find((e) => e.type === 'job.state_changed')?.data.id as string;
    expect(statusesOf(events, jobId)).toEqual(['Queued', 'Running', 'Completed']);
  });

  it('reports a missing job or session as a 404', async () => {
    const { client } = await berth();
    const c = client();
    await expect(c.jobs.events('nope')[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      status: 404,
      code: 'job_not_found',
    });
    await expect(c.sessions.events('nope')[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      status: 404,
      code: 'session_not_found',
    });
  });
});
