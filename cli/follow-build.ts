/**
 * Following a build until it ends: LISTEN ds_progress (pg-listen) wakes a re-read of
 * ds.builds; a progress bar (cli-progress) on a terminal, plain lines otherwise.
 */
import cliProgress from "cli-progress";
import createSubscriber from "pg-listen";
import type pg from "pg";

interface BuildRow {
  state: string;
  progress: string;
  points: string;
  points_built: string;
  error: string | null;
}

export async function followBuild(pool: pg.Pool, url: string, buildId: number, showBar: boolean): Promise<BuildRow> {
  const subscriber = createSubscriber.default({ connectionString: url });
  subscriber.events.on("error", () => {});
  const bar = showBar
    ? new cliProgress.SingleBar({ format: "build {id} [{bar}] {percentage}% | {value}/{total} points | {state}", hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  let wake: () => void = () => {};
  subscriber.notifications.on("ds_progress", () => wake());
  await subscriber.connect();
  await subscriber.listenTo("ds_progress");
  try {
    let started = false;
    for (;;) {
      const { rows } = await pool.query<BuildRow>("select state, progress, points, points_built, error from ds.builds where id = $1", [buildId]);
      const row = rows[0]!;
      if (bar) {
        if (!started) bar.start(Number(row.points), Number(row.points_built), { id: buildId, state: row.state });
        bar.setTotal(Number(row.points));
        bar.update(Number(row.points_built), { state: row.state });
      }
      started = true;
      if (["succeeded", "failed", "cancelled"].includes(row.state)) return row;
      // a notification wakes us at once; the timeout covers missed ones
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    bar?.stop();
    await subscriber.close().catch(() => {});
  }
}
