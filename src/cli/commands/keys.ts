/** `berth keys create|list|revoke` and `berth instances list`: the /admin routes (admin key). */
import { type Command, arg, flag, list, seconds, str } from '../command.js';
import { fmtSeconds, fmtTime, keyValues, printJson, table } from '../output.js';

/** Where a key may act: an administrator key acts in every instance, whatever it was made for. */
const reach = (k: { admin: boolean; instances: readonly string[] }): string =>
  k.admin ? 'every instance (admin)' : k.instances.join(', ');

const create: Command = {
  path: 'keys create',
  summary: 'create an API key (shown once) for one or more instances',
  args: ['NAME'],
  json: true,
  options: {
    // The key's instances, as the API names them (`instances`). It stands in for the global
    // --instance here: an administrator key acts in every instance anyway.
    instance: {
      type: 'string',
      multiple: true,
      value: 'NAME',
      description:
        'an instance the key may act in, by name or CRN (repeat or comma-separate; the first is its default; default: the default instance)',
    },
    user: {
      type: 'string',
      value: 'USER',
      description: 'the user id the key acts as (default: a new user)',
    },
    admin: { type: 'boolean', description: 'an administrator key (every instance, /admin)' },
    'expires-in': {
      type: 'string',
      value: 'DURATION',
      description: 'lifetime: 3600, 90m, 12h, 30d (default: never)',
    },
    quiet: { type: 'boolean', short: 'q', description: 'print only the key' },
  },
  renamed: { for: 'instance' },
  examples: [
    'berth keys create alice',
    'berth keys create ci --instance class-101 --expires-in 30d',
    'berth keys create ops --admin',
    'KEY=$(berth keys create bob -q)',
  ],
  async run(ctx) {
    const instances = list(ctx, 'instance');
    const user = str(ctx, 'user');
    const expires = seconds(ctx, 'expires-in');
    const created = await ctx.client().admin.keys.create({
      name: arg(ctx, 'NAME'),
      ...(instances.length ? { instances } : {}),
      ...(user ? { userId: user } : {}),
      ...(flag(ctx, 'admin') ? { admin: true } : {}),
      ...(expires ? { expiresInSeconds: expires } : {}),
    });
    if (ctx.json) printJson(ctx.io, created);
    else if (flag(ctx, 'quiet')) ctx.io.out(`${created.key}\n`);
    else {
      ctx.io.out(
        keyValues([
          ['id', created.id],
          ['name', created.name],
          ['user', created.user_id],
          ['admin', created.admin ? 'yes' : 'no'],
          ['instances', reach(created)],
          ['expires', fmtTime(created.expires_at)],
        ]),
      );
      ctx.io.out(`\nThe key is shown only this once:\n\n    ${created.key}\n\n`);
    }
    return 0;
  },
};

const listKeys: Command = {
  path: 'keys list',
  summary: 'list API keys (never the keys themselves)',
  json: true,
  examples: [
    'berth keys list',
    "berth keys list --json | jq -r '.keys[] | select(.revoked_at == null) | .name'",
  ],
  async run(ctx) {
    const keys = await ctx.client().admin.keys.list();
    if (ctx.json) printJson(ctx.io, { keys });
    else
      ctx.io.out(
        table(
          ['ID', 'NAME', 'USER', 'ADMIN', 'INSTANCES', 'CREATED', 'EXPIRES', 'REVOKED'],
          keys.map((k) => [
            k.id,
            k.name,
            k.user_id,
            k.admin ? 'yes' : 'no',
            reach(k),
            fmtTime(k.created_at),
            fmtTime(k.expires_at),
            fmtTime(k.revoked_at),
          ]),
        ),
      );
    return 0;
  },
};

const revoke: Command = {
  path: 'keys revoke',
  summary: 'revoke an API key (it stops working at once)',
  args: ['ID'],
  examples: [
    'berth keys revoke 0b6f7c3e-…',
    'berth keys list --json | jq -r \'.keys[] | select(.name == "ci") | .id\' | xargs -n1 berth keys revoke',
  ],
  async run(ctx) {
    const id = arg(ctx, 'ID');
    await ctx.client().admin.keys.revoke(id);
    ctx.io.err(`Revoked key ${id}\n`);
    return 0;
  },
};

const instances: Command = {
  path: 'instances list',
  summary: 'list the configured instances (admin key)',
  json: true,
  examples: ['berth instances list', "berth instances list --json | jq -r '.instances[].id'"],
  async run(ctx) {
    const instances = await ctx.client().admin.instances.list();
    if (ctx.json) printJson(ctx.io, { instances });
    else
      ctx.io.out(
        table(
          ['ID', 'NAME', 'SHARE', 'USAGE LIMIT', 'MAX TTL'],
          instances.map((i) => [
            i.id,
            i.name,
            String(i.share),
            i.usage_limit_seconds === null ? 'unlimited' : fmtSeconds(i.usage_limit_seconds),
            fmtSeconds(i.max_ttl_seconds),
          ]),
          ['left', 'left', 'right', 'right', 'right'],
        ),
      );
    return 0;
  },
};

export const keyCommands: readonly Command[] = [create, listKeys, revoke, instances];
