/**
 * A QPY writer for circuits of standard gates, measurements and barriers: what Berth returns
 * inside results (the noise learner's layer circuits). Written from the specification in
 * Qiskit's `qiskit/qpy/__init__.py` and checked byte for byte against files Qiskit wrote
 * (encode.test.ts): the file header (with the program type byte and, from version 16, the start
 * table), CIRCUIT_HEADER_V12, REGISTER, the (empty) custom-definition table and annotation
 * namespaces (version 15 on), CIRCUIT_INSTRUCTION_V2 with little-endian float parameters, no
 * calibrations, and an empty layout. Anything else is refused, never written half-right.
 */
import { QpyError } from './errors.js';

/** A gate or other instruction by Qiskit's class name, on circuit bit indices. */
export interface WriteInstruction {
  /** `HGate`, `CXGate`, `ECRGate`, `Measure`, `Barrier`, … */
  readonly name: string;
  readonly qubits: readonly number[];
  readonly clbits?: readonly number[];
  /** Numeric gate parameters (angles), in order. */
  readonly params?: readonly number[];
  /** A `BoxOp`'s body: a circuit on the box's qubits (body qubit k is `qubits[k]`). */
  readonly body?: WriteCircuit;
  /** Annotations (QPY 15 on): an index into the circuit's `namespaces`, and the payload. */
  readonly annotations?: readonly { readonly namespace: number; readonly payload: Uint8Array }[];
}

export interface WriteRegister {
  readonly name: string;
  /** The circuit bit of each register bit; −1 for one outside the circuit (inCircuit false). */
  readonly bits: readonly number[];
  /** False: a register whose bits the circuit uses loose (a physical register of a device). */
  readonly inCircuit?: boolean;
}

export interface WriteCircuit {
  readonly name: string;
  readonly numQubits: number;
  readonly numClbits: number;
  readonly qregs: readonly WriteRegister[];
  readonly cregs: readonly WriteRegister[];
  readonly instructions: readonly WriteInstruction[];
  readonly globalPhase?: number;
  readonly metadata?: Record<string, unknown>;
  /** Annotation namespaces the instructions' annotations name (QPY 15 on), state empty. */
  readonly namespaces?: readonly string[];
}

export interface WriteOptions {
  /** QPY version: 13 (what Qiskit ≥ 1.3 reads) to 17. */
  readonly version: number;
  /** The Qiskit version the header names (major, minor, patch). */
  readonly qiskitVersion?: readonly [number, number, number];
}

/** Standard gates by class name: their qubit count, parameter count and controls. */
const STANDARD: Readonly<Record<string, { q: number; p: number; ctrl?: number }>> = {
  IGate: { q: 1, p: 0 },
  XGate: { q: 1, p: 0 },
  YGate: { q: 1, p: 0 },
  ZGate: { q: 1, p: 0 },
  HGate: { q: 1, p: 0 },
  SGate: { q: 1, p: 0 },
  SdgGate: { q: 1, p: 0 },
  TGate: { q: 1, p: 0 },
  TdgGate: { q: 1, p: 0 },
  SXGate: { q: 1, p: 0 },
  SXdgGate: { q: 1, p: 0 },
  RXGate: { q: 1, p: 1 },
  RYGate: { q: 1, p: 1 },
  RZGate: { q: 1, p: 1 },
  PhaseGate: { q: 1, p: 1 },
  UGate: { q: 1, p: 3 },
  SwapGate: { q: 2, p: 0 },
  iSwapGate: { q: 2, p: 0 },
  ECRGate: { q: 2, p: 0 },
  RXXGate: { q: 2, p: 1 },
  RYYGate: { q: 2, p: 1 },
  RZZGate: { q: 2, p: 1 },
  RZXGate: { q: 2, p: 1 },
  // Controlled gates carry their control count and state in the instruction header.
  CXGate: { q: 2, p: 0, ctrl: 1 },
  CYGate: { q: 2, p: 0, ctrl: 1 },
  CZGate: { q: 2, p: 0, ctrl: 1 },
  CHGate: { q: 2, p: 0, ctrl: 1 },
  CRZGate: { q: 2, p: 1, ctrl: 1 },
  CPhaseGate: { q: 2, p: 1, ctrl: 1 },
  CCXGate: { q: 3, p: 0, ctrl: 2 },
  Measure: { q: 1, p: 0 },
  Reset: { q: 1, p: 0 },
};

/** Big-endian fields, as the QPY structs are packed (`!`), into one growing buffer. */
class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): this {
    this.room(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
    return this;
  }
  u16(v: number): this {
    this.room(2);
    this.view.setUint16(this.length, v);
    this.length += 2;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
    return this;
  }
  i32(v: number): this {
    this.room(4);
    this.view.setInt32(this.length, v);
    this.length += 4;
    return this;
  }
  u64(v: number): this {
    this.room(8);
    this.view.setBigUint64(this.length, BigInt(v));
    this.length += 8;
    return this;
  }
  i64(v: number): this {
    this.room(8);
    this.view.setBigInt64(this.length, BigInt(v));
    this.length += 8;
    return this;
  }
  f64(v: number, littleEndian = false): this {
    this.room(8);
    this.view.setFloat64(this.length, v, littleEndian);
    this.length += 8;
    return this;
  }
  char(c: string): this {
    return this.u8(c.charCodeAt(0));
  }
  bool(b: boolean): this {
    return this.u8(b ? 1 : 0);
  }
  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  /** Overwrite a u64 written earlier (the start table). */
  setU64(at: number, v: number): void {
    this.view.setBigUint64(at, BigInt(v));
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** One QPY file holding `circuits`. */
export function writeQpy(circuits: readonly WriteCircuit[], options: WriteOptions): Uint8Array {
  const { version } = options;
  if (!Number.isInteger(version) || version < 13 || version > 17)
    throw new QpyError(`Berth writes QPY versions 13 to 17, not ${version}`);
  const [major, minor, patch] = options.qiskitVersion ?? [2, 3, 0];
  const w = new Writer();
  w.bytes(utf8('QISKIT')).u8(version).u8(major).u8(minor).u8(patch);
  w.u64(circuits.length).char('p').char('q');
  const table = w.length;
  if (version >= 16) for (let i = 0; i < circuits.length; i++) w.u64(0);
  circuits.forEach((c, i) => {
    if (version >= 16) w.setU64(table + 8 * i, w.length);
    writeCircuit(w, c, version);
  });
  return w.done();
}

function writeCircuit(w: Writer, c: WriteCircuit, version: number): void {
  const name = utf8(c.name);
  const metadata = utf8(JSON.stringify(c.metadata ?? {}));
  w.u16(name.length).char('f').u16(8);
  w.u32(c.numQubits).u32(c.numClbits).u64(metadata.length);
  w.u32(c.qregs.length + c.cregs.length)
    .u64(c.instructions.length)
    .u32(0); // num_vars
  w.bytes(name)
    .f64(c.globalPhase ?? 0)
    .bytes(metadata);
  for (const [type, regs, size] of [
    ['q', c.qregs, c.numQubits],
    ['c', c.cregs, c.numClbits],
  ] as const)
    for (const reg of regs) {
      const regName = utf8(reg.name);
      const inCircuit = reg.inCircuit ?? true;
      w.char(type).bool(true).u32(reg.bits.length).u16(regName.length).bool(inCircuit);
      w.bytes(regName);
      for (const b of reg.bits) {
        if (!Number.isInteger(b) || b < (inCircuit ? 0 : -1) || b >= size)
          throw new QpyError(`register ${reg.name} names bit ${b} of ${size}`);
        w.i64(b);
      }
    }
  if (version >= 15) {
    w.u32(c.namespaces?.length ?? 0);
    for (const ns of c.namespaces ?? []) {
      const name = utf8(ns);
      w.u32(name.length).u64(0).bytes(name);
    }
  } else if (c.namespaces?.length) throw new QpyError('annotations need QPY version 15 or later');
  w.u64(0); // custom definitions
  for (const ins of c.instructions) writeInstruction(w, ins, c, version);
  w.u16(0); // calibrations
  // An empty layout: not present, every size -1, no extra registers, no input qubit count.
  w.bool(false).i32(-1).i32(-1).i32(-1).u32(0).i32(0);
}

function writeInstruction(
  w: Writer,
  ins: WriteInstruction,
  c: WriteCircuit,
  version: number,
): void {
  const clbits = ins.clbits ?? [];
  const params = ins.params ?? [];
  const spec = STANDARD[ins.name];
  if (ins.name === 'BoxOp') {
    if (
      !ins.body ||
      ins.body.numQubits !== ins.qubits.length ||
      clbits.length !== ins.body.numClbits
    )
      throw new QpyError('a BoxOp needs a body on exactly its qubits and clbits');
  } else if (ins.name === 'Barrier') {
    if (params.length || clbits.length) throw new QpyError('a Barrier takes only qubits');
  } else if (!spec) {
    throw new QpyError(
      `the QPY writer writes standard gates, Measure, Reset, Barrier and BoxOp, not ${ins.name}`,
    );
  } else if (
    ins.qubits.length !== spec.q ||
    params.length !== spec.p ||
    clbits.length !== (ins.name === 'Measure' ? 1 : 0)
  ) {
    throw new QpyError(
      `${ins.name} takes ${spec.q} qubit(s) and ${spec.p} parameter(s); got ${ins.qubits.length} and ${params.length}`,
    );
  }
  for (const q of ins.qubits)
    if (!Number.isInteger(q) || q < 0 || q >= c.numQubits)
      throw new QpyError(`${ins.name} acts on qubit ${q} of ${c.numQubits}`);
  for (const b of clbits)
    if (!Number.isInteger(b) || b < 0 || b >= c.numClbits)
      throw new QpyError(`${ins.name} writes clbit ${b} of ${c.numClbits}`);
  const name = utf8(ins.name);
  const ctrl = spec?.ctrl ?? 0;
  const annotations = ins.annotations ?? [];
  if (annotations.length && version < 15) throw new QpyError('annotations need QPY 15 or later');
  // A box's parameters are its body, its duration (None) and its unit.
  w.u16(name.length)
    .u16(0)
    .u16(ins.body ? 3 : params.length);
  w.u32(ins.qubits.length).u32(clbits.length);
  w.u8(annotations.length ? 0x80 : 0)
    .u16(0)
    .i64(0); // no condition
  // A controlled gate's state is all ones (its controls are closed).
  w.u32(ctrl).u32(ctrl ? 2 ** ctrl - 1 : 0);
  w.bytes(name);
  for (const q of ins.qubits) w.char('q').u32(q);
  for (const b of clbits) w.char('c').u32(b);
  if (ins.body) {
    const body = new Writer();
    writeCircuit(body, ins.body, version);
    const bytes = body.done();
    w.char('q').u64(bytes.length).bytes(bytes);
    w.char('z').u64(0);
    w.char('s').u64(2).bytes(utf8('dt'));
  }
  for (const p of params) {
    if (!Number.isFinite(p)) throw new QpyError(`${ins.name} has parameter ${p}`);
    // Gate parameters are little-endian up to version 17 (what Qiskit writes).
    w.char('f').u64(8).f64(p, true);
  }
  if (annotations.length) {
    w.u32(annotations.length);
    for (const a of annotations) w.u32(a.namespace).u64(a.payload.length).bytes(a.payload);
  }
}
