/** uPlot in a Preact component: created once per mount, given new data as it changes. */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export function Plot(props: {
  options: Omit<uPlot.Options, 'width'>;
  data: uPlot.AlignedData;
  /** What the chart shows, for screen readers (the data is also in a table beside it). */
  label: string;
}): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const scheme = useColourScheme();
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // A canvas knows no CSS: the axes get the page's own text and line colours.
    const fg = getComputedStyle(el).color;
    const line = getComputedStyle(document.documentElement).getPropertyValue('--line').trim();
    const axes = (props.options.axes ?? []).map((a) => ({
      ...a,
      stroke: fg,
      grid: { stroke: line, width: 1 },
      ticks: { stroke: line, width: 1 },
    }));
    const options = { ...props.options, axes, width: el.clientWidth || 600 };
    const u = new uPlot(options, props.data, el);
    plot.current = u;
    const resize = new ResizeObserver(() =>
      u.setSize({ width: el.clientWidth || 600, height: props.options.height }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // The options are fixed for a mount (and a colour scheme); the data changes below.
  }, [props.options, scheme]);
  useEffect(() => {
    plot.current?.setData(props.data);
  }, [props.data]);
  return <div class="plot" ref={box} role="img" aria-label={props.label} />;
}

/** 'dark' or 'light', following the system's preference as it changes. */
function useColourScheme(): string {
  const query = matchMedia('(prefers-color-scheme: dark)');
  const [dark, setDark] = useState(query.matches);
  useEffect(() => {
    const on = (e: MediaQueryListEvent) => setDark(e.matches);
    query.addEventListener('change', on);
    return () => query.removeEventListener('change', on);
  }, [query]);
  return dark ? 'dark' : 'light';
}

/** Colours that read on light and dark backgrounds alike. */
export const PALETTE = ['#2f6fdf', '#d9480f', '#2b8a3e', '#ae3ec9', '#e67700', '#0c8599'];
