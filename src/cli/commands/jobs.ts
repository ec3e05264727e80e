/** `berth jobs submit|get|list|wait|cancel|delete|result|logs`. */
import { shotsOption } from './shots.js';
import { readFile } from 'node:fs/promises';
import type { WireJob } from '../../client/index.js';
import {
  type Command,
  type Context,
  UsageError,
  arg,
  choice,
  flag,
  int,
  list,
  str,
} from '../command.js';
import { fmtSeconds, fmtTime, keyValues, printJson, table } from '../output.js';
import { printResult, resultOptions, resultView, waitForJob } from './results.js';

function describe(j: WireJob): string {
  return keyValues([
    ['id', j.id],
    ['status', j.status + (j.state.reason ? ` (${j.state.reason})` : '')],
    ['program', j.program.id],
    ['backend', j.backend],
    ['session', j.session_id],
    ['created', fmtTime(j.created)],
    ['started', fmtTime(j.started)],
    ['ended', fmtTime(j.ended)],
    ['tags', j.tags.join(', ')],
    ['usage', fmtSeconds(j.usage.qpu_charge_time_seconds)],
  ]);
}

/** `-` (stdin), `@file` or inline text. */
async function textArg(ctx: Context, value: string): Promise<string> {
  if (value === '-') return ctx.io.readStdin();
  if (value.startsWith('@')) return readText(value.slice(1));
  return value;
}

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** Sampler V2 params for one circuit: `{version: 2, pubs: [[qasm, null, shots]]}`. */
export function samplerParams(qasm: string, shots: number | undefined): Record<string, unknown> {
  return { version: 2, pubs: [shots === undefined ? [qasm] : [qasm, null, shots]] };
}

const submit: Command = {
  path: 'jobs submit',
  summary: 'submit a job (prints its id; jobs wait follows it)',
  json: true,
  options: {
    program: { type: 'string', value: 'ID', description: 'sampler (default), estimator, …' },
    backend: {
      type: 'string',
      value: 'NAME',
      description: 'the backend (optional with --session if the session has one)',
    },
    session: { type: 'string', value: 'ID', description: 'run in this session' },
    params: {
      type: 'string',
      value: 'JSON',
      description: 'the program parameters: JSON, @file.json or - (stdin)',
    },
    circuit: {
      type: 'string',
      value: 'FILE',
      description: 'instead of --params: one OpenQASM 2/3 circuit for the sampler',
    },
    shots: {
      type: 'string',
      value: 'N',
      description: "shots for --circuit (default: the sampler's)",
    },
    tag: { type: 'string', multiple: true, value: 'TAG', description: 'a job tag (repeatable)' },
    quiet: { type: 'boolean', short: 'q', description: 'print only the job id' },
  },
  examples: [
    'berth jobs submit --backend berth_sim --circuit bell.qasm --shots 1000',
    'JOB=$(berth jobs submit --session "$SESSION" --params @pubs.json -q) && berth jobs wait "$JOB"',
    `berth jobs submit --program estimator --backend berth_sim --params '{"version": 2, "pubs": [["OPENQASM 3.0; qubit q; h q;", "X"]]}'`,
  ],
  async run(ctx) {
    const paramsArg = str(ctx, 'params');
    const circuit = str(ctx, 'circuit');
    if ((paramsArg === undefined) === (circuit === undefined))
      throw new UsageError('give either --params or --circuit');
    const backend = str(ctx, 'backend');
    const sessionId = str(ctx, 'session');
    const shots = await shotsOption(ctx, { backend, sessionId });
    let params: Record<string, unknown>;
    if (circuit !== undefined)
      params = samplerParams(await textArg(ctx, circuit === '-' ? '-' : `@${circuit}`), shots);
    else {
      const text = await textArg(ctx, paramsArg ?? '');
      try {
        params = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw new UsageError('--params is not valid JSON');
      }
    }
    const tags = list(ctx, 'tag');
    const job = await ctx.client().jobs.submit({
      programId: str(ctx, 'program') ?? 'sampler',
      params,
      ...(backend ? { backend } : {}),
      ...(sessionId ? { sessionId } : {}),
      ...(tags.length ? { tags } : {}),
    });
    if (ctx.json)
      printJson(ctx.io, { id: job.id, backend: job.backend, session_id: job.sessionId });
    else ctx.io.out(`${job.id}\n`);
    return 0;
  },
};

const get: Command = {
  path: 'jobs get',
  summary: 'show a job: status, reason, timestamps, usage',
  args: ['ID'],
  json: true,
  examples: ['berth jobs get "$JOB"', 'berth jobs get "$JOB" --json | jq -r .status'],
  async run(ctx) {
    const job = (await ctx.client().jobs.get(arg(ctx, 'ID'))).details;
    if (!job) throw new Error('no job details');
    if (ctx.json) printJson(ctx.io, job);
    else ctx.io.out(describe(job));
    return 0;
  },
};

const listJobs: Command = {
  path: 'jobs list',
  summary: "list the instance's jobs, newest first",
  json: true,
  options: {
    pending: { type: 'boolean', description: 'only Queued and Running jobs' },
    done: { type: 'boolean', description: 'only finished jobs' },
    backend: { type: 'string', value: 'NAME', description: 'only this backend' },
    session: { type: 'string', value: 'ID', description: 'only this session' },
    program: { type: 'string', value: 'ID', description: 'only this program' },
    tag: {
      type: 'string',
      multiple: true,
      value: 'TAG',
      description: 'only jobs with every such tag',
    },
    limit: { type: 'string', value: 'N', description: 'at most N (1–200, default 200)' },
    offset: { type: 'string', value: 'N', description: 'skip the first N' },
    sort: { type: 'string', value: 'ORDER', description: 'newest (default) or oldest first' },
  },
  examples: [
    'berth jobs list --pending',
    'berth jobs list --session "$SESSION" --json | jq -r \'.jobs[] | "\\(.id) \\(.status)"\'',
  ],
  async run(ctx) {
    if (flag(ctx, 'pending') && flag(ctx, 'done'))
      throw new UsageError('--pending and --done exclude each other');
    const tags = list(ctx, 'tag');
    const backend = str(ctx, 'backend');
    const session = str(ctx, 'session');
    const program = str(ctx, 'program');
    const limit = int(ctx, 'limit', 1, 200);
    const offset = int(ctx, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const sort = choice(ctx, 'sort', ['newest', 'oldest'] as const);
    const doc = await ctx.client().jobs.list({
      ...(flag(ctx, 'pending') ? { pending: true } : flag(ctx, 'done') ? { pending: false } : {}),
      ...(backend ? { backend } : {}),
      ...(session ? { session_id: session } : {}),
      ...(program ? { program } : {}),
      ...(tags.length ? { tags } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(offset !== undefined ? { offset } : {}),
      ...(sort ? { sort: sort === 'oldest' ? 'ASC' : 'DESC' } : {}),
    });
    if (ctx.json) printJson(ctx.io, doc);
    else {
      ctx.io.out(
        table(
          ['ID', 'STATUS', 'PROGRAM', 'BACKEND', 'SESSION', 'CREATED', 'TAGS'],
          doc.jobs.map((j) => [
            j.id,
            j.status,
            j.program.id,
            j.backend,
            j.session_id ?? '',
            fmtTime(j.created),
            j.tags.join(','),
          ]),
        ),
      );
      if (doc.count > doc.jobs.length)
        ctx.io.err(`${doc.jobs.length} of ${doc.count} (--limit/--offset for more)\n`);
    }
    return 0;
  },
};

const wait: Command = {
  path: 'jobs wait',
  summary: 'wait for a job to end; exit 0 if Completed, 1 if Failed or Cancelled',
  args: ['ID'],
  json: true,
  details: `Shows the state, queue position and elapsed time on stderr (one updating line on a
terminal, a line per change otherwise). Prints the final status on stdout (the job's JSON with
--json). Ctrl-C stops waiting (exit 130); the job goes on.`,
  examples: [
    'berth jobs wait "$JOB" && berth jobs result "$JOB"',
    'berth jobs wait "$JOB" --json | jq .state',
  ],
  async run(ctx) {
    const job = await ctx.client().jobs.get(arg(ctx, 'ID'));
    const final = await waitForJob(ctx, job);
    if (ctx.json) printJson(ctx.io, final);
    else
      ctx.io.out(
        `${final.id}  ${final.status}${final.state.reason ? ` (${final.state.reason})` : ''}\n`,
      );
    return final.status === 'Completed' ? 0 : 1;
  },
};

const cancel: Command = {
  path: 'jobs cancel',
  summary: 'cancel a queued or running job',
  args: ['ID'],
  examples: [
    'berth jobs cancel "$JOB"',
    "berth jobs list --pending --json | jq -r '.jobs[].id' | xargs -n1 berth jobs cancel",
  ],
  async run(ctx) {
    const id = arg(ctx, 'ID');
    await ctx.client().jobs.cancel(id);
    ctx.io.err(`Cancelling job ${id}\n`);
    return 0;
  },
};

const remove: Command = {
  path: 'jobs delete',
  summary: 'delete a finished job and its result',
  args: ['ID'],
  examples: ['berth jobs delete "$JOB"'],
  async run(ctx) {
    const id = arg(ctx, 'ID');
    await ctx.client().jobs.delete(id);
    ctx.io.err(`Deleted job ${id}\n`);
    return 0;
  },
};

const result: Command = {
  path: 'jobs result',
  summary: "a job's result as counts histograms (--json: the PrimitiveResult)",
  args: ['ID'],
  json: true,
  options: {
    wait: { type: 'boolean', description: 'wait for the job to end first' },
    ...resultOptions,
  },
  details: `Exit 1 when the job Failed or was Cancelled (no result), or is still running without --wait.`,
  examples: [
    'berth jobs result "$JOB"',
    'berth jobs result "$JOB" --sort count --top 8',
    'berth jobs result "$JOB" --json | jq \'.__value__.pub_results[0].__value__.metadata.counts\'',
  ],
  async run(ctx) {
    const view = resultView(ctx);
    const job = await ctx.client().jobs.get(arg(ctx, 'ID'));
    const final = flag(ctx, 'wait') ? await waitForJob(ctx, job) : job.details;
    if (!final) throw new Error('no job details');
    return printResult(ctx, final, view);
  },
};

const logs: Command = {
  path: 'jobs logs',
  summary: "a job's log",
  args: ['ID'],
  json: true,
  examples: ['berth jobs logs "$JOB"', 'berth jobs logs "$JOB" --json | jq -r .logs'],
  async run(ctx) {
    const id = arg(ctx, 'ID');
    const text = await ctx.client().jobs.logs(id);
    if (ctx.json) printJson(ctx.io, { id, logs: text });
    else ctx.io.out(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    return 0;
  },
};

export const jobCommands: readonly Command[] = [
  submit,
  get,
  listJobs,
  wait,
  cancel,
  remove,
  result,
  logs,
];
