// generated/ is committed; this fails when regenerating from openapi.yaml would change it.
import { readFile, readdir } from 'node:fs/promises';
import t from 'tap';
import { render } from '../../scripts/generate.js';

t.test('generated/ is exactly what openapi.yaml generates', async (t) => {
  const expected = await render();
  const dir = new URL('../../generated/', import.meta.url);
  t.same((await readdir(dir)).sort(), [...expected.keys()].sort(), 'no missing or stale files');
  for (const [name, content] of expected) {
    const actual = await readFile(new URL(name, dir), 'utf8');
    t.ok(actual === content, `generated/${name} is up to date (run npm run generate)`);
  }
});
