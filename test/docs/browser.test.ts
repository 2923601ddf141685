// The docs page in a real browser (Debian's Chromium, driven by playwright-core): authorize with a
// token, Try it out POST /api/tasks and GET /api/tasks, and read the statuses the page shows. Via
// 127.0.0.1, via localhost, and behind a proxy's path prefix; any CSP violation fails the test.
import t from 'tap';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { build, tokenFor } from '../helper.js';
import { chromiumMissing, launchChromium } from '../support/chromium.js';
import { startPrefixProxy } from '../support/prefix-proxy.js';

const missing = chromiumMissing();
if (missing) {
  const line = '!'.repeat(100);
  process.stderr.write(`\n${line}\n!!! SKIPPED: the docs page was NOT tested in a browser: ${missing}\n${line}\n\n`);
}

interface Attempt {
  statuses: { create: string; list: string };
  listed: string;
  violations: string[];
  apiCalls: string[];
}

/** Opens `${base}/docs` and uses it as a person would: Authorize, then Try it out on two operations. */
async function tryItOut(page: Page, base: string, token: string, title: string): Promise<Attempt> {
  const violations: string[] = [];
  const apiCalls: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.includes('/api/')) apiCalls.push(`${request.method()} ${request.url()}`);
  });
  await page.goto(`${base}/docs`);
  await page.locator('.opblock').first().waitFor();

  await page.click('.btn.authorize');
  await page.fill('.auth-container input', token);
  await page.click('.auth-btn-wrapper button.authorize');
  await page.click('.btn-done');

  const create = page.locator('#operations-tasks-createTask');
  await create.locator('.opblock-summary').click();
  await create.locator('textarea.body-param__text').fill(JSON.stringify({ title, description: 'from the docs page' }));
  await create.locator('.execute').click();
  const createStatus = create.locator('.live-responses-table tbody .response-col_status').first();
  await createStatus.waitFor();

  const list = page.locator('#operations-tasks-listTasks');
  await list.locator('.opblock-summary').click();
  await list.locator('.execute').click();
  const listStatus = list.locator('.live-responses-table tbody .response-col_status').first();
  await listStatus.waitFor();
  return {
    statuses: { create: (await createStatus.innerText()).trim(), list: (await listStatus.innerText()).trim() },
    listed: await list.locator('.live-responses-table tbody .response-col_description').first().innerText(),
    violations,
    apiCalls,
  };
}

t.test('Try it out works from the docs page in Chromium', { skip: missing ?? false }, async (t) => {
  const app = await build(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const proxy = await startPrefixProxy('/todo', { host: '127.0.0.1', port });
  t.teardown(() => proxy.close());
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const token = tokenFor('docs-user');

  for (const base of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, proxy.url]) {
    const title = `From the docs via ${new URL(base).host}${new URL(base).pathname}`;
    const page = await browser.context.newPage();
    const attempt = await tryItOut(page, base, token, title);
    await page.close();
    t.equal(attempt.statuses.create, '201', `${base}: POST /api/tasks shows 201`);
    t.equal(attempt.statuses.list, '200', `${base}: GET /api/tasks shows 200`);
    t.match(attempt.listed, title, `${base}: the list shows the task just created`);
    t.same(attempt.violations, [], `${base}: no CSP violation`);
    t.same(
      attempt.apiCalls,
      [`POST ${base}/api/tasks`, `GET ${base}/api/tasks?status=all&overdue=false&sort=created_at&order=desc&limit=50`],
      `${base}: the calls went to the server the page came from`,
    );
  }
});
