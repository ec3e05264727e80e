/** `berth sessions create|get|list|close|cancel|watch`. */
import type { BerthEvent, WireSession } from '../../client/index.js';
import { type Command, arg, choice, flag, int, seconds, str } from '../command.js';
import { fmtSeconds, fmtTime, keyValues, printJson, table } from '../output.js';

const MODES = ['dedicated', 'batch'] as const;
const STATES = ['open', 'active', 'inactive', 'closed'] as const;

function describe(s: WireSession): string {
  return keyValues([
    ['id', s.id],
    ['backend', s.backend_name],
    ['mode', s.mode],
    ['state', s.state + (s.state_reason ? ` (${s.state_reason})` : '')],
    ['accepting jobs', s.accepting_jobs ? 'yes' : 'no'],
    ['created', fmtTime(s.created_at)],
    ['started', fmtTime(s.started_at)],
    ['closed', fmtTime(s.closed_at)],
    ['max ttl', fmtSeconds(s.max_ttl)],
    ['active ttl left', fmtSeconds(s.active_ttl)],
    ['interactive ttl', fmtSeconds(s.interactive_ttl)],
    ['usage', fmtSeconds(s.elapsed_time)],
    ['instance', s.instance],
  ]);
}

const create: Command = {
  path: 'sessions create',
  summary: 'open a dedicated or batch session on a backend',
  json: true,
  options: {
    backend: {
      type: 'string',
      value: 'NAME',
      description: 'the backend (without: bound by the first job)',
    },
    mode: { type: 'string', value: 'MODE', description: 'dedicated (default) or batch' },
    'max-ttl': {
      type: 'string',
      value: 'DURATION',
      description: "maximum lifetime: 600, 15m, 8h (default: the server's)",
    },
    quiet: { type: 'boolean', short: 'q', description: 'print only the session id' },
  },
  examples: [
    'berth sessions create --backend berth_sim',
    'SESSION=$(berth sessions create --backend berth_manila --mode batch --max-ttl 1h -q)',
  ],
  async run(ctx) {
    const backend = str(ctx, 'backend');
    const maxTtl = seconds(ctx, 'max-ttl');
    const session = await ctx.client().sessions.create({
      mode: choice(ctx, 'mode', MODES) ?? 'dedicated',
      ...(backend ? { backend } : {}),
      ...(maxTtl ? { maxTtl } : {}),
    });
    if (ctx.json) printJson(ctx.io, session.details);
    else if (flag(ctx, 'quiet')) ctx.io.out(`${session.id}\n`);
    else ctx.io.out(describe(session.details));
    return 0;
  },
};

const get: Command = {
  path: 'sessions get',
  summary: 'show a session: state, timers, usage',
  args: ['ID'],
  json: true,
  examples: [
    'berth sessions get "$SESSION"',
    'berth sessions get "$SESSION" --json | jq -r .state',
  ],
  async run(ctx) {
    const s = await ctx.client().sessions.get(arg(ctx, 'ID'));
    if (ctx.json) printJson(ctx.io, s.details);
    else ctx.io.out(describe(s.details));
    return 0;
  },
};

const list: Command = {
  path: 'sessions list',
  summary: "list the instance's sessions, newest first",
  json: true,
  options: {
    state: { type: 'string', value: 'STATE', description: 'open, active, inactive or closed' },
    backend: { type: 'string', value: 'NAME', description: 'only this backend' },
    mode: { type: 'string', value: 'MODE', description: 'dedicated or batch' },
    limit: { type: 'string', value: 'N', description: 'at most N (1–200, default 50)' },
    offset: { type: 'string', value: 'N', description: 'skip the first N' },
  },
  examples: [
    'berth sessions list',
    "berth sessions list --state active --json | jq -r '.sessions[].id'",
  ],
  async run(ctx) {
    const state = choice(ctx, 'state', STATES);
    const mode = choice(ctx, 'mode', MODES);
    const backend = str(ctx, 'backend');
    const limit = int(ctx, 'limit', 1, 200);
    const offset = int(ctx, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const doc = await ctx.client().sessions.list({
      ...(state ? { state } : {}),
      ...(mode ? { mode } : {}),
      ...(backend ? { backend } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(offset !== undefined ? { offset } : {}),
    });
    if (ctx.json) printJson(ctx.io, doc);
    else {
      ctx.io.out(
        table(
          ['ID', 'BACKEND', 'MODE', 'STATE', 'REASON', 'CREATED', 'USAGE'],
          doc.sessions.map((s) => [
            s.id,
            s.backend_name ?? '',
            s.mode,
            s.state,
            s.state_reason ?? '',
            fmtTime(s.created_at),
            fmtSeconds(s.elapsed_time),
          ]),
          ['left', 'left', 'left', 'left', 'left', 'left', 'right'],
        ),
      );
      if (doc.count > doc.sessions.length)
        ctx.io.err(`${doc.sessions.length} of ${doc.count} (--limit/--offset for more)\n`);
    }
    return 0;
  },
};

const close: Command = {
  path: 'sessions close',
  summary: 'stop accepting jobs; it closes once its queued jobs have run',
  args: ['ID'],
  json: true,
  examples: ['berth sessions close "$SESSION"'],
  async run(ctx) {
    const id = arg(ctx, 'ID');
    await ctx.client().sessions.close(id);
    return after(ctx, id, 'closing: queued jobs still run');
  },
};

const cancel: Command = {
  path: 'sessions cancel',
  summary: 'close a session now, cancelling its queued jobs',
  args: ['ID'],
  json: true,
  examples: ['berth sessions cancel "$SESSION"'],
  async run(ctx) {
    const id = arg(ctx, 'ID');
    await ctx.client().sessions.cancel(id);
    return after(ctx, id, 'closed');
  },
};

/** The session's state after close/cancel: its JSON with --json, a line on stderr otherwise. */
async function after(
  ctx: Parameters<Command['run']>[0],
  id: string,
  what: string,
): Promise<number> {
  if (ctx.json) printJson(ctx.io, (await ctx.client().sessions.get(id)).details);
  else ctx.io.err(`Session ${id}: ${what}\n`);
  return 0;
}

export function eventLine(e: BerthEvent): string {
  const at = fmtTime(e.created);
  switch (e.type) {
    case 'session.state_changed':
      return `${at}  session ${e.data.id}  ${e.data.state}${e.data.state_reason ? ` (${e.data.state_reason})` : ''}`;
    case 'job.state_changed':
      return `${at}  job ${e.data.id}  ${e.data.status}${e.data.state.reason ? ` (${e.data.state.reason})` : ''}`;
    case 'job.log':
      return `${at}  log ${e.data.job_id}  ${e.data.line}`;
    default:
      return `${at}  ${(e as { type: string }).type}`;
  }
}

const watch: Command = {
  path: 'sessions watch',
  summary: "print the session's and its jobs' events until it closes",
  args: ['ID'],
  json: true,
  details: `Ends with exit 0 when the session closes (at once if it is closed already); Ctrl-C stops
watching (exit 130) and leaves the session as it is. --json prints one event per line (JSON lines).`,
  examples: [
    'berth sessions watch "$SESSION"',
    'berth sessions watch "$SESSION" --json | jq -c \'select(.type == "job.state_changed") | .data.status\'',
  ],
  async run(ctx) {
    const id = arg(ctx, 'ID');
    const client = ctx.client();
    const first = (await client.sessions.get(id)).details;
    if (!ctx.json)
      ctx.io.err(`Session ${id} on ${first.backend_name ?? '(no backend yet)'}: ${first.state}\n`);
    if (first.state === 'closed') return 0;
    for await (const e of client.sessions.events(id, { signal: ctx.signal })) {
      ctx.io.out(ctx.json ? `${JSON.stringify(e)}\n` : `${eventLine(e)}\n`);
      if (e.type === 'session.state_changed' && e.data.id === id && e.data.state === 'closed')
        return 0;
    }
    return 0;
  },
};

export const sessionCommands: readonly Command[] = [create, get, list, close, cancel, watch];
