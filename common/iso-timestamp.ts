/**
 * The one rule for timestamps typed by people, shared by the CLI and the REST API: Python's
 * datetime.fromisoformat, as the original server read them — a date, or a date and a time
 * (`T` or a space) with optional seconds, fraction (up to microseconds) and UTC offset.
 * No offset means UTC. What it means beyond the shape (a range, a start date) SQL decides.
 *
 * @example
 * isoTimestamp("2024-01-31");               // "2024-01-31T00:00:00Z"
 * isoTimestamp("2024-01-31 16:00+01");      // "2024-01-31T16:00:00+01:00"
 * isoTimestamp("yesterday");                // null
 */
const isoPattern = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** The timestamptz literal of `text`, or null when it is not an ISO 8601 timestamp of that form. */
export function isoTimestamp(text: string): string | null {
  const m = isoPattern.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac, offset] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) ||
      date.getUTCHours() !== Number(h) || date.getUTCMinutes() !== Number(mi) || date.getUTCSeconds() !== Number(s)) {
    return null;
  }
  let zone = "Z";
  if (offset && offset.toUpperCase() !== "Z") {
    const digits = offset.slice(1).replace(":", "");
    if (Number(digits.slice(0, 2)) > 23 || Number(digits.slice(2) || "0") > 59) return null;
    zone = `${offset[0]}${digits.slice(0, 2)}:${digits.slice(2) || "00"}`;
  }
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${frac ? `.${frac}` : ""}${zone}`;
}

