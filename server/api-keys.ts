/**
 * API keys like the original builder server: configured only as SHA-256 hashes,
 * `API_KEYS=label:sha256hex,label2:sha256hex`, presented as `Authorization: Bearer <key>`.
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

export function parseApiKeys(spec: string | undefined): ApiKeys {
  const entries: { label: string; hash: Buffer }[] = [];
  for (const part of (spec ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^:\s]+):([0-9a-fA-F]{64})$/.exec(part);
    if (!m) {
      throw new DsError("DS048", `API_KEYS entry "${part.slice(0, 20)}…" is not label:sha256hex`, {
        hint: "Generate a key and its line with: ds api-key LABEL",
      });
    }
    entries.push({ label: m[1]!, hash: Buffer.from(m[2]!.toLowerCase(), "hex") });
  }
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

/** A new random key and its API_KEYS entry. */
export function generateApiKey(label: string): { key: string; entry: string } {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(label)) {
    throw new DsError("DS038", `invalid key label "${label}"`, { hint: "Use letters, digits, '.', '_' or '-'." });
  }
  const key = `ds_${randomBytes(24).toString("base64url")}`;
  return { key, entry: `${label}:${sha256Hex(key)}` };
}
