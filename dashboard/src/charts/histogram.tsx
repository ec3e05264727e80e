/**
 * A sampler register's counts as bars: the `top` most frequent outcomes, and the rest summed as
 * "others" (a 20-bit register has up to a million outcomes). The same numbers are in a table.
 */
import type { RegisterCounts } from '@berth/client';
import { useMemo } from 'preact/hooks';
import uPlot from 'uplot';
import { PALETTE, Plot } from './uplot';
import { Head } from '../table';

export interface Bar {
  readonly label: string;
  readonly count: number;
}

/** The `top` largest counts (ties: bitstring order), then "others" for the rest. */
export function topCounts(counts: RegisterCounts, top = 16): Bar[] {
  const all = Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const bars = all.slice(0, top).map(([label, count]) => ({ label, count }));
  const rest = all.slice(top).reduce((n, [, c]) => n + c, 0);
  if (all.length > top) bars.push({ label: `others (${all.length - top})`, count: rest });
  return bars;
}

export function Histogram(props: { register: string; counts: RegisterCounts; top?: number }) {
  const bars = useMemo(() => topCounts(props.counts, props.top), [props.counts, props.top]);
  const total = bars.reduce((n, b) => n + b.count, 0);
  const options = useMemo<Omit<uPlot.Options, 'width'>>(
    () => ({
      height: 220,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [-0.5, bars.length - 0.5] }, y: { range: [0, null] } },
      axes: [
        {
          values: (_u, ticks) => ticks.map((t) => bars[Math.round(t)]?.label ?? ''),
          splits: () => bars.map((_, i) => i),
          rotate: bars.length > 8 ? -45 : 0,
          size: bars.length > 8 ? 80 : 40,
          stroke: 'currentColor',
        },
        { stroke: 'currentColor', label: 'count' },
      ],
      series: [
        {},
        {
          label: props.register,
          fill: PALETTE[0],
          stroke: PALETTE[0],
          ...(uPlot.paths.bars ? { paths: uPlot.paths.bars({ size: [0.7, 80] }) } : {}),
          points: { show: false },
        },
      ],
    }),
    [bars, props.register],
  );
  const data = useMemo<uPlot.AlignedData>(
    () => [bars.map((_, i) => i), bars.map((b) => b.count)],
    [bars],
  );
  return (
    <figure class="histogram" data-register={props.register}>
      <figcaption>
        Register <code>{props.register}</code>: {total} shots
      </figcaption>
      <Plot options={options} data={data} label={`Counts of register ${props.register}`} />
      <table class="compact">
        <caption class="sr-only">Counts of register {props.register}</caption>
        <Head cols={['Outcome', 'Count', 'Share']} />
        <tbody>
          {bars.map((b) => (
            <tr key={b.label}>
              <td>
                <code>{b.label}</code>
              </td>
              <td>{b.count}</td>
              <td>{total ? ((100 * b.count) / total).toFixed(1) : '0'} %</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
