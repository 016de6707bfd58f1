// The profile view end to end: the release build, served by the real server, in Chromium.
// Run with `node --test` (see scripts/e2e.sh). Needs /usr/bin/chromium and the release builds.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ProfilePage } from '../pages/profile_page.mjs';
import { VIEWPORTS, launchBrowser, openPage } from '../support/browser.mjs';
import { binaryFile, generateCsv } from '../support/csv.mjs';
import { repoRoot, startServer } from '../support/server.mjs';

const SCREENSHOTS = path.join(repoRoot, 'end2end', 'screenshots');

let server;
let browser;

before(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const project of VIEWPORTS) {
  describe(`profile view (${project.name} ${project.viewport.width}×${project.viewport.height})`, () => {
    test('a chosen CSV file is profiled', async () => {
      const { context, page, problems } = await openPage(browser, project);
      try {
        const view = new ProfilePage(page);
        await view.open(server.url);
        await view.screenshot(path.join(SCREENSHOTS, `profile-empty-${project.name}.png`));

        const csv = generateCsv(1000);
        await view.chooseFile('orders.csv', csv.buffer);

        const status = await view.waitForStatus(/1,000 rows/);
        assert.match(status, /1,000 rows and 5 columns in orders\.csv/);
        assert.equal(await view.overviewValue('Rows'), '1,000');
        assert.equal(await view.overviewValue('Columns'), '5');
        assert.match(await view.overviewValue('Delimiter'), /comma/);
        assert.equal(await view.overviewValue('Encoding'), 'UTF-8');
        assert.equal(await view.overviewValue('Ragged rows'), '0');

        assert.deepEqual(await view.columnNames(), ['id', 'price', 'quantity', 'city', 'comment']);
        const id = await view.columnStats('id');
        assert.equal(id.Kind, 'integer');
        assert.equal(id.Count, '1,000');
        assert.equal(id.Mean, '500.5');
        assert.equal(id.Min, '1');
        assert.equal(id.Max, '1000');
        assert.equal(id.Median, '500.5');
        const quantity = await view.columnStats('quantity');
        assert.equal(quantity.Missing, '100');
        assert.equal(quantity.Count, '900');
        assert.equal((await view.columnStats('city')).Distinct, '5');

        assert.ok(await view.fitsViewportWidth(), 'the page scrolls sideways');
        assert.equal(await view.alert.count(), 0, 'no error message is shown');
        await view.screenshot(path.join(SCREENSHOTS, `profile-${project.name}.png`));
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });

    test('reading a large file shows progress and can be cancelled', async () => {
      const { context, page, problems } = await openPage(browser, project);
      try {
        const view = new ProfilePage(page);
        await view.open(server.url);

        // 256 MiB: several seconds of reading, so Cancel lands in the middle.
        const body = 'x,y\n'.repeat(1 << 18); // 1 MiB of rows
        await view.dropLargeCsv('large.csv', 'x,y\n', body, 256);

        const { value, max } = await view.waitForBytesRead();
        assert.equal(max, 256 * 1024 * 1024 + 4);
        assert.ok(value > 0 && value < max, `progress ${value} of ${max}`);

        await view.cancelButton.click();
        await view.waitForStatus('Stopped reading large.csv');
        assert.equal(await view.progress.count(), 0, 'the progress bar is gone');
        assert.equal(await view.columnsTable.count(), 0, 'no table after a cancel');

        // The page is usable again: a small file goes through.
        await view.chooseFile('small.csv', generateCsv(10).buffer);
        await view.waitForStatus(/10 rows and 5 columns/);
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });

    test('a dropped binary file shows an error', async () => {
      const { context, page, problems } = await openPage(browser, project);
      try {
        const view = new ProfilePage(page);
        await view.open(server.url);

        await view.dropFile('photo.png', binaryFile(), 'image/png');

        await view.alert.waitFor({ timeout: 10_000 });
        assert.match(await view.alert.innerText(), /does not look like a CSV file/);
        assert.match(await view.status.innerText(), /Could not profile photo\.png/);
        await view.screenshot(path.join(SCREENSHOTS, `binary-${project.name}.png`));
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });
  });
}
