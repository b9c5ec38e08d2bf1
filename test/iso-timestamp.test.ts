/** The one timestamp rule of the CLI and the REST API (common/iso-timestamp.ts). */
import { describe, expect, it } from "vitest";
import { isoTimestamp } from "../common/iso-timestamp.ts";
import { parseTimestamp as cliTimestamp } from "../cli/verb.ts";
import { parseTimestamp as restTimestamp } from "../server/rest/request-params.ts";

describe("timestamps typed by people", () => {
  it.each([
    ["2024-01-31", "2024-01-31T00:00:00Z"],
    ["2024-01-31T16:00", "2024-01-31T16:00:00Z"],
    ["2024-01-31 16:00:05.25", "2024-01-31T16:00:05.25Z"],
    ["2024-01-31T16:00:05,123456+01", "2024-01-31T16:00:05.123456+01:00"],
    ["2024-01-31T16:00Z", "2024-01-31T16:00:00Z"],
    ["2024-01-31T16:00-0530", "2024-01-31T16:00:00-05:30"],
  ])("reads %s as %s, the same in the CLI and REST", (text, literal) => {
    expect(isoTimestamp(text)).toBe(literal);
    expect(cliTimestamp("START", text)).toBe(literal);
    expect(restTimestamp(text)).toBe(literal);
  });

  it.each(["yesterday", "2024-02-30", "2024-01-02T25:00", "2024-13-01", "2024-01-02+05:00", "20240102", "2024-01-02T10:00+24"])(
    "refuses %s in both (CLI DS012, REST 400)", (text) => {
      expect(isoTimestamp(text)).toBeNull();
      expect(() => cliTimestamp("END", text)).toThrow(expect.objectContaining({ code: "DS012" }));
      expect(() => restTimestamp(text)).toThrow(expect.objectContaining({ status: 400 }));
    });
});
