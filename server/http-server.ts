/**
 * `ds serve`: one node:http server for every mount (REST, GraphQL with WebSocket
 * subscriptions, health and metrics), on 127.0.0.1:4000 by default.
 */
import { createServer, type Server } from "node:http";
import type { Duplex } from "node:stream";
import type { Mount } from "./mount.ts";

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startHttpServer(mounts: Mount[], { host = "127.0.0.1", port = 4000 } = {}): Promise<RunningServer> {
  const server = createServer(async (req, res) => {
    try {
      for (const m of mounts) if (await m.handle(req, res)) return;
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ detail: "Not Found" }));
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ detail: "internal error" }));
      console.error(`http: ${req.method} ${req.url}: ${(err as Error).message}`);
    }
  });
  // upgraded sockets (WebSocket subscriptions) are not closed by closeAllConnections
  const upgraded = new Set<Duplex>();
  server.on("upgrade", (req, socket, head) => {
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    for (const m of mounts) if (m.upgrade?.(req, socket, head)) return;
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${actualPort}`,
    server,
    async close() {
      server.closeAllConnections();
      for (const socket of upgraded) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const m of mounts) await m.close?.();
    },
  };
}
