import { describe, expect, it } from "vitest";
import { parseApiKeys } from "../server/api-keys.ts";
import { createGraphqlMount } from "../server/graphql/mount.ts";
import { startHttpServer } from "../server/http-server.ts";
import { expectSqlState } from "./support/test-database.ts";
import { useWorkerDatabase } from "./support/worker-fixture.ts";

const db = useWorkerDatabase("tags", { worker: false });

describe("tags", () => {
  it("are stored as jsonb and found by containment with ds.find_datasets", async () => {
    expect((await db.one("select tags from ds.datasets where name = 't-tagged'")).tags).toEqual({ asset: "equity", region: "us", sources: ["exchange", "vendor"] });
    const names = async (tags: unknown) => (await db.q<{ name: string }>("select name from ds.find_datasets($1)", [JSON.stringify(tags)])).map((r) => r.name);
    expect(await names({ asset: "equity" })).toEqual(["t-tagged"]);
    expect(await names({ asset: "equity", region: "us" })).toEqual(["t-tagged"]);
    expect(await names({ sources: ["vendor"] })).toEqual(["t-tagged"]);
    expect(await names({ asset: "fx" })).toEqual([]);
    expect((await names({})).length).toBeGreaterThan(10);
  });

  it("uses the GIN index", async () => {
    const c = await db.pool.connect();
    try {
      await c.query("begin; set local enable_seqscan = off");
      const plan = (await c.query(`explain select * from ds_private.dataset_versions where tags @> '{"asset": "equity"}'`)).rows.map((r) => r["QUERY PLAN"]).join("\n");
      expect(plan).toMatch(/dataset_versions_tags_idx/);
    } finally {
      await c.query("rollback");
      c.release();
    }
  });

  it("rejects tags that are not an object (DS050)", async () => {
    await expectSqlState(db.q(`select * from ds.find_datasets('[1]')`), "DS050");
    await expectSqlState(db.q(`select * from ds.find_datasets(null)`), "DS050");
  });
});

describe("tags in GraphQL", () => {
  it("findDatasets(tags) filters the catalog by containment", async () => {
    const server = await startHttpServer([await createGraphqlMount({ pool: db.pool, databaseUrl: db.url, apiKeys: parseApiKeys(""), buildersDir: "" })], { port: 0 });
    try {
      const res = await fetch(`${server.url}/graphql`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ findDatasets(tags: {asset: "equity"}) { nodes { name version tags } } }` }),
      });
      const body = (await res.json()) as { data: { findDatasets: { nodes: unknown[] } } };
      expect(body.data.findDatasets.nodes).toEqual([{ name: "t-tagged", version: "0.1.0", tags: { asset: "equity", region: "us", sources: ["exchange", "vendor"] } }]);
    } finally {
      await server.close();
    }
  });
});
