/** Waiting for a job with a progress line, and printing its result (shared by jobs and run). */
import { setTimeout as delay } from 'node:timers/promises';
import { type Job, type WireJob, countsOf, isPrimitiveResult } from '../../client/index.js';
import { CliError, type Context, EXIT, type OptionSpec, choice, int } from '../command.js';
import { type HistogramSort, Progress, histogram, printJson } from '../output.js';

const FINAL = new Set(['Completed', 'Failed', 'Cancelled']);

export const isFinal = (j: WireJob): boolean => FINAL.has(j.state.status);

/** `Queued (position 3)`, `Running`, … */
function stateText(j: Job, position: number | null): string {
  const own = (j.details as { position_in_queue?: unknown } | null)?.position_in_queue;
  const pos = typeof own === 'number' ? own : position;
  return (
    (j.details?.status ?? j.status) +
    (j.status === 'Queued' && pos !== null ? ` (position ${pos})` : '')
  );
}

/**
 * Wait until the job ends, showing its state on stderr (the queue position comes from the job's
 * metrics, asked every 2 s while it is queued); resolves with its final JSON.
 */
export async function waitForJob(ctx: Context, job: Job): Promise<WireJob> {
  if (job.details && isFinal(job.details)) return job.details;
  const progress = new Progress(ctx.io, `job ${job.id}`);
  const done = new AbortController();
  const signal = AbortSignal.any([ctx.signal, done.signal]);
  let position: number | null = null;
  const show = (): void => progress.update(stateText(job, position));
  const stop = (): void => progress.stop();
  ctx.signal.addEventListener('abort', stop);
  const positions = (async () => {
    while (!signal.aborted) {
      if (job.status === 'Queued') {
        try {
          position = (await job.metrics({ signal })).position_in_queue;
          show();
        } catch {
          // the position is a nicety: the wait itself reports real problems
        }
      }
      await delay(2000, undefined, { signal }).catch(() => undefined);
    }
  })();
  try {
    show();
    await job.wait({ signal: ctx.signal, onUpdate: show });
    show();
    if (!job.details) throw new Error(`job ${job.id}: no details after waiting`);
    return job.details;
  } finally {
    done.abort();
    await positions;
    progress.stop();
    ctx.signal.removeEventListener('abort', stop);
  }
}

export const resultOptions: Readonly<Record<string, OptionSpec>> = {
  sort: {
    type: 'string',
    value: 'KEY',
    description: 'histogram order: bitstring (default) or count',
  },
  top: {
    type: 'string',
    value: 'N',
    description: 'show at most N outcomes per register (default 32)',
  },
};

export interface ResultView {
  readonly sort: HistogramSort;
  readonly top: number;
}

/** --sort and --top, checked before anything is submitted or waited for. */
export function resultView(ctx: Context): ResultView {
  return {
    sort: choice(ctx, 'sort', ['bitstring', 'count'] as const) ?? 'bitstring',
    top: int(ctx, 'top', 1, 1_000_000) ?? 32,
  };
}

/** The result document; a Completed job's result may lag it by a moment (204). */
async function fetchResult(ctx: Context, id: string): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const doc = await ctx.client().jobs.results(id, { signal: ctx.signal });
    if (doc) return doc;
    if (attempt >= 10) throw new CliError(EXIT.api, `job ${id} is Completed but has no result`);
    await delay(Math.min(1000, 50 * 2 ** attempt), undefined, { signal: ctx.signal });
  }
}

/**
 * The result of a finished job: with --json the PrimitiveResult document; otherwise a histogram
 * per register of each sampler pub, expectation values of estimator pubs. Exit 1 when the job
 * did not complete.
 */
export async function printResult(ctx: Context, job: WireJob, view: ResultView): Promise<number> {
  if (job.state.status !== 'Completed') {
    const why = isFinal(job)
      ? `ended ${job.status}, without a result`
      : `is ${job.status} and has no result yet (--wait waits for it)`;
    throw new CliError(
      EXIT.failed,
      `job ${job.id} ${why}${job.state.reason ? `: ${job.state.reason}` : ''}`,
    );
  }
  const result = await fetchResult(ctx, job.id);
  if (ctx.json) {
    printJson(ctx.io, result);
    return 0;
  }
  if (!isPrimitiveResult(result)) {
    // A program's own JSON (or a document from before results were checked): shown as it is.
    ctx.io.err(`job ${job.id}'s result is not a PrimitiveResult document; as stored:\n`);
    printJson(ctx.io, result);
    return 0;
  }
  const pubs = result.__value__.pub_results;
  pubs.forEach((pub, i) => {
    if (pubs.length > 1) ctx.io.out(`${i ? '\n' : ''}pub ${i}\n`);
    const meta = pub.__value__.metadata ?? {};
    if (Array.isArray(meta.counts)) {
      // A pub with a shape (parameter sweeps): one counts object per point, nested.
      ctx.io.out(`counts per point of the pub's shape:\n${JSON.stringify(meta.counts, null, 2)}\n`);
    } else if (meta.counts !== undefined) {
      const registers = Object.entries(countsOf(result, i));
      registers.forEach(([name, counts], r) => {
        const text = histogram(name, counts, { columns: ctx.io.columns, ...view });
        ctx.io.out(`${r ? '\n' : ''}${text}`);
      });
    } else if (meta.evs !== undefined) {
      ctx.io.out(
        `expectation values: ${JSON.stringify(meta.evs)}\nstandard deviations: ${JSON.stringify(meta.stds)}\n`,
      );
    } else ctx.io.out(`${JSON.stringify(pub.__value__, null, 2)}\n`);
  });
  return 0;
}
