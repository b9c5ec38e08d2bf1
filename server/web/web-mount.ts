/**
 * The web UI at `/`: the static pages of web/ (plain ES modules, no build step) and the two
 * libraries they load, served from node_modules (no CDN: works offline). Only the files
 * listed at start are served (no path from the URL reaches the file system). The pages
 * speak the same GraphQL and REST as every other client; this mount has no API of its own.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, join } from "node:path";
import { projectRoot } from "../../db/project-root.ts";
import type { Mount } from "../mount.ts";

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

const require = createRequire(import.meta.url);
/** A file inside an installed package (its package.json locates it). */
function packageFile(pkg: string, file: string): string {
  return join(require.resolve(`${pkg}/package.json`).replace(/package\.json$/, ""), file);
}

/** URL path → file, fixed at start. */
export function webFiles(webDir = join(projectRoot(), "web")): Map<string, string> {
  const files = new Map<string, string>([["/", join(webDir, "index.html")]]);
  for (const name of readdirSync(webDir)) if (types[extname(name)]) files.set(`/web/${name}`, join(webDir, name));
  files.set("/web/vendor/lightweight-charts.js", packageFile("lightweight-charts", "dist/lightweight-charts.standalone.production.js"));
  files.set("/web/vendor/graphql-ws.js", packageFile("graphql-ws", "umd/graphql-ws.min.js"));
  return files;
}

export function createWebMount(webDir?: string): Mount {
  const files = webFiles(webDir);
  return {
    name: "web",
    handle(req, res) {
      if (req.method !== "GET" && req.method !== "HEAD") return false;
      const path = (req.url ?? "/").split("?")[0]!;
      const file = files.get(path === "/index.html" ? "/" : path);
      if (!file) return false;
      const body = readFileSync(file);
      // pages change with the server; libraries only with npm install
      const cache = path.startsWith("/web/vendor/") ? "public, max-age=86400" : "no-cache";
      res.writeHead(200, { "content-type": types[extname(file)]!, "content-length": body.length, "cache-control": cache });
      res.end(req.method === "HEAD" ? undefined : body);
      return true;
    },
  };
}
