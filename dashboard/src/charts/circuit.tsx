/**
 * A circuit diagram in SVG, from `GET /jobs/{id}/diagram` (the server reads the circuit with the
 * parsers that ran it). Rows are the active qubits; each operation goes in the first column free
 * on every row it spans, as Qiskit's drawer packs them. Controlled gates get dots (open for a
 * negative control) and ⊕ for an X target; other multi-qubit gates (ecr, rzz, a unitary) are one
 * box over their rows. Wide circuits scroll inside their frame, never the page.
 */
import type { JobDiagrams } from '@berth/client';

type Entry = JobDiagrams['circuits'][number];
export type Drawn = Extract<Entry, { operations: unknown }>;
type Operation = Drawn['operations'][number];

const ROW = 44;
const LEFT = 64;
const TOP = 24;
const BOX = 30;
const CHAR = 7;

/** Named controlled gates: how many controls, and the target drawn. */
const CONTROLLED: Readonly<Record<string, readonly [number, string]>> = {
  cx: [1, 'x'],
  cnot: [1, 'x'],
  cy: [1, 'y'],
  cz: [1, 'z'],
  ch: [1, 'h'],
  cs: [1, 's'],
  csdg: [1, 'sdg'],
  csx: [1, 'sx'],
  crx: [1, 'rx'],
  cry: [1, 'ry'],
  crz: [1, 'rz'],
  cp: [1, 'p'],
  cphase: [1, 'p'],
  cu: [1, 'u'],
  cu1: [1, 'p'],
  cu3: [1, 'u3'],
  cswap: [1, 'swap'],
  ccx: [2, 'x'],
  toffoli: [2, 'x'],
  ccz: [2, 'z'],
  c3x: [3, 'x'],
  c4x: [4, 'x'],
};

interface Shape {
  /** Positive and negative controls (qubits), and what the rest of the qubits get. */
  readonly controls: readonly number[];
  readonly negControls: readonly number[];
  readonly targets: readonly number[];
  readonly base: string;
}

/** Controls read from the name (`cx`, `ctrl(2) @ rz`, `negctrl @ x`) and the call's qubits. */
function shapeOf(op: Operation): Shape {
  let name = op.name;
  const pos: number[] = [];
  const neg: number[] = [];
  let used = 0;
  const take = (into: number[], n: number) => {
    for (let k = 0; k < n && used < op.qubits.length - 1; k++) into.push(op.qubits[used++] ?? 0);
  };
  for (;;) {
    const m = /^(ctrl|negctrl)(?:\((\d+)\))? @ /.exec(name);
    if (!m) break;
    take(m[1] === 'ctrl' ? pos : neg, Number(m[2] ?? 1));
    name = name.slice(m[0].length);
  }
  const known = CONTROLLED[name];
  if (known && op.qubits.length - used === known[0] + (known[1] === 'swap' ? 2 : 1)) {
    take(pos, known[0]);
    name = known[1];
  }
  return { controls: pos, negControls: neg, targets: op.qubits.slice(used), base: name };
}

const label = (base: string, params: readonly string[]) =>
  params.length ? `${base}(${params.join(', ')})` : base;

function widthOf(op: Operation): number {
  if (op.kind === 'measure') return BOX;
  if (op.kind === 'if' || op.kind === 'while')
    return Math.max(BOX, label(op.name, op.params).length * CHAR + 12);
  const s = shapeOf(op);
  if ((s.base === 'x' || s.base === 'z') && s.controls.length + s.negControls.length > 0)
    return BOX;
  if (s.base === 'swap') return BOX;
  return Math.max(BOX, label(s.base, op.params).length * CHAR + 12);
}

export function CircuitDiagram(props: { drawn: Drawn; title: string }) {
  const { drawn } = props;
  const rowOf = new Map(drawn.qubits.map((w, i) => [w.index, i]));
  const clbitLabel = new Map(drawn.clbits.map((w) => [w.index, w.label]));
  // Columns: each operation in the first column after everything on the rows it spans.
  const next: number[] = drawn.qubits.map(() => 0);
  const columns: Operation[][] = [];
  for (const op of drawn.operations) {
    const rows = op.qubits.map((q) => rowOf.get(q) ?? 0);
    const lo = Math.min(...rows);
    const hi = Math.max(...rows);
    let col = 0;
    for (let r = lo; r <= hi; r++) col = Math.max(col, next[r] ?? 0);
    for (let r = lo; r <= hi; r++) next[r] = col + 1;
    (columns[col] ??= []).push(op);
  }
  const widths = columns.map((ops) => Math.max(...ops.map(widthOf)) + 14);
  const xs: number[] = [];
  let x = LEFT;
  for (const w of widths) {
    xs.push(x + w / 2);
    x += w;
  }
  const width = x + 16;
  const height = TOP * 2 + Math.max(0, drawn.qubits.length - 1) * ROW + 10;
  const y = (q: number) => TOP + (rowOf.get(q) ?? 0) * ROW;
  return (
    <div class="circuit-frame">
      <svg
        class="circuit"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={props.title}
      >
        {drawn.qubits.map((w, i) => (
          <g key={w.index}>
            <text class="circ-label" x={LEFT - 8} y={TOP + i * ROW} dy="0.35em" text-anchor="end">
              {w.label}
            </text>
            <line
              class="circ-wire"
              x1={LEFT}
              x2={width - 8}
              y1={TOP + i * ROW}
              y2={TOP + i * ROW}
            />
          </g>
        ))}
        {columns.flatMap((ops, c) =>
          ops.map((op, k) => (
            <Op key={`${c}-${k}`} op={op} cx={xs[c] ?? 0} y={y} clbit={clbitLabel} />
          )),
        )}
      </svg>
    </div>
  );
}

function Op(props: {
  op: Operation;
  cx: number;
  y: (q: number) => number;
  clbit: ReadonlyMap<number, string>;
}) {
  const { op, cx, y } = props;
  const ys = op.qubits.map(y);
  const top = Math.min(...ys);
  const bottom = Math.max(...ys);
  const title = `${label(op.name, op.params)} on ${op.qubits.join(', ')}${
    op.clbits.length ? ` → ${op.clbits.map((b) => props.clbit.get(b) ?? b).join(', ')}` : ''
  }`;
  const box = (text: string, cy0: number, cy1: number, dashed = false) => {
    const w = Math.max(BOX, text.length * CHAR + 12);
    return (
      <>
        <rect
          class={dashed ? 'circ-box circ-block' : 'circ-box'}
          x={cx - w / 2}
          y={cy0 - BOX / 2}
          width={w}
          height={cy1 - cy0 + BOX}
          rx={3}
        />
        <text class="circ-text" x={cx} y={(cy0 + cy1) / 2} dy="0.35em" text-anchor="middle">
          {text}
        </text>
      </>
    );
  };
  if (op.kind === 'measure') {
    const cy = ys[0] ?? 0;
    return (
      <g data-op="measure">
        <title>{title}</title>
        {box('M', cy, cy)}
        <text class="circ-small" x={cx} y={cy + BOX / 2 + 10} text-anchor="middle">
          {op.clbits.map((b) => props.clbit.get(b) ?? b).join(',')}
        </text>
      </g>
    );
  }
  if (op.kind === 'reset')
    return (
      <g data-op="reset">
        {box('|0⟩', top, top)}
        <title>{title}</title>
      </g>
    );
  if (op.kind === 'delay' || op.kind === 'if' || op.kind === 'while')
    return (
      <g data-op={op.kind}>
        <title>{title}</title>
        {box(label(op.name, op.params), top, bottom, op.kind !== 'delay')}
      </g>
    );
  const s = shapeOf(op);
  const controlled = s.controls.length + s.negControls.length > 0;
  const targetYs = s.targets.map(y);
  const tTop = Math.min(...targetYs);
  const tBottom = Math.max(...targetYs);
  return (
    <g data-op="gate" data-gate={op.name}>
      <title>{title}</title>
      {(controlled || s.base === 'swap') && (
        <line class="circ-link" x1={cx} x2={cx} y1={top} y2={bottom} />
      )}
      {s.controls.map((q) => (
        <circle key={`c${q}`} class="circ-dot" cx={cx} cy={y(q)} r={5} />
      ))}
      {s.negControls.map((q) => (
        <circle key={`n${q}`} class="circ-open" cx={cx} cy={y(q)} r={5} />
      ))}
      {controlled && s.base === 'x' && s.targets.length === 1 ? (
        <>
          <circle class="circ-open" cx={cx} cy={tTop} r={11} />
          <line class="circ-link" x1={cx - 11} x2={cx + 11} y1={tTop} y2={tTop} />
          <line class="circ-link" x1={cx} x2={cx} y1={tTop - 11} y2={tTop + 11} />
        </>
      ) : controlled && s.base === 'z' && s.targets.length === 1 ? (
        <circle class="circ-dot" cx={cx} cy={tTop} r={5} />
      ) : s.base === 'swap' && s.targets.length === 2 ? (
        targetYs.map((ty) => (
          <g key={ty}>
            <line class="circ-link" x1={cx - 7} x2={cx + 7} y1={ty - 7} y2={ty + 7} />
            <line class="circ-link" x1={cx - 7} x2={cx + 7} y1={ty + 7} y2={ty - 7} />
          </g>
        ))
      ) : (
        box(label(s.base, op.params), tTop, tBottom)
      )}
    </g>
  );
}
