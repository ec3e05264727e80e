/**
 * A backend's last hour: one row per lane, a bar per job while it ran, coloured by instance; a
 * dedicated session's reservation (active, holding every lane, running or not) is drawn behind
 * as a hatched band, so idle reserved time stands apart from execution time. The axes, scales
 * and resizing are uPlot's; the bars are drawn in its draw hook.
 */
import { useMemo, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import { Plot } from './uplot';

export interface Span {
  readonly id: string;
  readonly label: string;
  /** Seconds since the epoch. */
  readonly start: number;
  readonly end: number;
  readonly colour: string;
  /** The instance it belongs to (CRN), for the legend. */
  readonly instance?: string;
}

export interface Lanes {
  /** Jobs, each on a lane (0-based). */
  readonly jobs: readonly (Span & { readonly lane: number })[];
  /** Dedicated reservations, across all lanes. */
  readonly reservations: readonly Span[];
}

/**
 * Jobs onto lanes: each takes the lowest lane free when it starts (the API does not say which
 * lane ran a job; any assignment without overlaps shows the same occupancy).
 */
export function assignLanes(jobs: readonly Span[], lanes: number): (Span & { lane: number })[] {
  const freeAt: number[] = Array.from({ length: Math.max(1, lanes) }, () => -Infinity);
  return [...jobs]
    .sort((a, b) => a.start - b.start)
    .map((j) => {
      let lane = freeAt.findIndex((t) => t <= j.start);
      if (lane < 0) lane = freeAt.indexOf(Math.min(...freeAt));
      freeAt[lane] = j.end;
      return { ...j, lane };
    });
}

export function Timeline(props: {
  backend: string;
  lanes: number;
  data: Lanes;
  /** The window: [from, to], seconds since the epoch. */
  window: readonly [number, number];
}) {
  const { lanes } = props;
  // The draw hook reads the latest spans; new data (below) makes uPlot draw again.
  const spans = useRef(props.data);
  spans.current = props.data;
  const options = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 70 + 36 * lanes,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: true }, y: { range: [0, lanes] } },
      axes: [
        { stroke: 'currentColor' },
        {
          stroke: 'currentColor',
          splits: () => Array.from({ length: lanes }, (_, i) => i + 0.5),
          values: (_u, ticks) => ticks.map((t) => `lane ${Math.floor(t) + 1}`),
          size: 60,
        },
      ],
      series: [{}, { show: false }],
      hooks: { draw: [(u: uPlot) => drawSpans(u, spans.current, lanes)] },
    }),
    [lanes],
  );
  const data = useMemo<uPlot.AlignedData>(
    () => [
      [props.window[0], props.window[1]],
      [null, null],
    ],
    [props.window, props.data],
  );
  return (
    <Plot
      options={options}
      data={data}
      label={`Occupancy of the lanes of ${props.backend} in the last hour`}
    />
  );
}

function drawSpans(u: uPlot, data: Lanes, lanes: number): void {
  const ctx = u.ctx;
  const x = (t: number) => u.valToPos(t, 'x', true);
  const y = (v: number) => u.valToPos(v, 'y', true);
  ctx.save();
  ctx.beginPath();
  ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
  ctx.clip();
  for (const r of data.reservations) {
    ctx.fillStyle = hatch(ctx, r.colour);
    ctx.fillRect(x(r.start), y(lanes), x(r.end) - x(r.start), y(0) - y(lanes));
    ctx.strokeStyle = r.colour;
    ctx.strokeRect(x(r.start), y(lanes), x(r.end) - x(r.start), y(0) - y(lanes));
  }
  for (const j of data.jobs) {
    const top = y(j.lane + 0.85);
    ctx.fillStyle = j.colour;
    ctx.fillRect(x(j.start), top, Math.max(3, x(j.end) - x(j.start)), y(j.lane + 0.15) - top);
  }
  ctx.restore();
}

/** One pattern per colour, made once: the timeline is drawn again every second. */
const hatches = new Map<string, CanvasPattern | string>();

function hatch(ctx: CanvasRenderingContext2D, colour: string): CanvasPattern | string {
  let made = hatches.get(colour);
  if (!made) {
    made = makeHatch(ctx, colour);
    hatches.set(colour, made);
  }
  return made;
}

function makeHatch(ctx: CanvasRenderingContext2D, colour: string): CanvasPattern | string {
  const c = document.createElement('canvas');
  c.width = c.height = 8;
  const g = c.getContext('2d');
  if (!g) return colour;
  g.strokeStyle = colour;
  g.globalAlpha = 0.45;
  g.lineWidth = 2;
  g.beginPath();
  g.moveTo(0, 8);
  g.lineTo(8, 0);
  g.stroke();
  return ctx.createPattern(c, 'repeat') ?? colour;
}
