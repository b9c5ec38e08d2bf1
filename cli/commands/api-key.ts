/** `ds api-key LABEL`: a new API key, printed once, and the API_KEYS entry (its SHA-256) to configure. */
import { generateApiKey } from "../../server/api-keys.ts";
import { parseVerbArgs, type Verb } from "../verb.ts";

const usage = "LABEL";

export const apiKey: Verb = {
  async run(args) {
    const { help, positionals } = parseVerbArgs("api-key", usage, args, {}, ["LABEL"]);
    if (help) {
      console.log(`usage: ds api-key ${usage}
Prints a new random key and the line label:sha256hex to add to the server's API_KEYS
(comma-separated, e.g. API_KEYS=ci:ab12...,alice:cd34...). Only the hash is configured: the key
is shown once and stored nowhere, so give it to the client now. Clients send it as
Authorization: Bearer <key>. LABEL (letters, digits, '.', '_', '-') names the client in logs.
To rotate, add a new entry, move the clients over, then remove the old one.`);
      return 0;
    }
    const { key, entry } = generateApiKey(positionals[0]!);
    console.log(`key (give it to the client; shown only once): ${key}`);
    console.log(`API_KEYS entry (add it to the server's API_KEYS): ${entry}`);
    return 0;
  },
};
