import { startEmbedded } from "/work/main/db/embedded.ts";
import pg from "pg";
const t = Date.now();
const db = await startEmbedded({ dir: "/tmp/dstest1", port: 54400 });
console.log("started", Date.now() - t, db.url);
const c = new pg.Client(db.url); await c.connect();
console.log((await c.query("select version(), current_setting('unix_socket_directories') s")).rows);
await c.end(); await db.stop();
