/**
 * docker-compose.yml and the Dockerfile, checked statically (these machines have no Docker
 * engine): services, healthchecks, networks, published ports, and every referenced file.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { build } from "esbuild";
import { parse } from "yaml";
import { projectRoot } from "../db/project-root.ts";
import { verbs } from "../cli/verbs.ts";

const root = projectRoot();
const compose = parse(readFileSync(join(root, "docker-compose.yml"), "utf8"));
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
type Service = { image?: string; profiles?: string[]; volumes?: string[]; entrypoint?: string[]; build?: string | { context?: string; dockerfile?: string }; command?: string[]; ports?: string[];
  networks?: string[]; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; environment?: Record<string, string> };
const services = compose.services as Record<string, Service>;

describe("docker-compose.yml", () => {
  it("has postgres (official image 17 or 18, volume, healthcheck), migrate, worker and server; a replica and Caddy in profiles", () => {
    const always = Object.entries(services).filter(([, s]) => !s.profiles).map(([name]) => name);
    expect(always.sort()).toEqual(["migrate", "postgres", "server", "worker"]);
    expect(services["postgres-replica"]!.profiles).toEqual(["replica"]);
    expect(services["server-read"]!.profiles).toEqual(["replica"]);
    expect(services.caddy!.profiles).toEqual(["tls"]);
    expect(services.postgres!.image).toMatch(/^postgres:(17|18)(\.\d+)?(-[a-z]+)?$/);
    expect(services.postgres!.healthcheck!.test.join(" ")).toMatch(/pg_isready/);
    expect(compose.volumes).toHaveProperty("pgdata");
    expect(services.server!.healthcheck!.test.join(" ")).toMatch(/\/health/);
  });

  it("builds worker, server and migrate from the repo's Dockerfile with existing ds verbs", () => {
    for (const name of ["migrate", "worker", "server", "server-read"]) {
      const s = services[name]!;
      const context = typeof s.build === "string" ? s.build : s.build?.context ?? ".";
      const file = typeof s.build === "object" && s.build.dockerfile ? s.build.dockerfile : "Dockerfile";
      expect(existsSync(join(root, context, file)), `${name}: ${context}/${file}`).toBe(true);
      expect(Object.keys(verbs), `${name} runs ds ${s.command![0]}`).toContain(s.command![0]);
      expect(s.environment!.DATABASE_URL).toMatch(name === "server-read" ? /@postgres-replica:5432\// : /@postgres:5432\//);
    }
    expect(services.worker!.depends_on!.migrate!.condition).toBe("service_completed_successfully");
    expect(services.migrate!.depends_on!.postgres!.condition).toBe("service_healthy");
  });

  it("keeps the database on an internal network and publishes only the server's port", () => {
    expect(compose.networks.backend.internal).toBe(true);
    expect(services.postgres!.networks).toEqual(["backend"]);
    for (const [name, s] of Object.entries(services)) {
      if (name === "server") expect(s.ports).toEqual(["4000:4000"]);
      else if (name === "caddy") expect(s.ports).toEqual(["80:80", "443:443"]);
      else expect(s.ports, name).toBeUndefined();
    }
    expect(services["postgres-replica"]!.networks).toEqual(["backend"]);
  });

  it("mounts only files that exist, and runs the replica from the primary with the scripts of deploy/", () => {
    for (const [name, s] of Object.entries(services)) {
      for (const volume of s.volumes ?? []) {
        const source = volume.split(":")[0]!;
        if (source.startsWith(".")) expect(existsSync(join(root, source)), `${name}: ${source}`).toBe(true);
      }
    }
    expect(services.postgres!.volumes).toContain("./deploy/postgres/init-replication.sh:/docker-entrypoint-initdb.d/init-replication.sh:ro");
    expect(services["postgres-replica"]!.entrypoint).toEqual(["sh", "/deploy/standby.sh"]);
    expect(services["postgres-replica"]!.depends_on!.postgres!.condition).toBe("service_healthy");
    expect(services.caddy!.volumes).toContain("./deploy/Caddyfile:/etc/caddy/Caddyfile:ro");
    // N workers: nothing in the worker service pins one container (name, port)
    expect(services.worker).not.toHaveProperty("container_name");
    expect(services.worker!.ports).toBeUndefined();
  });

  it("Dockerfile copies every folder the CLI imports (esbuild lists them)", async () => {
    const result = await build({ entryPoints: ["cli/main.ts"], absWorkingDir: root, bundle: true, write: false, metafile: true,
      packages: "external", platform: "node", format: "esm", logLevel: "silent" });
    const folders = new Set(Object.keys(result.metafile.inputs).map((file) => file.split("/")[0]!).filter((f) => !f.includes(".")));
    const copied = new Set([...dockerfile.matchAll(/^COPY\s+(\S+)\s+\.\/\S+$/gm)].map((m) => m[1]!));
    expect([...folders].filter((f) => !copied.has(f))).toEqual([]);
  });

  it("Dockerfile copies only files that exist and runs cli/main.ts", () => {
    for (const m of dockerfile.matchAll(/^COPY\s+(.+)\s+\S+$/gm)) {
      for (const src of m[1]!.split(/\s+/)) expect(existsSync(join(root, src)), `COPY ${src}`).toBe(true);
    }
    expect(dockerfile).toMatch(/^FROM node:24/m);
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "cli\/main.ts"\]/);
    expect(existsSync(join(root, "cli", "main.ts"))).toBe(true);
  });
});
