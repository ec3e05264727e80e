/**
 * Sessions: a filterable list, and a session's page: its state timeline, live countdowns of
 * its idle (interactive) and maximum TTLs, its jobs, and Close / Cancel.
 */
import type { BerthClient, WireSession } from '@berth/client';
import { useRef, useState } from 'preact/hooks';
import { dateTime, duration, message, time } from '../format';
import { CopyId } from '../copy-id';
import { InHome } from '../home';
import { useBackendNames, useData, useNow } from '../live';
import { type Scope, mergedPage } from '../scope';
import { href } from '../router';
import { JobTable } from './jobs';
import { Head } from '../table';
import { Problem } from '../problem';

const STATES = ['open', 'active', 'inactive', 'closed'] as const;
const MODES = ['dedicated', 'batch'] as const;

/**
 * When the idle (interactive) TTL ends, in ms since the epoch: armed only while the session is
 * active with nothing queued or running, from its last job's end. Null while disarmed.
 */
export function idleDeadline(s: WireSession, busy: boolean): number | null {
  if (s.state !== 'active' || busy || !s.last_job_completed) return null;
  return Date.parse(s.last_job_completed) + s.interactive_ttl * 1000;
}

/** When the maximum TTL ends: it runs from the first job's start and never pauses. */
export function maxDeadline(s: WireSession): number | null {
  if (!s.started_at || s.state === 'closed') return null;
  return Date.parse(s.started_at) + Math.min(s.max_ttl, s.active_ttl ?? s.max_ttl) * 1000;
}

export function SessionsView(props: { scope: Scope }) {
  const { scope } = props;
  const [state, setState] = useState('');
  const [backend, setBackend] = useState('');
  const [mode, setMode] = useState('');
  const backendNames = useBackendNames(scope.primary);
  const several = scope.members.length > 1;
  const list = useData(
    (signal) =>
      mergedPage(
        scope,
        async (client, limit) => {
          const page = await client.sessions.list(
            {
              ...(state ? { state: state as WireSession['state'] } : {}),
              ...(backend ? { backend } : {}),
              ...(mode ? { mode: mode as WireSession['mode'] } : {}),
              limit,
            },
            { signal },
          );
          return { count: page.count, items: page.sessions };
        },
        (s) => s.created_at,
        0,
        100,
      ).then(({ count, items }) => ({ count, sessions: items })),
    [scope, state, backend, mode],
  );
  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <Select label="State" value={state} onChange={setState} options={STATES} />
        <Select label="Backend" value={backend} onChange={setBackend} options={backendNames} />
        <Select label="Mode" value={mode} onChange={setMode} options={MODES} />
      </form>
      <Problem error={list.error} />
      {list.data && (
        <>
          <p class="muted">
            {list.data.count} session{list.data.count === 1 ? '' : 's'}{' '}
            {scope.all ? 'in every instance' : 'in this instance'}
          </p>
          <table>
            <Head
              cols={[
                'Session',
                'State',
                'Mode',
                'Backend',
                'Created',
                'User',
                ...(several ? ['Instance'] : []),
              ]}
            />
            <tbody>
              {list.data.sessions.map((s) => (
                <tr key={s.id}>
                  <td>
                    <CopyId id={s.id} href={href.session(s.id)} />
                  </td>
                  <td>
                    <span class={`badge ${s.state}`}>{s.state}</span>
                  </td>
                  <td>{s.mode}</td>
                  <td>{s.backend_name ?? '—'}</td>
                  <td>{dateTime(s.created_at)}</td>
                  <td>{s.user_id}</td>
                  {several && <td>{scope.nameOf(s.instance)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

export function Select(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: readonly string[];
}) {
  return (
    <label>
      {props.label}{' '}
      <select
        value={props.value}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
      >
        <option value="">any</option>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

export function SessionView(props: { scope: Scope; id: string }) {
  return (
    <InHome
      scope={props.scope}
      id={props.id}
      find={(c, signal) => c.sessions.fetch(props.id, signal)}
    >
      {(client) => <SessionPage client={client} id={props.id} />}
    </InHome>
  );
}

function SessionPage(props: { client: BerthClient; id: string }) {
  const { client, id } = props;
  const session = useData((signal) => client.sessions.fetch(id, signal), [client, id]);
  const jobs = useData(
    (signal) => client.jobs.list({ session_id: id, limit: 100, exclude_params: true }, { signal }),
    [client, id],
  );
  const now = useNow();
  const s = session.data;
  if (session.error) return <Problem error={session.error} />;
  if (!s) return <p>Loading…</p>;
  const busy = (jobs.data?.jobs ?? []).some((j) => j.status === 'Queued' || j.status === 'Running');
  const idle = idleDeadline(s, busy);
  const max = maxDeadline(s);
  return (
    <section aria-labelledby="session-title">
      <h1 id="session-title">
        Session <code>{s.id}</code>
      </h1>
      <p>
        <span class={`badge ${s.state}`} data-testid="session-state">
          {s.state}
        </span>{' '}
        {s.state_reason && <span class="muted">({s.state_reason})</span>} {s.mode} on{' '}
        {s.backend_name ?? 'no backend yet'} ·{' '}
        {s.accepting_jobs ? 'accepting jobs' : 'not accepting jobs'}
      </p>
      <dl class="facts">
        <div>
          <dt>Interactive TTL</dt>
          <dd data-testid="idle-countdown">
            {idle !== null
              ? `${duration((idle - now) / 1000)} left of ${duration(s.interactive_ttl)}`
              : s.state === 'active'
                ? `paused while jobs run or wait (${duration(s.interactive_ttl)})`
                : duration(s.interactive_ttl)}
          </dd>
        </div>
        <div>
          <dt>Maximum TTL</dt>
          <dd data-testid="max-countdown">
            {max !== null
              ? `${duration((max - now) / 1000)} left of ${duration(s.max_ttl)}`
              : `${duration(s.max_ttl)} (runs from the first job's start)`}
          </dd>
        </div>
        <div>
          <dt>Elapsed</dt>
          <dd>{duration(s.elapsed_time ?? 0)}</dd>
        </div>
        <div>
          <dt>User</dt>
          <dd>{s.user_id}</dd>
        </div>
      </dl>
      <h2>State history</h2>
      <ol class="history" data-testid="session-history">
        {(s.timestamps ?? []).map((t) => (
          <li key={`${t.status}-${t.timestamp}`}>
            <span class={`badge ${t.status}`}>{t.status}</span> {time(t.timestamp)}
          </li>
        ))}
      </ol>
      {s.state !== 'closed' && (
        <SessionActions client={client} session={s} onDone={session.reload} />
      )}
      <h2>Jobs</h2>
      {jobs.data && <JobTable jobs={jobs.data.jobs} />}
    </section>
  );
}

/** Close and Cancel, each confirmed with a sentence that says how they differ. */
function SessionActions(props: { client: BerthClient; session: WireSession; onDone: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [action, setAction] = useState<'close' | 'cancel' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ask = (a: 'close' | 'cancel') => {
    setAction(a);
    setError(null);
    dialog.current?.showModal();
  };
  const confirm = async () => {
    try {
      if (action === 'close') await props.client.sessions.close(props.session.id);
      else await props.client.sessions.cancel(props.session.id);
      dialog.current?.close();
      props.onDone();
    } catch (e) {
      setError(message(e));
    }
  };
  return (
    <div class="actions">
      {props.session.accepting_jobs && (
        <button type="button" onClick={() => ask('close')}>
          Close…
        </button>
      )}
      <button type="button" class="danger" onClick={() => ask('cancel')}>
        Cancel…
      </button>
      <dialog ref={dialog} aria-labelledby="confirm-title">
        <h2 id="confirm-title">
          {action === 'close' ? 'Close this session?' : 'Cancel this session?'}
        </h2>
        <p>
          {action === 'close'
            ? 'Closing stops it accepting new jobs: the jobs already queued still run, then it closes.'
            : 'Cancelling closes it now: its queued jobs are cancelled, and only jobs already running finish.'}
        </p>
        <Problem error={error} />
        <div class="actions">
          <button type="button" class={action === 'cancel' ? 'danger' : ''} onClick={confirm}>
            {action === 'close' ? 'Close session' : 'Cancel session'}
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Keep it
          </button>
        </div>
      </dialog>
    </div>
  );
}
