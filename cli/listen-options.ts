/** Where `ds serve` and `ds up` listen: --host/--port, else $HOST/$PORT, else 127.0.0.1:4000; DS038 for a bad value. */
import { host, listenPort, optionOrEnv } from "./options.ts";

export function listenOptions(verb: string, values: Record<string, unknown>, usage?: string): { host: string; port: number } {
  return {
    host: optionOrEnv(verb, "--host", values.host, "HOST", host, "127.0.0.1", usage),
    port: optionOrEnv(verb, "--port", values.port, "PORT", listenPort, 4000, usage),
  };
}
