/**
 * `ds api-key create|list|revoke|entry`: API keys of the REST and GraphQL APIs. `create`
 * stores the key's SHA-256 in the database and prints the key once (servers accept it at
 * once); `entry` makes a key for the API_KEYS environment variable instead, touching no
 * database.
 */
import { DsError } from "../../db/errors.ts";
import { generateApiKey } from "../../server/api-keys.ts";
import { openContext } from "../context.ts";
import { formatTable, isoUtc } from "../format-rows.ts";
import { parseVerbArgs, type Verb } from "../verb.ts";

const usage = "create LABEL | list [--json] | revoke LABEL | entry LABEL";
const help = `usage: ds api-key ${usage}
Keys of the REST and GraphQL APIs; clients send Authorization: Bearer <key>.
  create LABEL   make a key, store its SHA-256 hash in the database and print the key once:
                 every server accepts it at once (the key itself is stored nowhere)
  list           the stored keys: label, created, revoked (never the keys or hashes)
  revoke LABEL   refuse that key from now on, on every server
  entry LABEL    make a key for the API_KEYS environment variable instead (no database):
                 prints the key and its label:sha256hex entry, e.g. API_KEYS=ci:ab12...,alice:cd34...
LABEL (letters, digits, '.', '_', '-') names the client in logs and in ds api-key list.`;

const subcommands: Record<string, string[]> = { create: ["LABEL"], list: [], revoke: ["LABEL"], entry: ["LABEL"] };

export const apiKey: Verb = {
  async run(args) {
    const sub = args[0];
    if (sub === undefined || sub.startsWith("-")) {
      const { help: wanted } = parseVerbArgs("api-key", usage, args, {}, ["SUBCOMMAND"]);
      if (wanted) return (console.log(help), 0);
    }
    const positionals = subcommands[sub!];
    if (!positionals) {
      throw new DsError("DS038", `ds api-key: unknown subcommand "${sub}"`, { hint: `usage: ds api-key ${usage}` });
    }
    const { help: wanted, values, positionals: given } = parseVerbArgs(`api-key ${sub}`, positionals.join(" "), args.slice(1), sub === "list" ? { json: { type: "boolean" } } : {}, positionals);
    if (wanted) return (console.log(help), 0);
    const label = given[0]!;
    if (sub === "entry") {
      const { key, entry } = generateApiKey(label);
      console.log(`key (give it to the client; shown only once): ${key}`);
      console.log(`API_KEYS entry (add it to the server's API_KEYS): ${entry}`);
      return 0;
    }
    const ctx = await openContext(values, { writes: sub === "list" ? undefined : `ds api-key ${sub}` });
    try {
      if (sub === "create") {
        const { key, hash } = generateApiKey(label);
        await ctx.pool.query("select ds.create_api_key($1, $2)", [label, hash]);
        console.log(`key ${label} (give it to the client; shown only once, stored only as its hash): ${key}`);
      } else if (sub === "revoke") {
        await ctx.pool.query("select ds.revoke_api_key($1)", [label]);
        console.log(`key ${label} revoked`);
      } else {
        const { rows } = await ctx.pool.query<{ label: string; created_at: Date; revoked_at: Date | null }>("select * from ds.list_api_keys()");
        if (values.json) {
          console.log(JSON.stringify(rows.map((r) => ({ label: r.label, created: isoUtc(r.created_at), revoked: r.revoked_at && isoUtc(r.revoked_at) }))));
        } else {
          process.stdout.write(formatTable([{ name: "label" }, { name: "created" }, { name: "revoked" }], rows.map((r) => [r.label, r.created_at, r.revoked_at])));
        }
      }
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
