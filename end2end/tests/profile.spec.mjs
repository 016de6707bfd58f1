// The profile view end to end: the release build, served by the real server, in Chromium.
// Run with `node --test` (see scripts/e2e.sh). Needs /usr/bin/chromium and the release builds.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, test } from 'node:test';

import { ProfilePage } from '../pages/profile_page.mjs';
import { VIEWPORTS, openPage, workerNamed } from '../support/browser.mjs';
import { binaryFile, generateCsv } from '../support/csv.mjs';
import { SCREENSHOTS, serverAndBrowser } from '../support/suite.mjs';

let server;
let browser;

serverAndBrowser((s, b) => {
  server = s;
  browser = b;
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
        assert.equal(id.Max, '1,000');
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

    test('cards, charts, filter and exports', async () => {
      const { context, page, problems } = await openPage(browser, project);
      try {
        const view = new ProfilePage(page);
        await view.open(server.url);
        const csv = generateCsv(200);
        await view.chooseFile('orders.csv', csv.buffer);
        await view.waitForStatus(/200 rows and 5 columns/);

        assert.deepEqual(await view.cardNames(), ['id', 'price', 'quantity', 'city', 'comment']);
        // A histogram for a number column, bars of the most frequent values for a category.
        assert.equal(await view.card('price').getByRole('img', { name: /price/ }).count(), 1);
        const city = view.card('city');
        assert.equal(await city.getByRole('img', { name: /city/ }).count(), 1);
        const topCities = await city.getByRole('table').getByRole('cell').allInnerTexts();
        // 200 rows over 5 cities in turn: 40 each, ties broken by value ascending.
        assert.deepEqual(topCities.slice(0, 4), ['Brest', '40', 'Lille', '40']);

        await view.filterColumns('PRI');
        assert.deepEqual(await view.cardNames(), ['price']);
        assert.deepEqual(await view.columnNames(), ['price']);
        await view.filterColumns('');

        const json = await view.download(page.getByRole('button', { name: 'Download JSON' }));
        assert.equal(json.name, 'orders.profile.json');
        const exported = JSON.parse(json.text);
        assert.equal(exported.rows, 200);
        assert.equal(exported.columns.length, 5);
        const [file] = exported.provenance.files;
        assert.deepEqual(
          { role: file.role, name: file.name, bytes: file.bytes },
          { role: 'input', name: 'orders.csv', bytes: csv.buffer.length },
        );
        assert.equal(file.sha256, createHash('sha256').update(csv.buffer).digest('hex'));

        const svg = await view.download(view.card('price').getByRole('button', { name: 'Download SVG' }));
        assert.equal(svg.name, 'orders.price.svg');
        assert.match(svg.text, /^<svg[^>]*role="img"/);
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });

    test('a French file in the French interface', async () => {
      const { context, page, problems } = await openPage(browser, project);
      try {
        const view = new ProfilePage(page);
        await view.open(server.url);
        await view.chooseLanguage('fr');
        await page.getByRole('heading', { name: 'Profiler un fichier' }).waitFor();
        assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');

        // Semicolons, decimal commas, Latin-1 accents: as a French spreadsheet saves it.
        const prices = [1.25, 2.5, 3.75, 0.5];
        const lines = ['produit;prix;quantité', ...prices.map((p, i) => `pièce ${i};${String(p).replace('.', ',')};${i}`)];
        await view.chooseFile('tarifs.csv', Buffer.from(lines.join('\r\n') + '\r\n', 'latin1'));
        await view.waitForStatus(/4 lignes et 3 colonnes dans tarifs\.csv/);
        assert.match(await view.overviewValue('Séparateur'), /point-virgule/);
        assert.equal(await view.overviewValue('Encodage'), 'Windows-1252');
        assert.match(await view.overviewValue('Séparateur décimal'), /virgule/);
        const mean = prices.reduce((a, b) => a + b, 0) / prices.length;
        const prix = await view.columnStats('prix');
        assert.equal(prix.Type, 'décimal');
        assert.equal(prix.Moyenne, String(mean).replace('.', ','));
        assert.deepEqual(await view.cardNames(), ['produit', 'prix', 'quantité']);

        // The choice is remembered.
        await page.reload();
        await page.getByRole('heading', { name: 'Profiler un fichier' }).waitFor();
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });

    test('pasted CSV text is profiled', async () => {
      const { context, page, problems } = await openPage(browser, project);
      try {
        const view = new ProfilePage(page);
        await view.open(server.url);
        await view.pasteCsv('a,b\n1,x\n3,y\n');
        await view.waitForStatus(/2 rows and 2 columns in pasted\.csv/);
        assert.equal((await view.columnStats('a')).Mean, '2');
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
        await view.waitForMessage('The analysis was cancelled.');
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

    test('a 100 MB file completes', async () => {
      const { context, page, problems } = await openPage(browser, project);
      try {
        const view = new ProfilePage(page);
        await view.open(server.url);
        // 100 blocks of 1 MiB, each 16,384 rows of 64 bytes: numbers, a category, a date.
        const rowsPerBlock = 16_384;
        const rows = [];
        for (let i = 0; i < rowsPerBlock; i++) {
          const row = `${i},${(i * 0.37).toFixed(3)},c${i % 7},2026-01-${String((i % 28) + 1).padStart(2, '0')}`;
          rows.push(row.padEnd(63, ' '));
        }
        const block = rows.join('\n') + '\n';
        assert.equal(block.length, 1 << 20);
        await view.dropLargeCsv('hundred.csv', 'id,value,category,day\n', block, 100);
        await view.waitForStatus(/1,638,400 rows and 4 columns in hundred\.csv/, 120_000);
        assert.equal((await view.columnStats('category')).Distinct, '7');
        assert.equal(await view.alert.count(), 0);
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });

    test('a worker that dies mid-analysis is reported and replaced', async () => {
      const { context, page, problems } = await openPage(browser, project);
      try {
        const view = new ProfilePage(page);
        await view.open(server.url);
        const body = 'x,y\n'.repeat(1 << 18);
        await view.dropLargeCsv('large.csv', 'x,y\n', body, 256);
        await view.waitForBytesRead();

        // An error that escapes the worker's code, as a trap or an abort would.
        const worker = await workerNamed(page, 'analysis');
        await worker.evaluate(() => setTimeout(() => {
          throw new Error('simulated crash');
        }));

        await view.alert.waitFor({ timeout: 10_000 });
        assert.match(await view.alert.innerText(), /internal error.*simulated crash/s);
        // A fresh worker takes the next file.
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
        assert.match(await view.alert.innerText(), /photo\.png/);
        assert.match(await view.alert.innerText(), /not.*CSV/i);
        await view.screenshot(path.join(SCREENSHOTS, `binary-${project.name}.png`));
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });
  });
}
