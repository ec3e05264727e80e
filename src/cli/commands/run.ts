/** `berth run circuit.qasm`: submit a sampler job, wait for it, print the counts histogram. */
import { shotsOption } from './shots.js';
import { type Command, UsageError, arg, list, str } from '../command.js';
import { readText, samplerParams } from './jobs.js';
import { printResult, resultOptions, resultView, waitForJob } from './results.js';

const run: Command = {
  path: 'run',
  summary: 'run an OpenQASM circuit, wait, and print a counts histogram per register',
  args: ['FILE'],
  json: true,
  options: {
    backend: {
      type: 'string',
      value: 'NAME',
      description: 'the backend (optional with a --session that has one)',
    },
    session: { type: 'string', value: 'ID', description: 'run in this session' },
    shots: {
      type: 'string',
      value: 'N',
      description: "number of shots (default: the sampler's default)",
    },
    program: { type: 'string', value: 'ID', description: 'the program (default sampler)' },
    tag: { type: 'string', multiple: true, value: 'TAG', description: 'a job tag (repeatable)' },
    ...resultOptions,
  },
  details: `FILE holds OpenQASM 2 or 3 (- reads stdin). The job id goes to stderr, the histogram to
stdout: bars scaled to the terminal width, the count and the percentage of the shots. With --json
stdout gets the PrimitiveResult document instead. Exit 1 if the job fails or is cancelled;
Ctrl-C stops waiting (exit 130) but not the job.`,
  examples: [
    'berth run bell.qasm --backend berth_sim --shots 1000',
    'berth run ghz.qasm --backend berth_manila --session "$SESSION" --sort count --top 4',
    "echo 'OPENQASM 3.0; qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c = measure q;' | berth run - --backend berth_sim",
  ],
  async run(ctx) {
    const file = arg(ctx, 'FILE');
    const backend = str(ctx, 'backend');
    const sessionId = str(ctx, 'session');
    if (!backend && !sessionId) throw new UsageError('give --backend (or --session)');
    const shots = await shotsOption(ctx, { backend, sessionId });
    const view = resultView(ctx);
    const qasm = file === '-' ? await ctx.io.readStdin() : await readText(file);
    if (!qasm.trim()) throw new UsageError(`${file} is empty`);
    const tags = list(ctx, 'tag');
    const job = await ctx.client().jobs.submit({
      programId: str(ctx, 'program') ?? 'sampler',
      params: samplerParams(qasm, shots),
      ...(backend ? { backend } : {}),
      ...(sessionId ? { sessionId } : {}),
      ...(tags.length ? { tags } : {}),
    });
    ctx.io.err(`Submitted job ${job.id}\n`);
    const final = await waitForJob(ctx, job);
    return printResult(ctx, final, view);
  },
};

export const runCommands: readonly Command[] = [run];
