// Cursors already issued keep working: each cursor below is a fixed string a released server
// encoded, and must decode with the same filters, and be encoded byte for byte the same, by the
// filter table (src/tasks/list-filters.ts).
import t from 'tap';
import { decodeCursor, encodeCursor } from '../../src/tasks/cursor.js';
import type { ListFilters } from '../../src/tasks/list-params.js';
import { InvalidInput } from '../../src/domain/errors.js';

const position = { key: '123', id: '00000000-0000-4000-8000-000000000000' };
const issued: [ListFilters, string][] = [
  [
    { status: 'all', sort: 'created_at', order: 'asc', overdue: false },
    'WyJJSjVNdWJMUmRHb1YyemtEIiwiMTIzIiwiMDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAwIl0',
  ],
  [
    {
      status: 'pending',
      sort: 'due_at',
      order: 'desc',
      overdue: true,
      priority: ['high', 'low', 'high'],
      tag: ['Work', ' home'],
      q: 'ab',
      due_before: '2027-01-01T00:00:00+02:00',
      due_after: '2020-01-01T00:00:00Z',
    },
    'WyJHY0w5ZGY3V05JZHpxYjk3IiwiMTIzIiwiMDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAwIl0',
  ],
  [
    { status: 'completed', sort: 'title', order: 'asc', overdue: false, q: '%_' },
    'WyI1QjJQZkYtclJTQ0dYQ0hjIiwiMTIzIiwiMDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAwIl0',
  ],
];

t.test('cursors issued before keep their binding', async (t) => {
  for (const [filters, cursor] of issued) {
    t.same(decodeCursor(cursor, filters), position, `${JSON.stringify(filters)}: decodes`);
    t.equal(encodeCursor(filters, position), cursor, `${JSON.stringify(filters)}: encoded the same`);
  }
});

t.test('a cursor of other filters is still refused', async (t) => {
  t.throws(
    () => decodeCursor(issued[0]![1], { ...issued[0]![0], status: 'pending' }),
    new InvalidInput(
      'query',
      'cursor',
      'belongs to other filters or another sort: start again without it, or send the filters, sort and order it came with',
    ),
  );
});
