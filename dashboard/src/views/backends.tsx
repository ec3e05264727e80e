/**
 * Backends: status, lanes, queue, who holds each one (its active dedicated session, with the
 * idle window it has left), and the last hour of its lanes.
 */
import type { BerthClient, Device, WireJob, WireSession } from '@berth/client';
import type { Identity } from '../auth';
import { type Lanes, type Span, Timeline, assignLanes } from '../charts/timeline';
import { duration, instanceColour, message, shortId } from '../format';
import { useState } from 'preact/hooks';
import { useData, useNow } from '../live';
import { type Scope, each } from '../scope';
import { href } from '../router';
import { idleDeadline } from './sessions';
import { Head } from '../table';
import { Problem } from '../problem';

const HOUR = 3600;

interface BackendData {
  readonly device: Device;
  readonly active: readonly WireSession[];
  readonly recent: readonly WireSession[];
  readonly jobs: readonly WireJob[];
}

/**
 * Four reads per instance in view whatever the number of backends (the page reads again on
 * every change, and a key has a request budget): the backends (once: every instance has the
 * same), the active sessions, the recent sessions and the last hour's jobs, grouped here by
 * backend. With every instance in view, a backend held by another instance's session says so.
 */
async function loadBackends(scope: Scope, signal: AbortSignal): Promise<BackendData[]> {
  const since = new Date(Date.now() - HOUR * 1000).toISOString();
  const [devices, per] = await Promise.all([
    scope.primary.backends.list({ signal }),
    each(scope, (client) =>
      Promise.all([
        client.sessions.list({ state: 'active', limit: 100 }, { signal }),
        client.sessions.list({ limit: 100 }, { signal }),
        client.jobs.list({ created_after: since, limit: 200, exclude_params: true }, { signal }),
      ]),
    ),
  ]);
  const active = per.flatMap(([a]) => a.sessions);
  const recent = per.flatMap(([, r]) => r.sessions);
  const jobs = per.flatMap(([, , j]) => j.jobs);
  return devices.map((device) => ({
    device,
    active: active.filter((s) => s.backend_name === device.name),
    recent: recent.filter((s) => s.backend_name === device.name),
    jobs: jobs.filter((j) => j.backend === device.name),
  }));
}

export function BackendsView(props: { scope: Scope; identity: Identity }) {
  const { scope } = props;
  const { data, error, reload } = useData((signal) => loadBackends(scope, signal), [scope]);
  return (
    <section aria-labelledby="backends-title">
      <h1 id="backends-title">Backends</h1>
      <Problem error={error} />
      {!data && !error && <p>Loading…</p>}
      {data?.map((b) => (
        <Backend
          key={b.device.name}
          data={b}
          scope={scope}
          client={props.identity.admin ? scope.primary : null}
          onChange={reload}
        />
      ))}
    </section>
  );
}

/** Spans of the last hour: jobs on lanes, dedicated reservations behind them. */
function spansOf(d: BackendData, nowS: number): Lanes {
  const from = nowS - HOUR;
  const t = (iso: string | null | undefined, fallback: number) =>
    iso ? Date.parse(iso) / 1000 : fallback;
  const jobs = d.jobs
    .filter((j) => j.started)
    .map((j) => ({
      id: j.id,
      label: `job ${shortId(j.id)}`,
      start: t(j.started, nowS),
      end: t(j.ended, nowS),
      colour: instanceColour(j.instance),
      instance: j.instance,
    }))
    .filter((j) => j.end >= from);
  const reservations = d.recent
    .filter((s) => s.mode === 'dedicated' && s.activated_at)
    .flatMap((s) => reservationWindows(s, nowS))
    .filter((r) => r.end >= from);
  return { jobs: assignLanes(jobs, d.device.lanes ?? 1), reservations };
}

/** The times a dedicated session was active (holding the backend), from its timestamps. */
function reservationWindows(s: WireSession, nowS: number): Span[] {
  const span = (start: number, end: number): Span => ({
    id: s.id,
    label: `session ${shortId(s.id)}`,
    start,
    end,
    colour: instanceColour(s.instance),
    instance: s.instance,
  });
  const out: Span[] = [];
  let since: number | null = null;
  for (const ts of s.timestamps ?? []) {
    const at = Date.parse(ts.timestamp) / 1000;
    if (ts.status === 'active' && since === null) since = at;
    else if (ts.status !== 'active' && since !== null) {
      out.push(span(since, at));
      since = null;
    }
  }
  if (since !== null) out.push(span(since, nowS));
  return out;
}

/** Pause and resume (administrators): the backend starts no job while paused. */
function PauseResume(props: { client: BerthClient; device: Device; onChange: () => void }) {
  const { client, device } = props;
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const paused = device.status.name !== 'online';
  const act = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      if (paused) await client.admin.backends.resume(device.name);
      else await client.admin.backends.pause(device.name, reason.trim() || undefined);
      setReason('');
      props.onChange();
    } catch (err) {
      setError(message(err));
    }
  };
  return (
    <form class="actions" onSubmit={act}>
      {!paused && (
        <label>
          Reason{' '}
          <input
            value={reason}
            maxLength={200}
            placeholder="optional"
            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          />
        </label>
      )}
      <button type="submit">{paused ? `Resume ${device.name}` : `Pause ${device.name}`}</button>
      <span class="muted">
        {paused
          ? 'Paused: it starts no job; its queue waits.'
          : 'Pausing lets running jobs finish and keeps the queue.'}
      </span>
      <Problem error={error} inline />
    </form>
  );
}

function Backend(props: {
  data: BackendData;
  scope: Scope;
  client: BerthClient | null;
  onChange: () => void;
}) {
  const { device, active, jobs } = props.data;
  const now = useNow();
  const nowS = now / 1000;
  const lanes = device.lanes ?? 1;
  const running = jobs.filter((j) => j.status === 'Running').length;
  const holder = active.find((s) => s.mode === 'dedicated');
  // The idle window runs only while the holder itself has nothing queued or running.
  const holderBusy = jobs.some(
    (j) => j.session_id === holder?.id && (j.status === 'Queued' || j.status === 'Running'),
  );
  const idle = holder ? idleDeadline(holder, holderBusy) : null;
  const spans = spansOf(props.data, nowS);
  const status = device.status.name;
  return (
    <article class="card" aria-labelledby={`b-${device.name}`} data-backend={device.name}>
      <header class="card-head">
        <h2 id={`b-${device.name}`}>{device.name}</h2>
        <span class={`badge ${status}`}>{status}</span>
      </header>
      <dl class="facts">
        <div>
          <dt>Lanes</dt>
          <dd>
            {running} of {lanes} busy
          </dd>
        </div>
        <div>
          <dt>Queue</dt>
          <dd data-testid="queue-length">{device.queue_length} queued</dd>
        </div>
        <div>
          <dt>Qubits</dt>
          <dd>
            {device.qubits} · <a href={href.backend(device.name)}>device map and calibration</a>
          </dd>
        </div>
        <div>
          <dt>Held by</dt>
          <dd data-testid="holder">
            {holder ? (
              <>
                <a href={href.session(holder.id)}>dedicated session {shortId(holder.id)}</a> (
                {holder.user_id}, {props.scope.nameOf(holder.instance)})
                {idle !== null && ` · idle window ends in ${duration((idle - now) / 1000)}`}
              </>
            ) : active.length ? (
              `${active.length} active batch session${active.length > 1 ? 's' : ''} (shared)`
            ) : (
              'nobody (normal queue)'
            )}
          </dd>
        </div>
      </dl>
      {device.status.reason && <p class="muted">{device.status.reason}</p>}
      {props.client && (
        <PauseResume client={props.client} device={device} onChange={props.onChange} />
      )}
      <Timeline backend={device.name} lanes={lanes} data={spans} window={[nowS - HOUR, nowS]} />
      <p class="legend muted">
        Solid: a job running, coloured by instance. Hatched: a dedicated session holding the backend
        (reserved, even while idle).
      </p>
      <InstanceLegend scope={props.scope} spans={spans} />
      <details>
        <summary>The last hour as a table</summary>
        <table class="compact">
          <Head cols={['What', 'Lane', 'From', 'To']} />
          <tbody>
            {spans.reservations.map((r) => (
              <tr key={`r-${r.id}-${r.start}`}>
                <td>{r.label} (reserved)</td>
                <td>all</td>
                <td>{new Date(r.start * 1000).toLocaleTimeString()}</td>
                <td>{r.end >= nowS - 1 ? 'now' : new Date(r.end * 1000).toLocaleTimeString()}</td>
              </tr>
            ))}
            {spans.jobs.map((j) => (
              <tr key={j.id}>
                <td>
                  <a href={href.job(j.id)}>{j.label}</a>
                </td>
                <td>{j.lane + 1}</td>
                <td>{new Date(j.start * 1000).toLocaleTimeString()}</td>
                <td>{j.end >= nowS - 1 ? 'now' : new Date(j.end * 1000).toLocaleTimeString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </article>
  );
}

/** Which colour is which instance, for the instances on the timeline. */
function InstanceLegend(props: { scope: Scope; spans: Lanes }) {
  const crns = [
    ...new Set([...props.spans.jobs, ...props.spans.reservations].map((x) => x.instance)),
  ].filter((x): x is string => !!x);
  if (!crns.length) return null;
  return (
    <ul class="instance-legend" aria-label="Instances on the timeline">
      {crns.map((crn) => (
        <li key={crn}>
          <span class="swatch" style={{ background: instanceColour(crn) }} aria-hidden="true" />
          {props.scope.nameOf(crn)}
        </li>
      ))}
    </ul>
  );
}
