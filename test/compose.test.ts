/**
 * docker-compose.yml and the Dockerfile, checked statically (these machines have no Docker
 * engine): services, healthchecks, networks, published ports, and every referenced file.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { projectRoot } from "../db/project-root.ts";
import { verbs } from "../cli/verbs.ts";

const root = projectRoot();
const compose = parse(readFileSync(join(root, "docker-compose.yml"), "utf8"));
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
type Service = { image?: string; build?: string | { context?: string; dockerfile?: string }; command?: string[]; ports?: string[];
  networks?: string[]; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; environment?: Record<string, string> };
const services = compose.services as Record<string, Service>;

describe("docker-compose.yml", () => {
  it("has postgres (official image 17 or 18, volume, healthcheck), migrate, worker and server", () => {
    expect(Object.keys(services).sort()).toEqual(["migrate", "postgres", "server", "worker"]);
    expect(services.postgres!.image).toMatch(/^postgres:(17|18)(\.\d+)?(-[a-z]+)?$/);
    expect(services.postgres!.healthcheck!.test.join(" ")).toMatch(/pg_isready/);
    expect(compose.volumes).toHaveProperty("pgdata");
    expect(services.server!.healthcheck!.test.join(" ")).toMatch(/\/health/);
  });

  it("builds worker, server and migrate from the repo's Dockerfile with existing ds verbs", () => {
    for (const name of ["migrate", "worker", "server"]) {
      const s = services[name]!;
      const context = typeof s.build === "string" ? s.build : s.build?.context ?? ".";
      const file = typeof s.build === "object" && s.build.dockerfile ? s.build.dockerfile : "Dockerfile";
      expect(existsSync(join(root, context, file)), `${name}: ${context}/${file}`).toBe(true);
      expect(Object.keys(verbs), `${name} runs ds ${s.command![0]}`).toContain(s.command![0]);
      expect(s.environment!.DATABASE_URL).toMatch(/@postgres:5432\//);
    }
    expect(services.worker!.depends_on!.migrate!.condition).toBe("service_completed_successfully");
    expect(services.migrate!.depends_on!.postgres!.condition).toBe("service_healthy");
  });

  it("keeps the database on an internal network and publishes only the server's port", () => {
    expect(compose.networks.backend.internal).toBe(true);
    expect(services.postgres!.networks).toEqual(["backend"]);
    for (const [name, s] of Object.entries(services)) {
      if (name === "server") expect(s.ports).toEqual(["4000:4000"]);
      else expect(s.ports, name).toBeUndefined();
    }
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
