/**
 * Output of the `berth` client commands: JSON documents for scripts, aligned tables and
 * key/value blocks for people, the counts histogram, and the progress line of long waits.
 */
import type { Env } from './settings.js';

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly stderrIsTTY: boolean;
  /** Width of stdout for tables and histograms. */
  readonly columns: number;
  /** Width of stderr for the progress line. */
  readonly errColumns: number;
  readonly env: Env;
  readonly readStdin: () => Promise<string>;
}

/** One JSON document on stdout. */
export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

export type Align = 'left' | 'right';

/** An aligned table with a header row; `-` for empty cells. */
export function table(
  headers: readonly string[],
  rows: readonly string[][],
  align: Align[] = [],
): string {
  const cells = rows.map((r) => headers.map((_, i) => r[i] || '-'));
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)),
  );
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => {
        const w = widths[i] ?? 0;
        return align[i] === 'right' ? c.padStart(w) : i === r.length - 1 ? c : c.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

/** `label:  value` lines, aligned; null/undefined/'' values print as `-`. */
export function keyValues(pairs: ReadonlyArray<readonly [string, unknown]>): string {
  const w = Math.max(...pairs.map(([k]) => k.length)) + 1;
  return (
    pairs
      .map(
        ([k, v]) =>
          `${`${k}:`.padEnd(w)}  ${v === null || v === undefined || v === '' ? '-' : String(v)}`,
      )
      .join('\n') + '\n'
  );
}

/** `2026-11-28 13:11:43Z` from an ISO datetime; `-` for none. */
export function fmtTime(iso: unknown): string {
  if (typeof iso !== 'string' || iso === '') return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** `850ms`, `12.3s`, `4m 05s`, `2h 03m`. */
export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Seconds as `8h`, `7h 59m 54s`, `90.5s` (`-` for anything but a number). */
export function fmtSeconds(s: unknown): string {
  if (typeof s !== 'number' || !Number.isFinite(s)) return '-';
  if (s < 60) return `${Math.round(s * 10) / 10}s`;
  const t = Math.round(s);
  const parts: [number, string][] = [
    [Math.floor(t / 3600), 'h'],
    [Math.floor((t % 3600) / 60), 'm'],
    [t % 60, 's'],
  ];
  return parts
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join(' ');
}

export type HistogramSort = 'bitstring' | 'count';

export interface HistogramOptions {
  readonly columns: number;
  readonly sort: HistogramSort;
  /** Show at most this many outcomes (the most frequent when sorted by count). */
  readonly top: number;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

function bar(fraction: number, width: number): string {
  const eighths = Math.round(fraction * width * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + (EIGHTHS[eighths % 8] ?? '');
}

/**
 * One register's counts as a histogram: bitstring, a bar scaled so the most frequent outcome
 * fills the width, the count and its percentage of all shots.
 */
export function histogram(
  register: string,
  counts: Readonly<Record<string, number>>,
  opts: HistogramOptions,
): string {
  const entries = Object.entries(counts);
  const shots = entries.reduce((a, [, c]) => a + c, 0);
  const head = `${register}: ${shots} shots, ${entries.length} outcome${entries.length === 1 ? '' : 's'}\n`;
  if (!entries.length) return head;
  const byCount = [...entries].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const kept = byCount.slice(0, opts.top);
  if (opts.sort === 'bitstring') kept.sort((a, b) => a[0].localeCompare(b[0]));
  const max = byCount[0]?.[1] ?? 1;
  const keyW = Math.max(...kept.map(([k]) => k.length));
  const countW = Math.max(...kept.map(([, c]) => String(c).length));
  // "  key  bar  count  100.0%"
  const barW = Math.max(10, opts.columns - (2 + keyW + 2 + 2 + countW + 2 + 6) - 1);
  const lines = kept.map(([k, c]) => {
    const pct = `${((100 * c) / shots).toFixed(1)}%`.padStart(6);
    return `  ${k.padEnd(keyW)}  ${bar(c / max, barW).padEnd(barW)}  ${String(c).padStart(countW)}  ${pct}`;
  });
  const hidden = entries.length - kept.length;
  if (hidden > 0) {
    const rest = byCount.slice(opts.top).reduce((a, [, c]) => a + c, 0);
    lines.push(
      `  … ${hidden} more outcome${hidden === 1 ? '' : 's'} (${rest} shots, ${((100 * rest) / shots).toFixed(1)}%; --top to show more)`,
    );
  }
  return head + lines.join('\n') + '\n';
}

/**
 * The status of a long wait on stderr: one line rewritten in place on a terminal (with a live
 * elapsed time), plain lines on each change otherwise. Never touches stdout.
 */
export class Progress {
  private readonly started = performance.now();
  private text = '';
  private last = '';
  private drawn = false;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly io: Io,
    private readonly label: string,
  ) {
    if (io.stderrIsTTY) {
      this.timer = setInterval(() => this.draw(), 200);
      this.timer.unref();
    }
  }

  elapsed(): string {
    return fmtDuration(performance.now() - this.started);
  }

  update(text: string): void {
    this.text = text;
    if (this.io.stderrIsTTY) this.draw();
    else if (text !== this.last) {
      this.last = text;
      this.io.err(`${this.label}: ${text} (${this.elapsed()})\n`);
    }
  }

  /** Clear the line (on a terminal) and stop the clock. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.drawn) this.io.err('\r\x1b[2K');
    this.drawn = false;
  }

  private draw(): void {
    const width = Math.max(20, this.io.errColumns - 1);
    const line = `${this.label}  ${this.text}  ${this.elapsed()}`;
    this.io.err(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    this.drawn = true;
  }
}
