/** `berth backends [status|configuration|properties NAME]` and `berth usage`. */
import { type Command, arg } from '../command.js';
import { fmtSeconds, fmtTime, keyValues, printJson, table } from '../output.js';

const listBackends: Command = {
  path: 'backends',
  summary: 'list backends with their status and queue length',
  json: true,
  examples: ['berth backends', "berth backends --json | jq -r '.devices[].name'"],
  async run(ctx) {
    const devices = await ctx.client().backends.list();
    if (ctx.json) printJson(ctx.io, { devices });
    else
      ctx.io.out(
        table(
          ['NAME', 'STATUS', 'QUBITS', 'QUEUE', 'PROCESSOR'],
          devices.map((d) => [
            d.name,
            d.status.name + (d.status.reason ? ` (${d.status.reason})` : ''),
            String(d.qubits),
            String(d.queue_length),
            processor(d.processor_type),
          ]),
          ['left', 'left', 'right', 'right'],
        ),
      );
    return 0;
  },
};

function processor(p: unknown): string {
  if (p && typeof p === 'object') {
    const { family, revision } = p as { family?: unknown; revision?: unknown };
    return [family, revision].filter((x) => x !== undefined && x !== null && x !== '').join(' r');
  }
  return typeof p === 'string' ? p : '';
}

const status: Command = {
  path: 'backends status',
  summary: "a backend's status and queue length",
  args: ['NAME'],
  json: true,
  examples: ['berth backends status berth_sim', 'berth backends status berth_manila --json'],
  async run(ctx) {
    const s = await ctx.client().backends.status(arg(ctx, 'NAME'));
    if (ctx.json) printJson(ctx.io, s);
    else
      ctx.io.out(
        keyValues([
          ['backend', arg(ctx, 'NAME')],
          ['status', s.status],
          ['accepting jobs', s.state ? 'yes' : 'no'],
          ['message', s.message],
          ['queue', s.length_queue],
          ['version', s.backend_version],
        ]),
      );
    return 0;
  },
};

const configuration: Command = {
  path: 'backends configuration',
  summary: "a backend's Qiskit configuration (--json: the whole document)",
  args: ['NAME'],
  json: true,
  examples: [
    'berth backends configuration berth_manila',
    "berth backends configuration berth_manila --json | jq -c '.coupling_map'",
  ],
  async run(ctx) {
    const c = (await ctx.client().backends.configuration(arg(ctx, 'NAME'))) as Record<
      string,
      unknown
    >;
    if (ctx.json) printJson(ctx.io, c);
    else {
      const coupling = c.coupling_map;
      ctx.io.out(
        keyValues([
          ['backend', c.backend_name],
          ['version', c.backend_version],
          ['qubits', c.n_qubits],
          ['basis gates', Array.isArray(c.basis_gates) ? c.basis_gates.join(' ') : ''],
          [
            'coupling map',
            Array.isArray(coupling) ? `${coupling.length} directed edges` : 'all-to-all',
          ],
          ['max shots', c.max_shots],
          ['max experiments', c.max_experiments],
          ['simulator', c.simulator ? 'yes' : 'no'],
        ]),
      );
    }
    return 0;
  },
};

interface Nduv {
  name: string;
  value: number;
  unit: string;
}

const properties: Command = {
  path: 'backends properties',
  summary: "a backend's calibration per qubit (--json: the whole document)",
  args: ['NAME'],
  json: true,
  examples: [
    'berth backends properties berth_manila',
    "berth backends properties berth_manila --json | jq '.gates | length'",
  ],
  async run(ctx) {
    const p = (await ctx.client().backends.properties(arg(ctx, 'NAME'))) as Record<string, unknown>;
    if (ctx.json) {
      printJson(ctx.io, p);
      return 0;
    }
    const qubits = (Array.isArray(p.qubits) ? p.qubits : []) as Nduv[][];
    const wanted = ['T1', 'T2', 'frequency', 'readout_error'];
    const cell = (q: Nduv[], name: string): string => {
      const v = q.find((x) => x.name === name);
      return v ? `${Number(v.value.toPrecision(4))}${v.unit ? ` ${v.unit}` : ''}` : '';
    };
    ctx.io.out(
      `${p.backend_name ?? arg(ctx, 'NAME')}  last update ${fmtTime(p.last_update_date)}\n\n`,
    );
    ctx.io.out(
      qubits.length
        ? table(
            ['QUBIT', ...wanted.map((w) => w.toUpperCase())],
            qubits.map((q, i) => [String(i), ...wanted.map((w) => cell(q, w))]),
            ['right', 'right', 'right', 'right', 'right'],
          )
        : 'no qubit properties\n',
    );
    return 0;
  },
};

const usage: Command = {
  path: 'usage',
  summary:
    "the instance's usage this period, its limit, and each user's part (an administrator sees every user, anyone else their own)",
  json: true,
  examples: ['berth usage', 'berth usage --instance crn:v1:…:class-101:: --json'],
  async run(ctx) {
    const u = await ctx.client().usageByUser();
    if (ctx.json) printJson(ctx.io, u);
    else
      ctx.io.out(
        keyValues([
          ['instance', u.instance_id],
          ['period', `${fmtTime(u.usage_period.start_time)} → ${fmtTime(u.usage_period.end_time)}`],
          ['consumed', fmtSeconds(u.usage_consumed_seconds)],
          [
            'limit',
            u.usage_limit_seconds === null ? 'unlimited' : fmtSeconds(u.usage_limit_seconds),
          ],
          ['limit reached', u.usage_limit_reached ? 'yes' : 'no'],
        ]) +
          '\n' +
          table(
            ['USER', 'CONSUMED'],
            u.users.map((x) => [x.user_id, fmtSeconds(x.usage_consumed_seconds)]),
            ['left', 'right'],
          ),
      );
    return 0;
  },
};

export const backendCommands: readonly Command[] = [
  listBackends,
  status,
  configuration,
  properties,
  usage,
];
