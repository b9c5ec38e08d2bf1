/**
 * A small Server-Sent Events client for tests, on fetch's streaming body: it parses the
 * `id:`, `event:`, `data:` and comment lines of each event (blank-line separated) and
 * records when each arrived.
 */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
  comments: string[];
  at: number;
}

export interface SseStream {
  status: number;
  contentType: string | null;
  events: SseEvent[];
  /** True once the server ended the response. */
  ended: () => boolean;
  close(): void;
}

function parseBlock(block: string): SseEvent {
  const e: SseEvent = { event: "message", data: "", comments: [], at: Date.now() };
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) e.comments.push(line.slice(1).trim());
    else {
      const at = line.indexOf(":");
      const field = at < 0 ? line : line.slice(0, at);
      const value = at < 0 ? "" : line.slice(at + 1).replace(/^ /, "");
      if (field === "id") e.id = value;
      else if (field === "event") e.event = value;
      else if (field === "data") data.push(value);
    }
  }
  e.data = data.join("\n");
  return e;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: controller.signal });
  const events: SseEvent[] = [];
  let ended = false;
  if (res.body && (res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (let i = buffer.indexOf("\n\n"); i >= 0; i = buffer.indexOf("\n\n")) {
          events.push(parseBlock(buffer.slice(0, i)));
          buffer = buffer.slice(i + 2);
        }
      }
    })().catch(() => {}).finally(() => (ended = true));
  }
  return { status: res.status, contentType: res.headers.get("content-type"), events, ended: () => ended, close: () => controller.abort() };
}
