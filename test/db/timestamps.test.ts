// The fast timestamptz parser must agree with pg's own parser on everything PostgreSQL can send,
// and the text-to-RFC 3339 rewrite with what the Date path gives.
import t from 'tap';
import fc from 'fast-check';
import pg from 'pg';
import { isoFromTimestamptzText, parseTimestamptz, typeParsers } from '../../src/db/timestamps.js';

const pgParse = pg.types.getTypeParser(1184, 'text') as (value: string) => Date;

t.test('agrees with pg on the forms PostgreSQL outputs', async (t) => {
  const samples = [
    '2026-11-23 11:52:05.123456+00',
    '2026-11-23 11:52:05+00',
    '2026-11-23 11:52:05.1+05:30',
    '1999-01-08 04:05:06.789-08',
    '2026-11-23 11:52:05.123999+00', // truncated to the millisecond, as pg does
    '1900-01-01 00:00:00+00:19:32', // historic offsets with seconds go to the fallback
    '0044-03-15 12:00:00+00 BC',
    'infinity',
    '-infinity',
  ];
  for (const s of samples) {
    // pg answers ±Infinity (a number, not a Date) for infinite timestamps.
    const value = (d: unknown) => (d instanceof Date ? d.getTime() : d);
    t.equal(value(parseTimestamptz(s)), value(pgParse(s)), s);
  }
});

t.test('agrees with pg on random instants in every offset form', async () => {
  fc.assert(
    fc.property(
      fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9998-12-31T23:59:59Z'), noInvalidDate: true }),
      fc.integer({ min: 0, max: 999_999 }),
      fc.integer({ min: -12 * 60, max: 14 * 60 }),
      (date, micros, offsetMinutes) => {
        const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString();
        const sign = offsetMinutes < 0 ? '-' : '+';
        const hh = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
        const mm = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
        const fraction = micros === 0 ? '' : `.${String(micros).padStart(6, '0').replace(/0+$/, '')}`;
        const text = `${local.slice(0, 10)} ${local.slice(11, 19)}${fraction}${sign}${hh}${mm === '00' ? '' : `:${mm}`}`;
        const ours = parseTimestamptz(text).getTime();
        const theirs = pgParse(text).getTime();
        if (ours !== theirs) throw new Error(`${text}: ${ours} ≠ ${theirs}`);
      },
    ),
    { numRuns: 5_000 },
  );
});

t.test('only timestamptz text values get the fast parser', async (t) => {
  t.equal(typeParsers.getTypeParser(1184, 'text'), parseTimestamptz);
  t.equal(typeParsers.getTypeParser(1114, 'text'), pg.types.getTypeParser(1114, 'text'));
  t.equal(typeParsers.getTypeParser(23, 'text'), pg.types.getTypeParser(23, 'text'));
});

t.test('text to RFC 3339: what the Date path gives, on the samples and on random instants', async (t) => {
  const samples: [string, string][] = [
    ['2026-11-23 11:52:05.123456+00', '2026-11-23T11:52:05.123Z'],
    ['2026-11-23 11:52:05.123999+00', '2026-11-23T11:52:05.123Z'],
    ['2026-11-23 11:52:05.1+00', '2026-11-23T11:52:05.100Z'],
    ['2026-11-23 11:52:05.12+00', '2026-11-23T11:52:05.120Z'],
    ['2026-11-23 11:52:05+00', '2026-11-23T11:52:05.000Z'],
    ['0001-01-01 00:00:00+00', '0001-01-01T00:00:00.000Z'],
    ['2026-11-23 12:52:05.5+01', '2026-11-23T11:52:05.500Z'], // another session time zone: the Date path
    ['1999-01-08 04:05:06.789-08', '1999-01-08T12:05:06.789Z'],
  ];
  for (const [text, iso] of samples) t.equal(isoFromTimestamptzText(text), iso, text);
  t.equal(
    isoFromTimestamptzText('0044-03-15 12:00:00+00 BC'),
    parseTimestamptz('0044-03-15 12:00:00+00 BC').toISOString(),
    'BC: the Date path',
  );
  fc.assert(
    fc.property(
      fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9998-12-31T23:59:59Z'), noInvalidDate: true }),
      fc.integer({ min: 0, max: 999_999 }),
      fc.constantFrom(0, 0, 60, -330, 345),
      (date, micros, offsetMinutes) => {
        const local = new Date(Math.floor(date.getTime() / 1000) * 1000 + offsetMinutes * 60_000).toISOString();
        const sign = offsetMinutes < 0 ? '-' : '+';
        const hh = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
        const mm = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
        const fraction = micros === 0 ? '' : `.${String(micros).padStart(6, '0').replace(/0+$/, '')}`;
        const text = `${local.slice(0, 10)} ${local.slice(11, 19)}${fraction}${sign}${hh}${mm === '00' ? '' : `:${mm}`}`;
        const ours = isoFromTimestamptzText(text);
        const viaDate = parseTimestamptz(text).toISOString();
        if (ours !== viaDate) throw new Error(`${text}: ${ours} ≠ ${viaDate}`);
      },
    ),
    { numRuns: 10_000 },
  );
});
