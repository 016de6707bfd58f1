// axe-core on every view, empty and with a result, on the desktop and the phone viewport: no
// serious or critical violation of WCAG 2.x A/AA. Screenshots of each state are kept.

import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';

import AxeBuilder from '@axe-core/playwright';

import { ProfilePage } from '../pages/profile_page.mjs';
import { VIEWPORTS, openPage } from '../support/browser.mjs';
import { generateCsv } from '../support/csv.mjs';
import { SCREENSHOTS, serverAndBrowser } from '../support/suite.mjs';

const VIEWS = [
  { path: '/', heading: 'Profile a file' },
  { path: '/drift', heading: /drift/i },
  { path: '/quality', heading: /quality/i },
];

let server;
let browser;

serverAndBrowser((s, b) => {
  server = s;
  browser = b;
});

/** The serious and critical violations on the page, as readable lines. */
async function seriousViolations(page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

for (const project of VIEWPORTS) {
  describe(`accessibility (${project.name})`, () => {
    for (const view of VIEWS) {
      test(`${view.path} before any file`, async () => {
        const { context, page, problems } = await openPage(browser, project);
        try {
          await page.goto(`${server.url}${view.path}`);
          await page.getByRole('heading', { level: 1, name: view.heading }).waitFor();
          assert.deepEqual(await seriousViolations(page), []);
          const name = view.path === '/' ? 'profile' : view.path.slice(1);
          await page.screenshot({ path: path.join(SCREENSHOTS, `a11y-${name}-empty-${project.name}.png`), fullPage: true });
          assert.deepEqual(problems(), []);
        } finally {
          await context.close();
        }
      });
    }

    test('the profile view with a result, in both languages', async () => {
      const { context, page, problems } = await openPage(browser, project);
      try {
        const profile = new ProfilePage(page);
        await profile.open(server.url);
        await profile.chooseFile('orders.csv', generateCsv(300).buffer);
        await profile.waitForStatus(/300 rows/);
        assert.deepEqual(await seriousViolations(page), []);
        await profile.chooseLanguage('fr');
        await page.getByRole('heading', { name: 'Profiler un fichier' }).waitFor();
        assert.deepEqual(await seriousViolations(page), []);
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });

    test('the keyboard reaches the file input, the views and the language', async () => {
      const { context, page } = await openPage(browser, project);
      try {
        await page.goto(`${server.url}/`);
        await page.getByRole('combobox', { name: 'Language' }).waitFor();
        const reached = new Set();
        for (let i = 0; i < 40; i++) {
          await page.keyboard.press('Tab');
          reached.add(
            await page.evaluate(() => {
              const el = document.activeElement;
              return el?.getAttribute('aria-label') || el?.textContent?.trim() || el?.id || el?.tagName;
            }),
          );
        }
        for (const name of ['Profile', 'Drift', 'Model quality', 'Real users', 'Language', 'profile-file']) {
          assert.ok(reached.has(name), `Tab never reached ${name}: ${[...reached].join(' | ')}`);
        }
      } finally {
        await context.close();
      }
    });
  });
}
