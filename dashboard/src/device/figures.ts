/**
 * The figures of a calibration (IBM's `properties` document) that the device map shows: per
 * qubit T1, T2, readout error and frequency, per coupler the error of its 2-qubit gate. Units
 * are normalised (µs, GHz) whatever the document used; a figure the document leaves out is
 * `null`, never 0.
 */

export interface QubitFigures {
  readonly t1: number | null;
  readonly t2: number | null;
  readonly readoutError: number | null;
  readonly frequency: number | null;
}

export interface CouplerFigure {
  readonly qubits: readonly [number, number];
  /** The 2-qubit gate the error is of (`ecr`, `cz`, `cx`). */
  readonly gate: string;
  /** The larger of the two directions' errors, as Qiskit's `plot_error_map` takes it. */
  readonly error: number;
}

export interface Calibration {
  readonly date: string | null;
  readonly qubits: readonly QubitFigures[];
  readonly couplers: ReadonlyMap<string, CouplerFigure>;
}

export type QubitFigure = keyof QubitFigures;

export const FIGURES: readonly {
  readonly key: QubitFigure;
  readonly label: string;
  readonly unit: string;
  /** Whether a larger value is better (the colour scale runs the same way for all). */
  readonly higherIsBetter: boolean;
  /**
   * Errors span decades, and one broken coupler or qubit (an error of 1) would otherwise turn
   * every other one the same colour: their scale is logarithmic.
   */
  readonly log: boolean;
}[] = [
  { key: 't1', label: 'T1', unit: 'µs', higherIsBetter: true, log: false },
  { key: 't2', label: 'T2', unit: 'µs', higherIsBetter: true, log: false },
  { key: 'readoutError', label: 'Readout error', unit: '', higherIsBetter: false, log: true },
  { key: 'frequency', label: 'Frequency', unit: 'GHz', higherIsBetter: true, log: false },
];

/** The 2-qubit gate errors' scale (logarithmic, as the readout error's). */
export const COUPLER_LOG = true;

interface Param {
  readonly name?: unknown;
  readonly value?: unknown;
  readonly unit?: unknown;
}

const TO_MICROSECONDS: Readonly<Record<string, number>> = {
  s: 1e6,
  ms: 1e3,
  us: 1,
  µs: 1,
  ns: 1e-3,
};
const TO_GIGAHERTZ: Readonly<Record<string, number>> = { Hz: 1e-9, kHz: 1e-6, MHz: 1e-3, GHz: 1 };

function value(params: readonly Param[], name: string, units?: Record<string, number>) {
  const p = params.find((x) => x.name === name);
  if (!p || typeof p.value !== 'number' || !Number.isFinite(p.value)) return null;
  if (!units) return p.value;
  const scale = units[typeof p.unit === 'string' ? p.unit : ''];
  return scale === undefined ? null : p.value * scale;
}

export const couplerKey = (a: number, b: number): string => (a < b ? `${a}-${b}` : `${b}-${a}`);

/** Reads a properties document; anything malformed reads as "not reported". */
export function readCalibration(properties: unknown, numQubits: number): Calibration {
  const doc = (properties ?? {}) as {
    last_update_date?: unknown;
    qubits?: unknown;
    gates?: unknown;
  };
  const rows = Array.isArray(doc.qubits) ? (doc.qubits as unknown[]) : [];
  const qubits = Array.from({ length: numQubits }, (_, q): QubitFigures => {
    const params = Array.isArray(rows[q]) ? (rows[q] as Param[]) : [];
    return {
      t1: value(params, 'T1', TO_MICROSECONDS),
      t2: value(params, 'T2', TO_MICROSECONDS),
      readoutError: value(params, 'readout_error'),
      frequency: value(params, 'frequency', TO_GIGAHERTZ),
    };
  });
  const couplers = new Map<string, CouplerFigure>();
  for (const g of Array.isArray(doc.gates) ? (doc.gates as unknown[]) : []) {
    const gate = g as { gate?: unknown; qubits?: unknown; parameters?: unknown };
    const qs = gate.qubits;
    if (!Array.isArray(qs) || qs.length !== 2 || typeof gate.gate !== 'string') continue;
    const [a, b] = qs as [number, number];
    const error = value(Array.isArray(gate.parameters) ? gate.parameters : [], 'gate_error');
    if (error === null) continue;
    const key = couplerKey(a, b);
    const had = couplers.get(key);
    if (!had || error > had.error)
      couplers.set(key, { qubits: a < b ? [a, b] : [b, a], gate: gate.gate, error });
  }
  return {
    date: typeof doc.last_update_date === 'string' ? doc.last_update_date : null,
    qubits,
    couplers,
  };
}

/** The smallest and largest of the values given, or null when there are none. */
export function extent(values: readonly (number | null)[]): [number, number] | null {
  const vs = values.filter((v): v is number => v !== null);
  if (!vs.length) return null;
  return [Math.min(...vs), Math.max(...vs)];
}

/**
 * Viridis at five stops (dark purple → yellow), interpolated: a perceptually even scale that
 * stays readable for colour-blind eyes and in print. `t` is 0…1, 1 being the better end.
 */
const STOPS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'] as const;

export function colourAt(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const rgb = (hex: string) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
  const a = rgb(STOPS[i] as string);
  const b = rgb(STOPS[i + 1] as string);
  return `rgb(${a.map((v, k) => Math.round(v + ((b[k] ?? 0) - v) * f)).join(' ')})`;
}

/** Where `v` falls on the scale, 1 being the better end (a log scale ignores values ≤ 0 as 0). */
export function scaleOf(
  v: number,
  range: [number, number],
  higherIsBetter: boolean,
  log = false,
): number {
  const f = (x: number) => (log ? Math.log10(Math.max(x, LOG_FLOOR)) : x);
  const [lo, hi] = [f(range[0]), f(range[1])];
  const t = hi === lo ? 1 : (f(v) - lo) / (hi - lo);
  return higherIsBetter ? t : 1 - t;
}

/** Errors below this read as it on a log scale (an error of exactly 0: a noiseless backend). */
const LOG_FLOOR = 1e-6;

export const STOP_COLOURS = STOPS;
