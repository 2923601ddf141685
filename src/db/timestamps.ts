// pg's type parsers with a faster one for timestamptz. pg parses every timestamp through
// postgres-date (a general regex and Date arithmetic), which a CPU profile of the list operation
// shows as its largest single cost when a page's timestamps go through it. PostgreSQL's ISO
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
    oid === TIMESTAMPTZ_OID && format !== 'binary'
      ? parseTimestamptz
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * A timestamptz's text output (`created_at::text`) as the API's RFC 3339 string, as
 * `parseTimestamptz(text).toISOString()` gives it (UTC, milliseconds, microseconds truncated),
 * without a Date: in a UTC session PostgreSQL writes 'YYYY-MM-DD HH:MM:SS[.f{1,6}]+00', which only
 * needs its separators and fraction rewritten. Checked by position rather than with a regular
 * expression (a list page converts 40–80 of these, and a match allocates an array and its
 * captures); anything else (another session time zone, BC dates, years past 9999) takes the Date path.
 */
export function isoFromTimestamptzText(text: string): string {
  const n = text.length;
  // 19 characters of date and time ('-' at 4, ' ' at 10), then '.' and 1–6 digits or nothing, then '+00'.
  const fraction = n - 22;
  const utc = text.charCodeAt(n - 3) === 43 && text.charCodeAt(n - 2) === 48 && text.charCodeAt(n - 1) === 48;
  const shaped =
    text.charCodeAt(4) === 45 &&
    text.charCodeAt(10) === 32 &&
    (fraction === 0 || (fraction >= 2 && fraction <= 7 && text.charCodeAt(19) === 46));
  if (!utc || !shaped) return parseTimestamptz(text).toISOString();
  const millis =
    fraction === 0 ? '.000' : fraction >= 4 ? text.slice(19, 23) : fraction === 3 ? `${text.slice(19, 22)}0` : `${text.slice(19, 21)}00`;
  return `${text.slice(0, 10)}T${text.slice(11, 19)}${millis}Z`;
}
