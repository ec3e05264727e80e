import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OTHER_CRN, TEST_CONFIG, samplerJob } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/spawn-server.js';
import { parseFrames, openStream } from '../helpers/sse.js';
import { ADMIN_KEY, testRuntime } from '../helpers/test-runtime.js';

const auth = { authorization: `Bearer ${ADMIN_KEY}` };
const statusesOf = (events: { event: string; data: any }[]): string[] =>
  events.filter((e) => e.event === 'job.state_changed').map((e) => e.data.data.state.status);

describe('event streams', () => {
  it("replays a job's history in order and ends after its final state", async () => {
    const { api, tick, finish } = await testRuntime({ file: TEST_CONFIG });
    const id = (await api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }))).body.id;
    await tick();
    await finish(id);
    const res = await api('GET', `/api/v1/jobs/${id}/events`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const { events } = parseFrames(res.text);
    expect(statusesOf(events)).toEqual(['Queued', 'Running', 'Completed']);
    expect(events[0]).toMatchObject({ event: 'job.log', data: { data: { job_id: id } } });
    expect(events[0]?.data.data.line).toBe('Queued on solo');
    const last = events[events.length - 1];
    expect(last?.event).toBe('job.state_changed');
    expect(last?.data).toMatchObject({
      type: 'job.state_changed',
      data: { id, status: 'Completed' },
    });
    expect(last?.data.data.params).toBeUndefined();
    const ids = events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of events) expect(e.data.id).toBe(e.id);

    // Resuming after the second event gives exactly the rest.
    const resumed = await api('GET', `/api/v1/jobs/${id}/events`, undefined, {
      'last-event-id': events[1]?.id ?? '',
    });
    expect(parseFrames(resumed.text).events.map((e) => e.id)).toEqual(
      events.slice(2).map((e) => e.id),
    );
    // Resuming after the last event of a finished job ends at once.
    const none = await api('GET', `/api/v1/jobs/${id}/events?after=${last?.id}`);
    expect(parseFrames(none.text).events).toEqual([]);
    // Only the types asked for, and the stream still ends.
    const onlyLogs = await api('GET', `/api/v1/jobs/${id}/events?types=job.log`);
    const logEvents = parseFrames(onlyLogs.text).events;
    expect(logEvents.length).toBeGreaterThan(0);
    expect(logEvents.every((e) => e.event === 'job.log')).toBe(true);
  });

  it('rejects a bad cursor or type with 400, and hides other instances with 404', async () => {
    const t = await testRuntime({ file: TEST_CONFIG });
    const id = (await t.api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }))).body.id;
    const bad = await t.api('GET', `/api/v1/jobs/${id}/events`, undefined, {
      'last-event-id': 'abc',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].code).toBe('invalid_request');
    const badType = await t.api('GET', `/api/v1/events?types=job.exploded`);
    expect(badType.status).toBe(400);
    expect(badType.body.errors[0].message).toMatch(/job\.exploded/);
    const bob = (await t.api('POST', '/admin/keys', { name: 'bob', instances: [OTHER_CRN] })).body;
    const asBob = { authorization: `Bearer ${bob.key}` };
    expect((await t.api('GET', `/api/v1/jobs/${id}/events`, undefined, asBob)).status).toBe(404);
    const s = (await t.api('POST', '/api/v1/sessions', { backend: 'solo' })).body.id;
    expect((await t.api('GET', `/api/v1/sessions/${s}/events`, undefined, asBob)).status).toBe(404);
    expect((await t.api('GET', `/api/v1/sessions/nope/events`)).status).toBe(404);
  });

  it("streams a session's and its jobs' changes live, and cancelled queued jobs too", async () => {
    const t = await testRuntime({ file: TEST_CONFIG });
    const base = await t.rt.app.listen({ host: '127.0.0.1', port: 0 });
    const s = (await t.api('POST', '/api/v1/sessions', { backend: 'solo', mode: 'dedicated' })).body
      .id;
    const stream = await openStream(`${base}/api/v1/sessions/${s}/events`, auth);
    expect(stream.status).toBe(200);
    // The replay: the session was created open.
    await stream.waitFor((es) => es.some((e) => e.event === 'session.state_changed'));
    expect(stream.events[0]?.data.data).toMatchObject({ id: s, state: 'open' });

    const a = (await t.api('POST', '/api/v1/jobs', samplerJob({ session_id: s }))).body.id;
    const b = (await t.api('POST', '/api/v1/jobs', samplerJob({ session_id: s }))).body.id;
    await t.tick();
    await stream.waitFor((es) =>
      es.some((e) => e.data.data.id === a && e.data.data.state?.status === 'Running'),
    );
    expect(
      stream.events.some(
        (e) => e.event === 'session.state_changed' && e.data.data.state === 'active',
      ),
    ).toBe(true);
    // Cancelling the session cancels b in the store; b still gets its event.
    expect((await t.api('DELETE', `/api/v1/sessions/${s}/close`)).status).toBe(204);
    await stream.waitFor((es) =>
      es.some((e) => e.data.data.id === b && e.data.data.state?.status === 'Cancelled'),
    );
    const cancelled = stream.events.find((e) => e.data.data.id === b && e.data.data.status);
    expect(cancelled?.data.data.session_id).toBe(s);
    stream.close();
  });

  it('gives the instance stream from now on, without other instances’ events', async () => {
    const t = await testRuntime({ file: TEST_CONFIG });
    const base = await t.rt.app.listen({ host: '127.0.0.1', port: 0 });
    const before = (await t.api('POST', '/api/v1/jobs', samplerJob({ backend: 'wide' }))).body.id;
    const bob = (await t.api('POST', '/admin/keys', { name: 'bob', instances: [OTHER_CRN] })).body;
    const asBob = { authorization: `Bearer ${bob.key}` };
    const mine = await openStream(`${base}/api/v1/events`, auth);
    const theirs = await openStream(`${base}/api/v1/events`, asBob);
    const after = (await t.api('POST', '/api/v1/jobs', samplerJob({ backend: 'wide' }))).body.id;
    const bobs = (await t.api('POST', '/api/v1/jobs', samplerJob({ backend: 'wide' }), asBob)).body
      .id;
    await mine.waitFor((es) => es.some((e) => e.data.data.id === after));
    await theirs.waitFor((es) => es.some((e) => e.data.data.id === bobs));
    expect(mine.events.some((e) => e.data.data.id === before)).toBe(false);
    expect(mine.events.some((e) => e.data.data.id === bobs)).toBe(false);
    expect(theirs.events.some((e) => e.data.data.id === after)).toBe(false);
    // A client that remembers an id gets everything after it, replayed from the log.
    const first = mine.events[0]?.id ?? '';
    const replay = await openStream(`${base}/api/v1/events?after=0`, auth);
    await replay.waitFor((es) => es.some((e) => e.id === first));
    expect(replay.events.some((e) => e.data.data.id === before)).toBe(true);
    for (const s of [mine, theirs, replay]) s.close();
  });

  it('keeps quiet streams alive with comments, and ends streams when the server stops', async () => {
    const t = await testRuntime({ file: TEST_CONFIG, env: { BERTH_SSE_HEARTBEAT_MS: '100' } });
    const base = await t.rt.app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${base}/api/v1/events`, { headers: auth });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes(': keep-alive'))
      text += new TextDecoder().decode((await reader.read()).value);
    const metrics = (await t.rt.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/^berth_event_streams 1$/m);
    expect(metrics).toMatch(/^berth_webhook_deliveries\{status="pending"\} 0$/m);
    const stopped = t.rt.stop();
    for (;;) if ((await reader.read()).done) break;
    await stopped;
  });

  it('keeps the log across a restart', async () => {
    const dir = tempDir();
    const env = { BERTH_DB: join(dir, 'berth.db') };
    const one = await testRuntime({ file: TEST_CONFIG, env });
    const id = (await one.api('POST', '/api/v1/jobs', samplerJob({ backend: 'solo' }))).body.id;
    await one.tick();
    await one.rt.stop();
    const two = await testRuntime({ file: TEST_CONFIG, env });
    const base = await two.rt.app.listen({ host: '127.0.0.1', port: 0 });
    const stream = await openStream(`${base}/api/v1/jobs/${id}/events`, auth);
    await stream.waitFor((es) => statusesOf(es).length >= 2);
    expect(statusesOf(stream.events).slice(0, 2)).toEqual(['Queued', 'Running']);
    stream.close();
  });
});
