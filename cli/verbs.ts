/** Every verb of the `ds` command. */
import { apiKey } from "./commands/api-key.ts";
import { build } from "./commands/build.ts";
import { calendars } from "./commands/calendars.ts";
import { data } from "./commands/data.ts";
import { remove } from "./commands/delete.ts";
import { importRows } from "./commands/import.ts";
import { serve } from "./commands/serve.ts";
import { migrate } from "./commands/migrate.ts";
import { status } from "./commands/status.ts";
import { sync } from "./commands/sync.ts";
import { up } from "./commands/up.ts";
import { worker } from "./commands/worker.ts";
import type { Verb } from "./verb.ts";

export const verbs: Record<string, Verb> = { up, migrate, sync, worker, serve, build, data, import: importRows, delete: remove, status, calendars, "api-key": apiKey };
