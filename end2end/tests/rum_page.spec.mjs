// The RUM page end to end: a real page load, a thrown JS error and a Rust panic send beacons to
// the real server, and the page at /rum shows the vitals and the error groups computed from
// them. axe-core finds no serious or critical violation on it.

import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';

import AxeBuilder from '@axe-core/playwright';

import { VIEWPORTS, openPage } from '../support/browser.mjs';
import { SCREENSHOTS, serverAndBrowser } from '../support/suite.mjs';

const FLUSH_INTERVAL_MS = 500;
process.env.CSV_ANALYZER_RUM__FLUSH_INTERVAL_MS ??= String(FLUSH_INTERVAL_MS);

let server;
let browser;
// Every LCP the pages sent, across both viewports (one server): a nearest-rank p75 is one of them.
const sentLcps = [];

serverAndBrowser((s, b) => {
  server = s;
  browser = b;
});

for (const project of VIEWPORTS) {
  describe(`RUM page (${project.name})`, () => {
    test('beacons of a real page load appear on the RUM page', async () => {
      const { context, page } = await openPage(browser, project);
      try {
        const message = `rum page check ${project.name}`;
        const accepted = [];
        page.on('response', (response) => {
          if (response.url().endsWith('/api/rum') && response.request().method() === 'POST') {
            accepted.push(response.status());
            for (const event of JSON.parse(response.request().postData() || '{}').events ?? []) {
              if (event.type === 'vital' && event.name === 'LCP') {
                sentLcps.push(event.value);
              }
            }
          }
        });
        await page.goto(`${server.url}/`);
        await page.getByRole('heading', { name: 'Profile a file' }).waitFor();
        await page.evaluate((text) => setTimeout(() => {
          throw new Error(text);
        }), message);
        // A Rust panic of the page (the documented hook, docs/app.md): reported, then the page
        // shows its crash message.
        await page.evaluate(() => {
          try {
            window.wasmBindings.rumCheckPanic();
          } catch {
            // The panic surfaces as a JS exception here; the hook has already reported it.
          }
        });
        // Hiding the page finalises LCP; the next flush sends it with the error.
        await page.evaluate(() => {
          Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
          document.dispatchEvent(new Event('visibilitychange'));
        });
        const deadline = Date.now() + 10_000;
        while (accepted.length === 0 && Date.now() < deadline) {
          await page.waitForTimeout(FLUSH_INTERVAL_MS);
        }
        await page.waitForTimeout(2 * FLUSH_INTERVAL_MS);
        assert.ok(accepted.length > 0 && accepted.every((s) => s === 202), `beacon answers: ${accepted}`);

        const viewer = await context.newPage();
        // The batch writer stores within a second; the page reads the summary when it opens.
        let lcp = null;
        for (let attempt = 0; attempt < 10 && !lcp; attempt++) {
          await viewer.goto(`${server.url}/rum`);
          await viewer.getByRole('heading', { level: 1, name: 'Real-user monitoring' }).waitFor();
          await viewer.getByRole('button', { name: '5m' }).click();
          const row = viewer.getByRole('table', { name: 'Web vitals' }).getByRole('row').filter({
            has: viewer.getByRole('rowheader', { name: 'LCP' }),
          });
          if ((await row.count()) === 1) {
            lcp = await row.getByRole('cell').first().innerText();
          } else {
            await viewer.waitForTimeout(500);
          }
        }
        const shown = /^([\d,]+)\u00a0ms$/.exec(lcp ?? '');
        assert.ok(shown, `LCP p75 shown as milliseconds: ${lcp}`);
        const p75 = Number(shown[1].replaceAll(',', ''));
        assert.ok(
          sentLcps.some((v) => Math.round(v) === p75),
          `the p75 shown (${p75}) is none of the LCPs sent (${sentLcps.join(', ')})`,
        );
        const group = viewer.locator('li.rum-error').filter({ hasText: message });
        await group.waitFor({ timeout: 5_000 });
        assert.match(await group.innerText(), /JavaScript error/);
        const panic = viewer.locator('li.rum-error').filter({ hasText: 'Rust panic' }).filter({ hasText: /RUM check/ });
        await panic.waitFor({ timeout: 5_000 });
        assert.match(await panic.innerText(), /rum\/mod\.rs:\d+/);

        const results = await new AxeBuilder({ page: viewer }).withTags(['wcag2a', 'wcag2aa']).analyze();
        const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`), []);
        await viewer.screenshot({ path: path.join(SCREENSHOTS, `rum-${project.name}.png`), fullPage: true });
      } finally {
        await context.close();
      }
    });
  });
}
