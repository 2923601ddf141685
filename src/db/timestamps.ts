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
