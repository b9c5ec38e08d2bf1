/** Writing responses: JSON (from a value or already-serialized text), CSV, errors. */
import type { ServerResponse } from "node:http";
import { clientGone } from "./cancel-on-close.ts";
import { errorResponse } from "./http-error.ts";

/** Sends JSON text as is (it may hold exact numbers that JSON.parse would round). */
export function sendJsonText(res: ServerResponse, status: number, json: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json), ...headers }).end(json);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text) }).end(text);
}

/** Answers any error through the one status mapping; unexpected ones are logged and masked. */
export function sendError(res: ServerResponse, err: unknown, what: string): void {
  // the client went away and its statement was cancelled: nobody to answer, nothing to log
  if (clientGone(res)) return;
  const { status, body, headers, internal } = errorResponse(err);
  if (internal) console.error(`rest: ${what}: ${(err as Error)?.message ?? String(err)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, body, headers);
}
