// pg's type parsers with a faster one for timestamptz. pg parses every timestamp through
// postgres-date (a general regex and Date arithmetic); a list page holds 2 per task, and that
// parsing was the largest single cost of the list operation in a CPU profile. PostgreSQL's ISO
// output ('2026-11-23 11:52:05.123456+00') is one small edit away from what V8 parses natively;
// anything else (BC dates, infinity, other DateStyles) still goes to pg's own parser.
import pg from 'pg';

const TIMESTAMPTZ_OID = 1184;
const ISO_OUTPUT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)([+-]\d{2})(:\d{2})?$/;
const fallback = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (value: string) => Date;

export function parseTimestamptz(value: string): Date {
  const m = ISO_OUTPUT.exec(value);
  return m ? new Date(`${m[1]}T${m[2]}${m[3]}${m[4] ?? ':00'}`) : fallback(value);
}

/** For pg's `types` option: pg's parsers, with parseTimestamptz for timestamptz text values. */
export const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID && format !== 'binary' ? parseTimestamptz : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

// PostgreSQL's ISO output of a timestamptz in a UTC session, with 0–6 fraction digits (trailing zeros dropped).
const UTC_OUTPUT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;

/**
 * A timestamptz's text output (`created_at::text`) as the API's RFC 3339 string, as
 * `parseTimestamptz(text).toISOString()` gives it (UTC, milliseconds, microseconds truncated),
 * without a Date: in a UTC session the text only needs its separators and fraction rewritten.
 * Anything else (another session time zone, BC dates) takes the Date path.
 */
export function isoFromTimestamptzText(text: string): string {
  const m = UTC_OUTPUT.exec(text);
  if (m === null) return parseTimestamptz(text).toISOString();
  const fraction = m[3];
  const millis = fraction === undefined ? '000' : fraction.length >= 3 ? fraction.slice(0, 3) : fraction.padEnd(3, '0');
  return `${m[1]}T${m[2]}.${millis}Z`;
}
