/**
 * The notification streams of the REST mount's SSE route (stream-route.ts): one LISTEN
 * connection from the server's pool, made on the first stream and ended with the mount.
 * Like the GraphQL subscriptions (graphql/mount.ts), no LISTEN on a read-only standby or
 * behind a transaction pooler: the streams there stay open and silent (QuietSubscriber).
 */
import { PgSubscriber } from "postgraphile/adaptors/pg";
import { createNotifyStreams, type NotifyStreams } from "../graphql/notify-streams.ts";
import { QuietSubscriber } from "../graphql/quiet-subscriber.ts";
import { limitsOf, type ServerContext } from "../mount.ts";

interface PushStreams {
  streams: NotifyStreams;
  subscriber: PgSubscriber;
  /** Why nothing is pushed here, or null when it is. */
  silent: string | null;
}

const made = new WeakMap<ServerContext, PushStreams>();

/** Why the database at the context's URL cannot LISTEN, or null. */
function cannotListen(ctx: ServerContext): string | null {
  return ctx.connection?.inRecovery ? "the database is a read-only standby" : ctx.connection?.pooled ? "the database URL leads to a transaction pooler" : null;
}

export function pushStreamsOf(ctx: ServerContext): PushStreams {
  let push = made.get(ctx);
  if (!push) {
    const silent = cannotListen(ctx);
    const subscriber = silent ? new QuietSubscriber(ctx.pool) : new PgSubscriber(ctx.pool);
    push = { streams: createNotifyStreams(ctx.pool, subscriber, { maxPushRows: limitsOf(ctx).maxPushRows }), subscriber, silent };
    made.set(ctx, push);
  }
  return push;
}

/** Ends the LISTEN connection (open streams end with it). */
export async function closePushStreams(ctx: ServerContext): Promise<void> {
  const push = made.get(ctx);
  made.delete(ctx);
  push?.subscriber.release();
}
