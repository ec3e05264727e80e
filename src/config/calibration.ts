/**
 * Noise figures from a reference device's documents (properties and configuration), read as
 * Qiskit Aer's NoiseModel.from_backend reads them, for a backend's `noise` setting.
 */
import type { GateCalibrations, ReadoutError, RelaxationTimes } from '../domain/backend/backend.js';
import { gateKey } from '../quantum/noise/gate-noise.js';

/**
 * T1 and T2 of the first `qubits` qubits, in seconds (the documents give µs), and the
 * configuration's `dt` (given in ns, as Qiskit's BackendConfiguration reads it); a qubit
 * without a value does not decay (Aer uses infinity too).
 */
export function relaxationOf(
  properties: Record<string, unknown>,
  configuration: Record<string, unknown>,
  qubits: number,
): RelaxationTimes {
  const rows =
    (properties.qubits as { name: string; value: unknown; unit?: unknown }[][] | undefined) ?? [];
  const seconds = (q: number, name: string): number => {
    const item = rows[q]?.find((x) => x.name === name);
    const v = item?.value;
    if (typeof v !== 'number' || !(v > 0)) return Infinity;
    return v * (UNIT_SECONDS[String(item?.unit ?? 'us')] ?? 1e-6);
  };
  const range = Array.from({ length: qubits }, (_, q) => q);
  const dt = configuration.dt;
  return {
    t1: range.map((q) => seconds(q, 'T1')),
    t2: range.map((q) => seconds(q, 'T2')),
    dt: typeof dt === 'number' && dt > 0 ? dt * 1e-9 : null,
  };
}

/**
 * Every gate of a properties document with its `gate_error` and `gate_length` (seconds), by
 * `gate:q0_q1`. A gate without an error has none; without a length, it takes no time.
 */
export function gateCalibrationsOf(properties: Record<string, unknown>): GateCalibrations {
  type Param = { name: string; value: unknown; unit?: unknown };
  const gates =
    (properties.gates as { gate: string; qubits: number[]; parameters: Param[] }[] | undefined) ??
    [];
  const table: Record<string, { error: number; length: number }> = {};
  for (const g of gates) {
    const param = (name: string): Param | undefined => g.parameters.find((p) => p.name === name);
    const error = param('gate_error')?.value;
    const length = param('gate_length');
    const seconds =
      typeof length?.value === 'number' && length.value > 0
        ? length.value * (UNIT_SECONDS[String(length.unit ?? 'ns')] ?? 1e-9)
        : 0;
    table[gateKey(g.gate, g.qubits)] = {
      error: typeof error === 'number' && error > 0 && error < 1 ? error : 0,
      length: seconds,
    };
  }
  return table;
}

/** Time units of a properties document. */
const UNIT_SECONDS: Readonly<Record<string, number>> = {
  s: 1,
  ms: 1e-3,
  us: 1e-6,
  µs: 1e-6,
  ns: 1e-9,
};

/**
 * The assignment errors of the first `qubits` qubits of a properties document, as Aer's
 * NoiseModel.from_backend reads them: `prob_meas1_prep0` and `prob_meas0_prep1` when both are
 * there, else `readout_error` both ways; a qubit with neither reads ideally.
 */
export function readoutErrorOf(properties: Record<string, unknown>, qubits: number): ReadoutError {
  const rows = (properties.qubits as { name: string; value: unknown }[][] | undefined) ?? [];
  const value = (q: number, name: string): number | null => {
    const v = rows[q]?.find((x) => x.name === name)?.value;
    return typeof v === 'number' && v >= 0 && v <= 1 ? v : null;
  };
  const p01: number[] = [];
  const p10: number[] = [];
  for (let q = 0; q < qubits; q++) {
    const m1p0 = value(q, 'prob_meas1_prep0');
    const m0p1 = value(q, 'prob_meas0_prep1');
    const both = m1p0 !== null && m0p1 !== null;
    const symmetric = value(q, 'readout_error') ?? 0;
    p01.push(both ? m1p0 : symmetric);
    p10.push(both ? m0p1 : symmetric);
  }
  return { p01, p10 };
}
