/**
 * `--shots`, bounded as the server bounds it: the backend's `max_shots` from its configuration
 * (the same document the server checks submissions against), not a number of the CLI's own.
 */
import { type Context, UsageError, int } from '../command.js';

/** --shots, checked against the backend's max_shots (the backend given, or the session's). */
export async function shotsOption(
  ctx: Context,
  target: { readonly backend?: string | undefined; readonly sessionId?: string | undefined },
): Promise<number | undefined> {
  const shots = int(ctx, 'shots', 1, Number.MAX_SAFE_INTEGER);
  if (shots === undefined) return undefined;
  const client = ctx.client();
  const backend =
    target.backend ??
    (target.sessionId ? (await client.sessions.get(target.sessionId)).backend : null);
  if (!backend) return shots; // a session not bound yet: the server checks at submission
  const max = Number((await client.backends.configuration(backend)).max_shots);
  if (Number.isInteger(max) && shots > max)
    throw new UsageError(
      `--shots must be an integer from 1 to ${max}, the max_shots of ${backend} (got "${shots}")`,
    );
  return shots;
}
