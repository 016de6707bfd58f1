// The model-quality view end to end: the release build, served by the real server, in
// Chromium. Run with `node --test` (see scripts/e2e.sh). Needs /usr/bin/chromium and the
// release builds.
//
// The expected figures are computed here, independently of the engine, with scikit-learn's
// definitions (F1 = 2·tp / (support + predicted), macro = unweighted mean over classes).

import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';

import { QualityPage } from '../pages/quality_page.mjs';
import { VIEWPORTS, openPage } from '../support/browser.mjs';
import { SCREENSHOTS, serverAndBrowser } from '../support/suite.mjs';

/** The classes, in the order the engine sorts them (text labels: alphabetical). */
const CLASSES = ['bird', 'cat', 'dog'];

/** `rows` rows of id, actual, predicted, score; the prediction is wrong where `wrong(i)`. */
function modelCsv(rows, wrong) {
  const truth = [];
  const predicted = [];
  const lines = ['id,actual,predicted,score'];
  for (let i = 0; i < rows; i++) {
    const t = (i + Math.floor(i / 4)) % 3;
    // Errors go one way more than the other, so the classes' F1 differ.
    const p = wrong(i) ? (t + 1 + (i % 3 === 0 ? 1 : 0)) % 3 : t;
    truth.push(CLASSES[t]);
    predicted.push(CLASSES[p]);
    lines.push(`${i + 1},${CLASSES[t]},${CLASSES[p]},${((i * 37) % 100) / 100}`);
  }
  return { truth, predicted, buffer: Buffer.from(lines.join('\n') + '\n', 'utf8') };
}

/** Accuracy, macro F1 and the confusion matrix (rows: truth, columns: prediction). */
function metrics(truth, predicted) {
  const index = new Map(CLASSES.map((c, i) => [c, i]));
  const matrix = CLASSES.map(() => CLASSES.map(() => 0));
  truth.forEach((t, k) => {
    matrix[index.get(t)][index.get(predicted[k])] += 1;
  });
  const correct = CLASSES.reduce((sum, _, i) => sum + matrix[i][i], 0);
  const f1 = CLASSES.map((_, i) => {
    const support = matrix[i].reduce((a, b) => a + b, 0);
    const predictedAs = matrix.reduce((sum, row) => sum + row[i], 0);
    return support + predictedAs === 0 ? 0 : (2 * matrix[i][i]) / (support + predictedAs);
  });
  return {
    matrix,
    accuracy: correct / truth.length,
    f1Macro: f1.reduce((a, b) => a + b, 0) / f1.length,
  };
}

/** A metric as the view writes it: three decimals, a decimal comma in French. */
function metric(value, lang = 'en') {
  const scaled = value * 1000;
  // A value half-way between two roundings could be written either way: keep the data clear.
  assert.ok(Math.abs(scaled - Math.floor(scaled) - 0.5) > 1e-6, `${value} is a rounding tie`);
  const written = value.toFixed(3);
  return lang === 'fr' ? written.replace('.', ',') : written;
}

const ROWS = 300;
// About 31% wrong: accuracy near 0.69.
const MODEL = modelCsv(ROWS, (i) => i % 5 === 0 || i % 7 === 3);
// About 8% wrong: accuracy near 0.92, so the model dropped by about 25% (more than 10%).
const BASELINE = modelCsv(ROWS, (i) => i % 13 === 0);

let server;
let browser;

serverAndBrowser((s, b) => {
  server = s;
  browser = b;
});

for (const project of VIEWPORTS) {
  describe(`quality view (${project.name} ${project.viewport.width}×${project.viewport.height})`, () => {
    test('a model is evaluated, compared with a better baseline and exported', async () => {
      const { context, page, problems } = await openPage(browser, project);
      try {
        const expected = metrics(MODEL.truth, MODEL.predicted);
        const baseline = metrics(BASELINE.truth, BASELINE.predicted);
        assert.ok(
          (baseline.accuracy - expected.accuracy) / baseline.accuracy > 0.15,
          'the baseline is clearly better',
        );

        const view = new QualityPage(page);
        await view.open(server.url);
        assert.ok(await view.evaluateButton.isDisabled(), 'nothing to evaluate yet');

        await view.chooseInput('model.csv', MODEL.buffer);
        await view.waitForColumns(4, 'model.csv');
        // The usual names are recognised.
        assert.deepEqual(await view.chosenColumns(), { label: 'actual', prediction: 'predicted' });
        await view.chooseColumns('actual', 'predicted');

        // The same column twice makes no sense: said, and Evaluate is off.
        await view.labelSelect.selectOption('predicted');
        await view.alert.filter({ hasText: 'the same column' }).waitFor();
        assert.ok(await view.evaluateButton.isDisabled(), 'Evaluate is disabled for one column twice');
        await view.labelSelect.selectOption('actual');
        await view.alert.filter({ hasText: 'the same column' }).waitFor({ state: 'detached' });

        await view.chooseBaseline('baseline.csv', BASELINE.buffer);
        await view.evaluate();

        assert.equal(await view.termValue('Accuracy'), metric(expected.accuracy));
        assert.equal(await view.termValue('F1 (macro)'), metric(expected.f1Macro));
        assert.equal(await view.termValue('Rows evaluated'), String(ROWS));
        assert.equal(await view.confusionCell('cat', 'dog'), String(expected.matrix[1][2]));
        assert.equal(await view.confusionCell('bird', 'bird'), String(expected.matrix[0][0]));
        const cat = await view.tableRow(view.classesTable, 'cat');
        assert.equal(cat.Support, String(expected.matrix[1].reduce((a, b) => a + b, 0)));

        // The drop against the baseline is flagged in words, not only in colour.
        assert.match(await view.verdict().innerText(), /Quality dropped\./);
        const accuracyRow = await view.tableRow(view.baselineTable, 'Accuracy');
        assert.equal(accuracyRow.Baseline, metric(baseline.accuracy));
        assert.equal(accuracyRow['This file'], metric(expected.accuracy));
        assert.match(accuracyRow.Verdict, /Dropped more than 10%/);
        assert.match(accuracyRow.Change, /^−\d+\.\d%$/);

        const { name, json } = await view.downloadJson();
        assert.equal(name, 'model.quality.json');
        assert.ok(Math.abs(json.accuracy - expected.accuracy) < 1e-12, `accuracy ${json.accuracy}`);
        assert.ok(Math.abs(json.f1_macro - expected.f1Macro) < 1e-12, `f1_macro ${json.f1_macro}`);
        assert.equal(json.provenance.files[0].name, 'model.csv');
        assert.equal(json.provenance.files[1].name, 'baseline.csv');
        assert.equal(json.baseline.degraded, true);

        // Each chart downloads as SVG.
        const [svg] = await Promise.all([
          page.waitForEvent('download'),
          view.results.getByRole('button', { name: 'Download SVG' }).first().click(),
        ]);
        assert.equal(svg.suggestedFilename(), 'model.quality-classes.svg');

        assert.equal(await view.results.getByRole('alert').count(), 0, 'no error message is shown');
        assert.ok(await view.fitsViewportWidth(), 'the page scrolls sideways');
        await view.screenshot(path.join(SCREENSHOTS, `quality-${project.name}.png`));

        await view.switchLanguage('fr');
        await page.getByRole('heading', { level: 1, name: 'Qualité du modèle' }).waitFor();
        const summary = page.getByRole('region', { name: 'Synthèse', exact: true });
        assert.equal(await view.termValue('Exactitude', summary), metric(expected.accuracy, 'fr'));
        assert.match(await view.termValue('F1 (macro)', summary), /^0,\d{3}$/);
        const resultats = page.getByRole('region', { name: 'Résultats pour model.csv', exact: true });
        assert.match(await resultats.getByText('La qualité a baissé.').first().innerText(), /baissé\./);
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });

    test('columns that make no sense are refused with a message', async () => {
      const { context, page, problems } = await openPage(browser, project);
      try {
        const view = new QualityPage(page);
        await view.open(server.url);

        // No row has both values: the worker says so.
        const empty = Buffer.from('actual,predicted\ncat,\ndog,\n,bird\n', 'utf8');
        await view.chooseInput('empty.csv', empty);
        await view.waitForColumns(2, 'empty.csv');
        await view.evaluateButton.click();
        await view.alert.filter({ hasText: 'no row where both' }).waitFor({ timeout: 15_000 });

        // A baseline without the prediction column: said before anything runs.
        await view.chooseInput('model.csv', MODEL.buffer);
        await view.waitForColumns(4, 'model.csv');
        const other = Buffer.from('id,actual,guess\n1,cat,cat\n', 'utf8');
        await view.chooseBaseline('other.csv', other);
        await view.alert.filter({ hasText: 'has no column named “predicted”' }).waitFor();
        assert.ok(await view.evaluateButton.isDisabled(), 'Evaluate is disabled');

        // An exported result as the baseline: its figures are compared.
        await view.removeBaselineButton.click();
        await view.chooseInput('baseline.csv', BASELINE.buffer);
        await view.waitForColumns(4, 'baseline.csv');
        await view.evaluate();
        const { json } = await view.downloadJson();
        await view.chooseInput('model.csv', MODEL.buffer);
        await view.waitForColumns(4, 'model.csv');
        await view.chooseBaseline('baseline.quality.json', Buffer.from(JSON.stringify(json)), 'application/json');
        await view.evaluate();
        assert.match(await view.verdict().innerText(), /Quality dropped\./);
        assert.equal(
          (await view.tableRow(view.baselineTable, 'Accuracy')).Baseline,
          metric(metrics(BASELINE.truth, BASELINE.predicted).accuracy),
        );
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });
  });
}
