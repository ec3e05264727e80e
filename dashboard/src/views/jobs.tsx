/**
 * Jobs: a list with filters and paging (by the answer's `count`), and a job's page: its state
 * history, queue position and estimated start while queued, its log (read again as lines
 * arrive), its circuits drawn, and its results: a histogram per register for sampler pubs, a table of expectation
 * values with their standard deviations for estimator pubs, and the raw JSON to download.
 */
import {
  type BerthClient,
  type JobDiagrams,
  type PrimitiveResult,
  type RegisterCounts,
  type WireJob,
  countsOf,
  isPrimitiveResult,
} from '@berth/client';
import { useEffect, useState } from 'preact/hooks';
import { CircuitDiagram } from '../charts/circuit';
import { Histogram } from '../charts/histogram';
import { dateTime, message, shortId, time } from '../format';
import { CopyId } from '../copy-id';
import { InHome } from '../home';
import { useBackendNames, useData } from '../live';
import { type Scope, mergedPage } from '../scope';
import { href } from '../router';
import { Select } from './sessions';
import { Head } from '../table';
import { Problem } from '../problem';

const PAGE = 20;
const STATUSES = ['pending', 'final'] as const;

export function JobTable(props: {
  jobs: readonly WireJob[];
  /** With several instances in view: each job's instance, by name. */
  instanceName?: ((crn: string) => string) | undefined;
}) {
  const name = props.instanceName;
  return (
    <table>
      <Head
        cols={[
          'Job',
          'Status',
          'Program',
          'Backend',
          'Session',
          'Created',
          ...(name ? ['Instance'] : []),
        ]}
      />
      <tbody>
        {props.jobs.map((j) => (
          <tr key={j.id} data-job={j.id}>
            <td>
              <CopyId id={j.id} href={href.job(j.id)} />
            </td>
            <td>
              <span class={`badge ${j.state.status}`} data-testid="job-status">
                {j.status}
              </span>
            </td>
            <td>{j.program.id}</td>
            <td>{j.backend}</td>
            <td>
              {j.session_id ? <CopyId id={j.session_id} href={href.session(j.session_id)} /> : '—'}
            </td>
            <td>{dateTime(j.created)}</td>
            {name && <td>{name(j.instance)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function JobsView(props: { scope: Scope }) {
  const { scope } = props;
  const [page, setPage] = useState(0);
  const [pending, setPending] = useState('');
  const [backend, setBackend] = useState('');
  const [program, setProgram] = useState('');
  const backendNames = useBackendNames(scope.primary);
  const list = useData(
    (signal) =>
      mergedPage(
        scope,
        async (client, limit) => {
          const answer = await client.jobs.list(
            {
              limit,
              offset: 0,
              exclude_params: true,
              ...(pending ? { pending: pending === 'pending' } : {}),
              ...(backend ? { backend } : {}),
              ...(program ? { program } : {}),
            },
            { signal },
          );
          return { count: answer.count, items: answer.jobs };
        },
        (j) => j.created,
        page * PAGE,
        PAGE,
      ).then(({ count, items }) => ({ count, jobs: items })),
    [scope, page, pending, backend, program],
  );
  const count = list.data?.count ?? 0;
  const pages = Math.max(1, Math.ceil(count / PAGE));
  const filter = (set: (v: string) => void) => (v: string) => {
    set(v);
    setPage(0);
  };
  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <Select label="Status" value={pending} onChange={filter(setPending)} options={STATUSES} />
        <Select
          label="Backend"
          value={backend}
          onChange={filter(setBackend)}
          options={backendNames}
        />
        <Select
          label="Program"
          value={program}
          onChange={filter(setProgram)}
          options={['sampler', 'estimator']}
        />
      </form>
      <Problem error={list.error} />
      {list.data && (
        <>
          <JobTable
            jobs={list.data.jobs}
            instanceName={scope.members.length > 1 ? scope.nameOf : undefined}
          />
          <nav class="pager" aria-label="Pages of jobs">
            <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
              Previous
            </button>
            <span>
              Page {page + 1} of {pages} ({count} job{count === 1 ? '' : 's'})
            </span>
            <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
              Next
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

export function JobView(props: { scope: Scope; id: string }) {
  return (
    <InHome
      scope={props.scope}
      id={props.id}
      find={(c, signal) => c.jobs.fetch(props.id, false, signal)}
    >
      {(client) => <JobPage client={client} id={props.id} />}
    </InHome>
  );
}

function JobPage(props: { client: BerthClient; id: string }) {
  const { client, id } = props;
  const job = useData((signal) => client.jobs.fetch(id, false, signal), [client, id]);
  const j = job.data;
  const final = j ? ['Completed', 'Failed', 'Cancelled'].includes(j.state.status) : false;
  const metrics = useData((signal) => client.jobs.metrics(id, { signal }), [client, id]);
  const logs = useData((signal) => client.jobs.logs(id, { signal }), [client, id]);
  const result = useData(
    (signal) =>
      j?.state.status === 'Completed' ? client.jobs.results(id, { signal }) : Promise.resolve(null),
    [client, id, j?.state.status],
  );
  // An estimator's observables, to label its values: read with the params, once it completed.
  const estimatorParams = useData(
    (signal) =>
      j?.state.status === 'Completed' && j.program.id === 'estimator'
        ? client.jobs.fetch(id, true, signal).then((full) => full.params)
        : Promise.resolve(null),
    [client, id, j?.state.status, j?.program.id],
  );
  const [error, setError] = useState<string | null>(null);
  if (job.error) return <Problem error={job.error} />;
  if (!j) return <p>Loading…</p>;
  const m = metrics.data;
  const cancel = async () => {
    try {
      await client.jobs.cancel(id);
      job.reload();
    } catch (e) {
      setError(message(e));
    }
  };
  return (
    <section aria-labelledby="job-title">
      <h1 id="job-title">
        Job <code>{j.id}</code>
      </h1>
      <p>
        <span class={`badge ${j.state.status}`} data-testid="job-state">
          {j.status}
        </span>{' '}
        {j.state.reason && <span class="muted">{j.state.reason}</span>} · {j.program.id} on{' '}
        {j.backend}
        {j.session_id && (
          <>
            {' '}
            in session <a href={href.session(j.session_id)}>{shortId(j.session_id)}</a>
          </>
        )}
      </p>
      {!final && (
        <div class="actions">
          <button type="button" class="danger" onClick={cancel}>
            Cancel job
          </button>
          <Problem error={error} />
        </div>
      )}
      <h2>State history</h2>
      <ol class="history">
        <li>
          <span class="badge Queued">Queued</span> {time(j.created)}
        </li>
        {j.started && (
          <li>
            <span class="badge Running">Running</span> {time(j.started)}
          </li>
        )}
        {j.ended && (
          <li>
            <span class={`badge ${j.state.status}`}>{j.state.status}</span> {time(j.ended)}
          </li>
        )}
      </ol>
      {j.state.status === 'Queued' && m && (
        <>
          <p data-testid="queue-position">
            Place in queue: {m.position_in_queue === null ? '—' : `${m.position_in_queue + 1}`} ·
            estimated start {m.estimated_start_time ? dateTime(m.estimated_start_time) : 'unknown'}
          </p>
          <WhyWaiting client={client} job={j} />
        </>
      )}
      <Circuits client={client} id={id} />
      <h2>Log</h2>
      <pre class="log" aria-live="polite" data-testid="job-log">
        {logs.data ?? ''}
      </pre>
      {result.data && (
        <Results id={j.id} result={result.data} params={estimatorParams.data ?? null} />
      )}
    </section>
  );
}

/** Why a queued job has not started: the backend's status, its holder, or its busy lanes. */
function WhyWaiting(props: { client: BerthClient; job: WireJob }) {
  const { client, job } = props;
  const why = useData(
    async (signal) => {
      const [devices, active] = await Promise.all([
        client.backends.list({ signal }),
        client.sessions.list({ backend: job.backend, state: 'active' }, { signal }),
      ]);
      const device = devices.find((d) => d.name === job.backend);
      if (device && device.status.name !== 'online')
        return `${job.backend} is ${device.status.name}${device.status.reason ? `: ${device.status.reason}` : ''}; its queue waits.`;
      const holder = active.sessions.find((s) => s.mode === 'dedicated');
      if (holder && holder.id !== job.session_id)
        return `A dedicated session (${shortId(holder.id)}) holds ${job.backend}: only its jobs start until it ends or goes idle.`;
      const batch = active.sessions.find((s) => s.mode === 'batch' && s.id !== job.session_id);
      if (batch) return `An active batch session's jobs go first on ${job.backend}.`;
      return `Every lane of ${job.backend} is busy, or jobs ahead of it go first (fair share).`;
    },
    [client, job.id, job.backend, job.session_id],
  );
  return why.data ? <p data-testid="why-waiting">{why.data}</p> : null;
}

function Results(props: { id: string; result: unknown; params: unknown }) {
  const download = () => {
    const blob = new Blob([JSON.stringify(props.result, null, 2)], { type: 'application/json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${props.id}-result.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  const doc = props.result;
  if (!isPrimitiveResult(doc)) {
    // A program's own JSON, or a document stored before workers' results were checked.
    const text = JSON.stringify(doc, null, 2);
    return (
      <>
        <h2>Results</h2>
        <p class="muted">This result is not a PrimitiveResult document; it is shown as stored.</p>
        <button type="button" onClick={download}>
          Download the result (JSON)
        </button>
        <pre class="raw-result" data-testid="raw-result">
          {text.length > 20_000 ? `${text.slice(0, 20_000)}\n…` : text}
        </pre>
      </>
    );
  }
  const pubs = doc.__value__.pub_results;
  return (
    <>
      <h2>Results</h2>
      <button type="button" onClick={download}>
        Download the result (JSON)
      </button>
      {pubs.map((pub, i) => (
        <section key={i} class="pub" aria-label={`Pub ${i}`}>
          <h3>Pub {i}</h3>
          <PubResult
            result={doc}
            index={i}
            metadata={pub.__value__.metadata ?? {}}
            labels={observableLabels(props.params, i)}
          />
        </section>
      ))}
    </>
  );
}

function PubResult(props: {
  result: PrimitiveResult;
  index: number;
  metadata: { readonly evs?: unknown; readonly stds?: unknown; readonly counts?: unknown };
  labels: readonly string[];
}) {
  if (props.metadata.evs !== undefined)
    return (
      <Expectations evs={props.metadata.evs} stds={props.metadata.stds} labels={props.labels} />
    );
  let registers: Record<string, RegisterCounts>;
  try {
    registers = countsOf(props.result, props.index);
  } catch (e) {
    return <p class="muted">{message(e)}</p>;
  }
  return (
    <>
      {Object.entries(registers).map(([name, counts]) => (
        <Histogram key={name} register={name} counts={counts} />
      ))}
    </>
  );
}

/**
 * The observables of an estimator pub, in the order of its values (flattened), as the pub gave
 * them: a Pauli string ("ZZ"), or a sum of weighted ones ({"ZZ": 1, "XX": 0.5} → "1·ZZ + 0.5·XX").
 * Empty when they cannot be read (the values are then numbered).
 */
export function observableLabels(params: unknown, pub: number): string[] {
  const pubs = (params as { pubs?: unknown } | null)?.pubs;
  const item = Array.isArray(pubs) ? pubs[pub] : undefined;
  const observables: unknown = Array.isArray(item) ? item[1] : undefined;
  const label = (o: unknown): string[] => {
    if (typeof o === 'string') return [o];
    if (Array.isArray(o)) return o.flatMap(label);
    if (o && typeof o === 'object' && !('__type__' in o))
      return [
        Object.entries(o)
          .map(([pauli, c]) => `${String(c)}·${pauli}`)
          .join(' + '),
      ];
    return ['?'];
  };
  const out = observables === undefined ? [] : label(observables);
  return out.includes('?') ? [] : out;
}

/** Expectation values (any shape, flattened in order) with ± one standard deviation. */
function Expectations(props: { evs: unknown; stds: unknown; labels: readonly string[] }) {
  const evs = flatten(props.evs);
  const stds = flatten(props.stds);
  const width = Math.max(...evs.map((v, i) => Math.abs(v) + (stds[i] ?? 0)), 1e-12);
  const scale = Number(width.toPrecision(2));
  return (
    <table class="estimator" data-testid="estimator-table">
      <thead>
        <tr>
          <th scope="col">Observable</th>
          <th scope="col">Expectation value</th>
          <th scope="col">Standard deviation</th>
          <th scope="col">
            Value ± 1 σ{' '}
            <span class="muted">
              (scale −{scale} to {scale})
            </span>
          </th>
        </tr>
      </thead>
      <tbody>
        {evs.map((v, i) => {
          const sd = stds[i] ?? 0;
          const pos = (x: number) => `${50 + (50 * x) / width}%`;
          return (
            <tr key={i}>
              <td>
                <code>{props.labels.length === evs.length ? props.labels[i] : i}</code>
              </td>
              <td>{v.toFixed(4)}</td>
              <td>± {sd.toFixed(4)}</td>
              <td class="bar-cell" aria-hidden="true">
                <span class="axis" />
                <span
                  class="err"
                  style={{ left: pos(v - sd), right: `calc(100% - ${pos(v + sd)})` }}
                />
                <span class="val" style={{ left: pos(v) }} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function flatten(x: unknown): number[] {
  if (typeof x === 'number') return [x];
  if (Array.isArray(x)) return x.flatMap(flatten);
  if (x && typeof x === 'object' && '__value__' in x)
    return flatten((x as { __value__: unknown }).__value__);
  return [];
}

/**
 * The job's circuits, drawn (charts/circuit.tsx). Read once: a job's circuits never change, and
 * a live page re-reads on every event.
 */
function Circuits(props: { client: BerthClient; id: string }) {
  const { client, id } = props;
  const [state, setState] = useState<{ data?: JobDiagrams; error?: Error }>({});
  useEffect(() => {
    const abort = new AbortController();
    client.jobs.diagram(id, { signal: abort.signal }).then(
      (data) => !abort.signal.aborted && setState({ data }),
      (error: Error) => !abort.signal.aborted && setState({ error }),
    );
    return () => abort.abort();
  }, [client, id]);
  const circuits = state.data?.circuits ?? [];
  return (
    <>
      <h2>Circuits</h2>
      <Problem error={state.error} />
      {state.data && !circuits.length && <p class="muted">This job has no circuit to draw.</p>}
      {circuits.map((c, i) => (
        <details key={c.index} open={i === 0} class="circuit-entry" data-circuit={c.index}>
          <summary>
            Circuit {c.index}
            {'error' in c
              ? ' · not drawn'
              : ` · ${c.qubits.length} active ${c.qubits.length === 1 ? 'qubit' : 'qubits'} of ${c.num_qubits} · ${c.total_operations} operations`}
          </summary>
          {'error' in c ? (
            <p class="muted">{c.error}</p>
          ) : (
            <>
              {c.truncated && (
                <p class="muted">
                  Drawn: the first {c.operations.length} operations on the first {c.qubits.length}{' '}
                  active qubits.
                </p>
              )}
              <CircuitDiagram
                drawn={c}
                title={`Circuit ${c.index}: ${c.operations
                  .map((o) => o.name)
                  .slice(0, 40)
                  .join(', ')}${c.operations.length > 40 ? ', …' : ''}`}
              />
            </>
          )}
        </details>
      ))}
    </>
  );
}
