// Model reports end to end (issue 8): a quality analysis in Chromium, its summary published
// with "Publish summary to the server", and `GET /api/model-reports` read back. Checks that
// nothing is sent before the click, that the stored figures are the ones the page shows, and
// that the request body holds no cell of the CSV nor its file name. Run with `node --test`
// (see scripts/e2e.sh). Needs /usr/bin/chromium and the release builds (or E2E_BASE_URL).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { PublishPanel } from '../pages/publish_panel.mjs';
import { QualityPage } from '../pages/quality_page.mjs';
import { VIEWPORTS, openPage } from '../support/browser.mjs';
import { serverAndBrowser } from '../support/suite.mjs';

const CLASSES = ['heron', 'lynx', 'otter'];
const ROWS = 60;
const FILE_NAME = 'wildlife camera.csv';

/** Rows of id, actual, predicted: every cell a distinctive word, so the body can be searched
 *  for each of them. The prediction is wrong on about a quarter of the rows. */
function modelCsv() {
  const cells = new Set();
  const lines = ['case_id,actual,predicted'];
  let correct = 0;
  for (let i = 0; i < ROWS; i++) {
    const t = (i + Math.floor(i / 5)) % 3;
    const p = i % 4 === 1 ? (t + 1) % 3 : t;
    if (p === t) correct += 1;
    const id = `case-${String(i).padStart(3, '0')}-zq`;
    cells.add(id).add(CLASSES[t]).add(CLASSES[p]);
    lines.push(`${id},${CLASSES[t]},${CLASSES[p]}`);
  }
  return { buffer: Buffer.from(lines.join('\n') + '\n', 'utf8'), cells: [...cells], accuracy: correct / ROWS };
}

const MODEL = modelCsv();

let server;
let browser;

serverAndBrowser((s, b) => {
  server = s;
  browser = b;
});

for (const project of VIEWPORTS) {
  describe(`model reports (${project.name} ${project.viewport.width}×${project.viewport.height})`, () => {
    test('a quality summary is published on click, stored as shown, without any cell', async () => {
      const { context, page, problems } = await openPage(browser, project);
      const sent = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith('/api/model-reports')) {
          sent.push({ method: request.method(), body: request.postData() ?? '' });
        }
      });
      try {
        const view = new QualityPage(page);
        await view.open(server.url);
        await view.chooseInput(FILE_NAME, MODEL.buffer);
        await view.waitForColumns(3, FILE_NAME);
        await view.chooseColumns('actual', 'predicted');
        await view.evaluate();

        const shown = {
          accuracy: await view.termValue('Accuracy'),
          f1Macro: await view.termValue('F1 (macro)'),
          f1Weighted: await view.termValue('F1 (weighted)'),
          rows: await view.termValue('Rows evaluated'),
        };
        assert.equal(shown.accuracy, MODEL.accuracy.toFixed(3));

        const panel = new PublishPanel(page);
        await panel.open();
        // The name comes from the file's; the preview lists exactly the fields to be sent.
        const name = panel.nameField('Model name');
        assert.equal(await name.inputValue(), 'wildlife-camera');
        const preview = await panel.previewed();
        assert.deepEqual(Object.keys(preview).sort(), [
          'accuracy',
          'app_version',
          'f1_macro',
          'f1_weighted',
          'kind',
          'name',
          'rows',
        ]);
        assert.equal(preview.kind, 'quality');
        assert.equal(preview.rows, shown.rows);

        // A name the server would refuse is refused here, before anything is sent.
        await name.fill('wildlife camera');
        await panel.publishButton.click();
        await panel.alert.filter({ hasText: '“name”' }).waitFor();
        assert.deepEqual(sent, [], 'nothing is sent before a valid click');

        const modelName = `wildlife-${project.name}`;
        await name.fill(modelName);
        assert.equal((await panel.previewed()).name, modelName);
        await panel.publish();
        await panel.status.filter({ hasText: /^Published: report \d+ received by the server at / }).waitFor();
        assert.equal(await panel.alert.count(), 0, `no error: ${await panel.alert.allInnerTexts()}`);

        // Exactly one request, a POST whose body holds figures only.
        assert.equal(sent.length, 1, JSON.stringify(sent));
        assert.equal(sent[0].method, 'POST');
        const body = sent[0].body;
        for (const cell of MODEL.cells) {
          assert.ok(!body.includes(cell), `the body holds the cell "${cell}": ${body}`);
        }
        assert.ok(!body.includes('wildlife camera'), 'the body holds the file name');
        assert.ok(!body.includes('case_id'), 'the body holds a column name of the file');

        // What the server stored is what the page showed and what was sent.
        const response = await fetch(`${server.url}/api/model-reports?name=${modelName}&kind=quality`);
        assert.equal(response.status, 200);
        const { reports } = await response.json();
        assert.equal(reports.length, 1);
        const [stored] = reports;
        assert.equal(stored.accuracy.toFixed(3), shown.accuracy);
        assert.equal(stored.f1_macro.toFixed(3), shown.f1Macro);
        assert.equal(stored.f1_weighted.toFixed(3), shown.f1Weighted);
        assert.equal(String(stored.rows), shown.rows);
        assert.ok(Math.abs(stored.accuracy - MODEL.accuracy) < 1e-12, `accuracy ${stored.accuracy}`);
        const { id, received_at: receivedAt, ...fields } = stored;
        assert.ok(Number.isInteger(id) && receivedAt, 'an id and a reception time');
        assert.deepEqual(fields, JSON.parse(body));
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });
  });
}
