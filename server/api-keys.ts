/**
 * API keys like the original builder server: known only by their SHA-256 hashes, presented
 * as `Authorization: Bearer <key>`; from the API_KEYS environment variable
 * (`label:sha256hex,label2:sha256hex`) or stored in the database (stored-api-keys.ts).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { DsError } from "../db/errors.ts";

export interface ApiKeys {
  /** True when at least one key is configured. */
  configured: boolean;
  /** The label of the key in an `Authorization: Bearer <key>` header, or null. */
  authenticate(authorization: string | undefined): string | null;
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A key table over entries of a label and the SHA-256 digest of a key. */
export function apiKeysOf(entries: { label: string; hash: Buffer }[]): ApiKeys {
  return {
    configured: entries.length > 0,
    authenticate(authorization) {
      const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
      if (!m) return null;
      const hash = createHash("sha256").update(m[1]!).digest();
      let found: string | null = null;
      for (const e of entries) if (timingSafeEqual(hash, e.hash)) found = e.label;
      return found;
    },
  };
}

/** The keys of the API_KEYS environment variable, `label:sha256hex,...` (DS048 for a bad entry). */
export function parseApiKeys(spec: string | undefined): ApiKeys {
  const entries: { label: string; hash: Buffer }[] = [];
  for (const part of (spec ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^:\s]+):([0-9a-fA-F]{64})$/.exec(part);
    if (!m) {
      throw new DsError("DS048", `API_KEYS entry "${part.slice(0, 20)}…" is not label:sha256hex`, {
        hint: "Generate a key and its line with: ds api-key entry LABEL",
      });
    }
    entries.push({ label: m[1]!, hash: Buffer.from(m[2]!.toLowerCase(), "hex") });
  }
  return apiKeysOf(entries);
}

/** A new random key, its SHA-256 hex digest, and its API_KEYS entry `label:digest`. */
export function generateApiKey(label: string): { key: string; hash: string; entry: string } {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(label)) {
    throw new DsError("DS038", `invalid key label "${label}"`, { hint: "Use letters, digits, '.', '_' or '-'." });
  }
  const key = `ds_${randomBytes(24).toString("base64url")}`;
  const hash = sha256Hex(key);
  return { key, hash, entry: `${label}:${hash}` };
}
