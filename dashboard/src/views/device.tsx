/**
 * One backend's device, as IBM's platform shows a processor: the coupling map laid out as the
 * chip's lattice (device/layout.ts), qubits coloured by the figure the reader picks (T1, T2,
 * readout error, frequency) and couplers by their 2-qubit gate's error, each with its scale, and
 * the calibration's date. It reads `GET /backends/{name}/properties`, so a lab device shows the
 * newest calibration its worker published; the numbers are in tables under the map.
 */
import type { BackendConfiguration, BackendProperties } from '@berth/client';
import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  type Calibration,
  type CouplerFigure,
  COUPLER_LOG,
  FIGURES,
  type QubitFigure,
  STOP_COLOURS,
  colourAt,
  couplerKey,
  extent,
  readCalibration,
  scaleOf,
} from '../device/figures';
import { type DeviceLayout, type Edge, layoutDevice, undirectedEdges } from '../device/layout';
import { dateTime } from '../format';
import { Problem } from '../problem';
import { href } from '../router';
import type { Scope } from '../scope';
import { Head } from '../table';

const UNIT = 44;
const R = 14;
const MARGIN = 24;

interface DeviceData {
  readonly layout: DeviceLayout;
  readonly edges: readonly Edge[];
  readonly calibration: Calibration;
}

function readDevice(
  configuration: BackendConfiguration,
  properties: BackendProperties,
): DeviceData {
  const conf = configuration as { n_qubits?: unknown; coupling_map?: unknown };
  const n = typeof conf.n_qubits === 'number' ? conf.n_qubits : 0;
  const map = Array.isArray(conf.coupling_map) ? (conf.coupling_map as number[][]) : [];
  const edges = undirectedEdges(map).filter(([a, b]) => a < n && b < n);
  return { layout: layoutDevice(n, edges), edges, calibration: readCalibration(properties, n) };
}

const figureMeta = (key: QubitFigure) =>
  FIGURES.find((f) => f.key === key) ?? {
    key,
    label: key,
    unit: '',
    higherIsBetter: true,
    log: false,
  };

/** A figure for a person: T1 in µs, errors in percent, frequencies in GHz. */
function show(key: QubitFigure | 'error', v: number | null): string {
  if (v === null) return 'not reported';
  if (key === 'readoutError' || key === 'error') return `${(v * 100).toFixed(2)} %`;
  if (key === 'frequency') return `${v.toFixed(3)} GHz`;
  return `${v.toFixed(v < 10 ? 1 : 0)} µs`;
}

export function DeviceView(props: { scope: Scope; name: string }) {
  const client = props.scope.primary;
  const [state, setState] = useState<{ data?: DeviceData; error?: Error }>({});
  const [again, setAgain] = useState(0);
  const [figure, setFigure] = useState<QubitFigure>('t1');
  useEffect(() => {
    const abort = new AbortController();
    const { signal } = abort;
    // Read once, and again on request: a calibration is large and changes seldom.
    Promise.all([
      client.backends.configuration(props.name, { signal }),
      client.backends.properties(props.name, { signal }),
    ]).then(
      ([c, p]) => !signal.aborted && setState({ data: readDevice(c, p) }),
      (error: Error) => !signal.aborted && setState({ error }),
    );
    return () => abort.abort();
  }, [client, props.name, again]);
  const data = state.data;
  return (
    <section aria-labelledby="device-title">
      <p>
        <a href={href.backends}>← Backends</a>
      </p>
      <h1 id="device-title">{props.name}</h1>
      <Problem error={state.error} />
      {!data && !state.error && <p>Loading…</p>}
      {data && (
        <>
          <p data-testid="calibration-date">
            Calibration of{' '}
            {data.calibration.date ? dateTime(data.calibration.date) : 'unknown date'} ·{' '}
            {data.layout.points.length} qubits, {data.edges.length} couplers
            {data.layout.kind === 'force' &&
              ' · drawn by a force layout (the coupling map matches no known lattice)'}
          </p>
          <div class="actions">
            <label>
              Colour qubits by{' '}
              <select
                value={figure}
                onChange={(e) => setFigure((e.target as HTMLSelectElement).value as QubitFigure)}
              >
                {FIGURES.map((f) => (
                  <option
                    key={f.key}
                    value={f.key}
                    disabled={!data.calibration.qubits.some((q) => q[f.key] !== null)}
                  >
                    {f.label}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" onClick={() => setAgain((n) => n + 1)}>
              Read the calibration again
            </button>
          </div>
          <DeviceMap data={data} figure={figure} />
          <Scales data={data} figure={figure} />
          <Tables data={data} />
        </>
      )}
    </section>
  );
}

function DeviceMap(props: { data: DeviceData; figure: QubitFigure }) {
  const { layout, edges, calibration } = props.data;
  const meta = figureMeta(props.figure);
  const qRange = useMemo(
    () => extent(calibration.qubits.map((q) => q[props.figure])),
    [calibration, props.figure],
  );
  const eRange = useMemo(
    () => extent([...calibration.couplers.values()].map((c) => c.error)),
    [calibration],
  );
  const at = (q: number) => {
    const p = layout.points[q] ?? { x: 0, y: 0 };
    return { x: MARGIN + p.x * UNIT, y: MARGIN + p.y * UNIT };
  };
  const width = 2 * MARGIN + layout.width * UNIT;
  const height = 2 * MARGIN + layout.height * UNIT;
  return (
    <svg
      class="device-map"
      viewBox={`0 0 ${width} ${height}`}
      style={{ maxWidth: `${width}px` }}
      role="img"
      aria-label={`Coupling map of ${layout.points.length} qubits, qubits coloured by ${meta.label}, couplers by their 2-qubit gate error. The tables below give every figure.`}
    >
      {edges.map(([a, b]) => {
        const c = calibration.couplers.get(couplerKey(a, b));
        const p = at(a);
        const q = at(b);
        return (
          <line
            key={`${a}-${b}`}
            data-coupler={`${a}-${b}`}
            x1={p.x}
            y1={p.y}
            x2={q.x}
            y2={q.y}
            stroke={
              c && eRange ? colourAt(scaleOf(c.error, eRange, false, COUPLER_LOG)) : '#8a8a8a'
            }
            stroke-width={7}
            stroke-dasharray={c ? undefined : '4 3'}
          >
            <title>
              {`${a}–${b}: ${c ? `${c.gate} error ${show('error', c.error)}` : 'no 2-qubit gate error reported'}`}
            </title>
          </line>
        );
      })}
      {calibration.qubits.map((figures, q) => {
        const v = figures[props.figure];
        const t = v !== null && qRange ? scaleOf(v, qRange, meta.higherIsBetter, meta.log) : null;
        const p = at(q);
        return (
          <g key={q} data-qubit={q}>
            <circle cx={p.x} cy={p.y} r={R} fill={t === null ? '#8a8a8a' : colourAt(t)} />
            <text
              x={p.x}
              y={p.y}
              dy="0.35em"
              text-anchor="middle"
              font-size={q > 99 ? 10 : 11}
              fill={t !== null && t > 0.55 ? '#000' : '#fff'}
            >
              {q}
            </text>
            <title>
              {`Qubit ${q}: T1 ${show('t1', figures.t1)}, T2 ${show('t2', figures.t2)}, readout error ${show('readoutError', figures.readoutError)}, frequency ${show('frequency', figures.frequency)}`}
            </title>
          </g>
        );
      })}
    </svg>
  );
}

/** The two colour scales, each with its worse and better ends and their values. */
function Scales(props: { data: DeviceData; figure: QubitFigure }) {
  const { calibration } = props.data;
  const meta = figureMeta(props.figure);
  const qRange = extent(calibration.qubits.map((q) => q[props.figure]));
  const eRange = extent([...calibration.couplers.values()].map((c) => c.error));
  const gates = [...new Set([...calibration.couplers.values()].map((c) => c.gate))].join(', ');
  const scale = (
    label: string,
    range: [number, number] | null,
    better: 'high' | 'low',
    key: QubitFigure | 'error',
    log: boolean,
  ) =>
    range ? (
      <div class="scale" data-testid={`scale-${key}`}>
        <span class="scale-label">
          {label}
          {log ? ' (log scale)' : ''}
        </span>
        <span>{show(key, better === 'high' ? range[0] : range[1])}</span>
        <span
          class="scale-bar"
          aria-hidden="true"
          style={{ background: `linear-gradient(to right, ${STOP_COLOURS.join(', ')})` }}
        />
        <span>{show(key, better === 'high' ? range[1] : range[0])}</span>
      </div>
    ) : (
      <p class="muted">{label}: not reported by this calibration.</p>
    );
  return (
    <div class="scales legend">
      {scale(
        `Qubits, ${meta.label}`,
        qRange,
        meta.higherIsBetter ? 'high' : 'low',
        props.figure,
        meta.log,
      )}
      {scale(`Couplers, ${gates || '2-qubit gate'} error`, eRange, 'low', 'error', COUPLER_LOG)}
      <p class="muted">
        Left: the worst value on this device; right: the best. Grey: not reported.
      </p>
    </div>
  );
}

function Tables(props: { data: DeviceData }) {
  const { calibration, edges } = props.data;
  return (
    <>
      <details>
        <summary>Every qubit</summary>
        <table class="compact">
          <Head cols={['Qubit', 'T1', 'T2', 'Readout error', 'Frequency']} />
          <tbody>
            {calibration.qubits.map((f, q) => (
              <tr key={q}>
                <td>{q}</td>
                <td>{show('t1', f.t1)}</td>
                <td>{show('t2', f.t2)}</td>
                <td>{show('readoutError', f.readoutError)}</td>
                <td>{show('frequency', f.frequency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      <details>
        <summary>Every coupler</summary>
        <table class="compact">
          <Head cols={['Qubits', 'Gate', 'Error']} />
          <tbody>
            {edges.map(([a, b]) => {
              const c: CouplerFigure | undefined = calibration.couplers.get(couplerKey(a, b));
              return (
                <tr key={`${a}-${b}`}>
                  <td>
                    {a}–{b}
                  </td>
                  <td>{c?.gate ?? '—'}</td>
                  <td>{show('error', c?.error ?? null)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </details>
    </>
  );
}
