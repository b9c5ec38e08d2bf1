/**
 * Reading the query string and path the way the original FastAPI server did: a missing
 * required parameter or a bad boolean is a 422 with pydantic's error list, a bad version
 * or timestamp a 400 ("Invalid version: x", "Invalid start/end timestamp").
 */
import { HttpError } from "./http-error.ts";

interface FieldError {
  type: string;
  loc: string[];
  msg: string;
  input: string | null;
}

function validationError(errors: FieldError[]): HttpError {
  return new HttpError(422, errors.map((e) => `${e.loc.join(".")}: ${e.msg}`).join("; "), { body: { detail: errors } });
}

/** The values of required query parameters; 422 listing every missing one. */
export function requiredParams(query: URLSearchParams, names: string[]): string[] {
  const missing = names.filter((n) => query.get(n) === null);
  if (missing.length) {
    throw validationError(missing.map((n) => ({ type: "missing", loc: ["query", n], msg: "Field required", input: null })));
  }
  return names.map((n) => query.get(n)!);
}

const truthy = new Set(["1", "true", "t", "yes", "y", "on"]);
const falsy = new Set(["0", "false", "f", "no", "n", "off"]);

/** A boolean parameter as pydantic reads one (true/false, 1/0, yes/no, on/off, t/f, y/n). */
export function boolParam(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const text = query.get(name);
  if (text === null) return fallback;
  const v = text.toLowerCase();
  if (truthy.has(v)) return true;
  if (falsy.has(v)) return false;
  throw validationError([{
    type: "bool_parsing", loc: ["query", name], msg: "Input should be a valid boolean, unable to interpret input", input: text,
  }]);
}

/** A parameter with a fixed set of values; 422 otherwise. */
export function choiceParam<T extends string>(query: URLSearchParams, name: string, choices: readonly T[], fallback: T): T {
  const text = query.get(name);
  if (text === null) return fallback;
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw validationError([{
    type: "enum", loc: ["query", name], msg: `Input should be ${choices.map((c) => `'${c}'`).join(" or ")}`, input: text,
  }]);
}

const ident = "(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)";
const semver = new RegExp(`^(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})\\.(0|[1-9][0-9]{0,8})(?:-${ident}(?:\\.${ident})*)?$`);

/** A semantic version MAJOR.MINOR.PATCH[-PRERELEASE] (the rule of ds_private.parse_semver); 400 otherwise. */
export function checkVersion(version: string): string {
  if (!semver.test(version)) throw new HttpError(400, `Invalid version: ${version}`, { code: "DS002" });
  return version;
}

const isoTimestamp = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * A start or end parameter as Python's datetime.fromisoformat reads it — a date, or a date
 * and time with optional fraction and offset — turned into a timestamptz literal. No
 * offset means UTC, like the original's naive timestamps. 400 otherwise.
 */
export function parseTimestamp(text: string): string {
  const m = isoTimestamp.exec(text.trim());
  const invalid = () => new HttpError(400, "Invalid start/end timestamp", { code: "22007" });
  if (!m) throw invalid();
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac, offset] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) ||
      date.getUTCHours() !== Number(h) || date.getUTCMinutes() !== Number(mi) || date.getUTCSeconds() !== Number(s)) {
    throw invalid();
  }
  let zone = "Z";
  if (offset && offset.toUpperCase() !== "Z") {
    const digits = offset.slice(1).replace(":", "");
    if (Number(digits.slice(0, 2)) > 23 || Number(digits.slice(2) || "0") > 59) throw invalid();
    zone = `${offset[0]}${digits.slice(0, 2)}:${digits.slice(2) || "00"}`;
  }
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${frac ? `.${frac}` : ""}${zone}`;
}

/** The {name}/{version} path parameters, percent-decoded; null when undecodable. */
export function pathParams(match: RegExpExecArray): { name: string; version: string } | null {
  try {
    return { name: decodeURIComponent(match[1]!), version: decodeURIComponent(match[2]!) };
  } catch {
    return null;
  }
}
