/**
 * Reading the query string and path the way the original FastAPI server did: a missing
 * required parameter or a bad boolean is a 422 with pydantic's error list, a bad timestamp
 * a 400 ("Invalid start/end timestamp"). A bad version is SQL's to refuse (DS002, 400).
 */
import { isoTimestamp } from "../../common/iso-timestamp.ts";
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

/** A positive integer parameter, or null when absent; 422 otherwise. */
export function positiveIntParam(query: URLSearchParams, name: string): number | null {
  const text = query.get(name);
  if (text === null) return null;
  if (/^[1-9][0-9]{0,8}$/.test(text)) return Number(text);
  throw validationError([{ type: "greater_than", loc: ["query", name], msg: "Input should be a positive integer", input: text }]);
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

/** A start or end parameter (common/iso-timestamp.ts: the rule the CLI uses too) as a timestamptz literal; 400 otherwise. */
export function parseTimestamp(text: string): string {
  const literal = isoTimestamp(text);
  if (literal === null) throw new HttpError(400, "Invalid start/end timestamp", { code: "22007" });
  return literal;
}

/** The {name}/{version} path parameters, percent-decoded; null when undecodable. */
export function pathParams(match: RegExpExecArray): { name: string; version: string } | null {
  try {
    return { name: decodeURIComponent(match[1]!), version: decodeURIComponent(match[2]!) };
  } catch {
    return null;
  }
}
