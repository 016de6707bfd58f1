// The drift view end to end: the release build, served by the real server, in Chromium, on
// the desktop and the phone viewport. Run with `node --test` (see scripts/e2e.sh); needs
// /usr/bin/chromium and the release builds.
//
// The files are generated here with a known answer, checked independently of the engine:
//   score   normal(0, 1) against normal(1.5, 1): drifts; its KS statistic is computed below
//   stable  the same 100 values 6 times in both files, in another order: KS 0, p 1, no drift
//   city    4 equally frequent cities against mostly Paris: drifts; chi-square computed below
//   day     60 days from 1 January 2024 against the same 60 days 30 days later: drifts, KS 0.5
//           reached first on 30 January (half the reference is on or before it, no current day)
//   comment a different sentence on every row: free text, not tested
//   legacy  only in the reference file
// so 3 of 4 tested columns drift: dataset drift at the default 0.5, none at 0.9.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, test } from 'node:test';

import AxeBuilder from '@axe-core/playwright';

import { DriftPage } from '../pages/drift_page.mjs';
import { VIEWPORTS, openPage } from '../support/browser.mjs';
import { binaryFile } from '../support/csv.mjs';
import { SCREENSHOTS, serverAndBrowser } from '../support/suite.mjs';

const ROWS = 600;
const CITIES = ['Brest', 'Lille', 'Lyon', 'Paris'];

/** A small seeded generator (mulberry32), so every run sees the same files. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Normal(mean, 1) values (Box–Muller), rounded to 4 decimals as the CSV writes them. */
function normals(seed, mean, n) {
  const next = random(seed);
  return Array.from({ length: n }, () => {
    const u = 1 - next();
    const v = next();
    return Number((mean + Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)).toFixed(4));
  });
}

/** `2024-01-01` plus `days`, as ISO 8601. */
function day(days) {
  return new Date(Date.UTC(2024, 0, 1 + days)).toISOString().slice(0, 10);
}

/** The two files' columns, and the CSV text of each. */
function driftFiles() {
  const reference = {
    score: normals(1, 0, ROWS),
    stable: Array.from({ length: ROWS }, (_, i) => (i * 37) % 100),
    city: Array.from({ length: ROWS }, (_, i) => CITIES[i % 4]),
    day: Array.from({ length: ROWS }, (_, i) => day(i % 60)),
  };
  const current = {
    score: normals(2, 1.5, ROWS),
    // 41 and 37 are both prime to 100: each value 0..99 appears 6 times in both files.
    stable: Array.from({ length: ROWS }, (_, i) => (i * 41) % 100),
    city: Array.from({ length: ROWS }, (_, i) => (i % 10 < 7 ? 'Paris' : CITIES[i % 3])),
    day: Array.from({ length: ROWS }, (_, i) => day(30 + (i % 60))),
  };
  const referenceLines = ['score,stable,city,day,comment,legacy'];
  const currentLines = ['score,stable,city,day,comment'];
  for (let i = 0; i < ROWS; i++) {
    referenceLines.push(
      `${reference.score[i].toFixed(4)},${reference.stable[i]},${reference.city[i]},${reference.day[i]},"first note ${i}, ok",${i % 7}`,
    );
    currentLines.push(
      `${current.score[i].toFixed(4)},${current.stable[i]},${current.city[i]},${current.day[i]},"second note ${i}, ok"`,
    );
  }
  return {
    reference,
    current,
    referenceCsv: Buffer.from(referenceLines.join('\n') + '\n', 'utf8'),
    currentCsv: Buffer.from(currentLines.join('\n') + '\n', 'utf8'),
  };
}

/** The two-sample Kolmogorov–Smirnov statistic: the largest gap between the two ECDFs. */
function ksStatistic(a, b) {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] <= v) i++;
    while (j < y.length && y[j] <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** Pearson's chi-square statistic of the 2×k table of category counts. */
function chiSquare(a, b) {
  const count = (values) => values.reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map());
  const [ca, cb] = [count(a), count(b)];
  const categories = new Set([...ca.keys(), ...cb.keys()]);
  const total = a.length + b.length;
  let statistic = 0;
  for (const category of categories) {
    const [ra, rb] = [ca.get(category) ?? 0, cb.get(category) ?? 0];
    const column = ra + rb;
    for (const [observed, rowTotal] of [[ra, a.length], [rb, b.length]]) {
      const expected = (rowTotal * column) / total;
      statistic += (observed - expected) ** 2 / expected;
    }
  }
  return { statistic, dof: categories.size - 1 };
}

/** A number as the English interface writes it ("1,234.5678"). */
function englishNumber(text) {
  return Number(text.replaceAll(',', ''));
}

function sha256(buffer) {
  return createHash('sha256').update(buffer).digest('hex');
}

let server;
let browser;

serverAndBrowser((s, b) => {
  server = s;
  browser = b;
});

for (const project of VIEWPORTS) {
  describe(`drift view (${project.name} ${project.viewport.width}×${project.viewport.height})`, () => {
    test('two files are compared, charted, exported and shown in French', async () => {
      const { context, page, problems } = await openPage(browser, project);
      try {
        const view = new DriftPage(page);
        await view.open(server.url);
        const files = driftFiles();
        const ks = ksStatistic(files.reference.score, files.current.score);
        const chi2 = chiSquare(files.reference.city, files.current.city);
        assert.ok(ks > 0.4, `the generated score column drifts clearly (KS ${ks})`);
        assert.equal(ksStatistic(files.reference.stable, files.current.stable), 0);

        // The seed's default thresholds.
        assert.equal(await view.pThreshold.inputValue(), '0.05');
        assert.equal(await view.shareThreshold.inputValue(), '0.5');

        await view.chooseReference('reference.csv', files.referenceCsv);
        await view.chooseCurrent('current.csv', files.currentCsv);
        await view.compare();

        const [headline, detail, compared] = await view.verdictLines();
        assert.match(headline, /Dataset drift detected/);
        assert.equal(detail, '3 of 4 tested columns drifted (75.0%), at or above the threshold of 50.0%.');
        assert.match(compared, /Reference “reference\.csv” \(600 rows\) compared with current “current\.csv” \(600 rows\)/);
        assert.match(compared, /below 0\.05\.$/);

        assert.deepEqual(await view.testedColumns(), ['score', 'stable', 'city', 'day']);
        const score = await view.columnRow('score');
        assert.equal(score.Kind, 'float');
        assert.match(score.Test, /^KS/);
        assert.ok(Math.abs(englishNumber(score.Statistic) - ks) < 1e-4, `KS ${score.Statistic}, expected ${ks}`);
        assert.match(score['p-value'], /e-\d+$/, 'a tiny p-value, in scientific notation');
        assert.match(score.Drift, /Drifted/);
        const stable = await view.columnRow('stable');
        assert.equal(stable.Statistic, '0');
        assert.equal(stable['p-value'], '1.000');
        assert.match(stable.Drift, /No drift/);
        assert.equal(stable['Values (reference / current)'], '600 / 600');
        const city = await view.columnRow('city');
        assert.equal(city.Kind, 'categorical');
        assert.equal(city.Test, `Chi-square (${chi2.dof} df)`);
        assert.ok(
          Math.abs(englishNumber(city.Statistic) - chi2.statistic) < 1e-3,
          `chi-square ${city.Statistic}, expected ${chi2.statistic}`,
        );
        assert.match(city.Drift, /Drifted/);
        assert.notEqual(city.PSI, '—');
        assert.equal(city.Wasserstein, '—');
        const days = await view.columnRow('day');
        assert.equal(days.Kind, 'datetime');
        assert.equal(days.Statistic, '0.5');
        assert.match(days.Drift, /Drifted/);

        const notTested = await view.notTested.getByRole('listitem').allInnerTexts();
        assert.ok(notTested.some((item) => /^comment — free text/.test(item)), notTested.join(' | '));
        assert.ok(notTested.includes('legacy — Only in the reference file'), notTested.join(' | '));

        // The first drifted column is shown first; the buttons say which one is.
        await view.distributionsHeading('score').waitFor();
        assert.equal(await view.showButton('score').getAttribute('aria-pressed'), 'true');
        assert.equal(await view.showButton('stable').getAttribute('aria-pressed'), 'false');
        await view.chart('Histograms of “score”').waitFor();
        const ecdf = view.chart('Cumulative distributions of “score”');
        await ecdf.waitFor();
        assert.match(
          await ecdf.getAttribute('aria-label'),
          new RegExp(`the KS distance, is ${ks.toFixed(4).replace(/0+$/, '')} at `),
        );

        // By keyboard: focus a column's button and press Enter.
        await view.showButton('stable').focus();
        await page.keyboard.press('Enter');
        await view.distributionsHeading('stable').waitFor();
        assert.equal(await view.showButton('stable').getAttribute('aria-pressed'), 'true');
        assert.equal(await view.showButton('score').getAttribute('aria-pressed'), 'false');
        assert.equal(
          await page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
          'Show the distributions of “stable”',
          'the focus stays on the button',
        );
        await view.chart('Histograms of “stable”').waitFor();
        assert.match(
          await view.chart('Cumulative distributions of “stable”').getAttribute('aria-label'),
          /the two curves are the same/,
        );

        // Date-times are charted as dates.
        await view.showButton('day').click();
        assert.match(
          await view.chart('Cumulative distributions of “day”').getAttribute('aria-label'),
          /the KS distance, is 0\.5 at Jan 30, 2024:/,
        );
        await view.chart('Histograms of “day”').waitFor();

        await view.showButton('city').click();
        await view.chart('Share of each value of “city”').waitFor();
        assert.equal(await page.getByRole('button', { name: 'Download SVG' }).count(), 1);
        await view.showButton('score').click();
        await view.chart('Histograms of “score”').waitFor();
        assert.equal(await page.getByRole('button', { name: 'Download SVG' }).count(), 2);

        const levels = await view.headingLevels();
        assert.equal(levels[0], 1, `headings ${levels}`);
        assert.ok(levels.every((level, i) => i === 0 || level <= levels[i - 1] + 1), `headings skip a level: ${levels}`);
        assert.equal(await view.tableScroller.getAttribute('tabindex'), '0');
        assert.ok(await view.fitsViewportWidth(), 'the page scrolls sideways');
        assert.equal(await view.alert.count(), 0, 'no error message is shown');
        await view.screenshot(path.join(SCREENSHOTS, `drift-${project.name}.png`));

        // A stricter share threshold goes to the worker with the next comparison.
        assert.equal(await view.staleNotice.count(), 0);
        await view.shareThreshold.fill('0.9');
        await view.staleNotice.waitFor();
        await view.compareButton.click();
        await view.verdict.filter({ hasText: 'No dataset drift' }).waitFor({ timeout: 30_000 });
        assert.equal(await view.staleNotice.count(), 0);
        const [stricterHeadline, stricterDetail] = await view.verdictLines();
        assert.match(stricterHeadline, /No dataset drift/);
        assert.equal(stricterDetail, '3 of 4 tested columns drifted (75.0%), below the threshold of 90.0%.');

        const { name, json } = await view.downloadJson();
        assert.equal(name, 'reference.drift.json');
        assert.equal(json.dataset_drift, false);
        assert.equal(json.options.drift_share_threshold, 0.9);
        assert.equal(json.options.p_value_threshold, 0.05);
        assert.deepEqual(
          json.columns.map((c) => [c.name, c.drifted]),
          [['score', true], ['stable', false], ['city', true], ['day', true]],
        );
        assert.ok(Math.abs(json.columns[0].statistic - ks) < 1e-12, `exported KS ${json.columns[0].statistic}`);
        assert.equal(json.provenance.parameters.drift.drift_share_threshold, 0.9);
        const [reference, current] = json.provenance.files;
        assert.deepEqual(
          { role: reference.role, name: reference.name, bytes: reference.bytes },
          { role: 'reference', name: 'reference.csv', bytes: files.referenceCsv.length },
        );
        assert.deepEqual(
          { role: current.role, name: current.name, bytes: current.bytes },
          { role: 'current', name: 'current.csv', bytes: files.currentCsv.length },
        );
        assert.equal(reference.sha256, sha256(files.referenceCsv));
        assert.equal(current.sha256, sha256(files.currentCsv));

        // The plain-text summary, in the clipboard.
        await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
        await page.getByRole('button', { name: 'Copy summary' }).click();
        await page.getByRole('status').filter({ hasText: 'Summary copied.' }).waitFor();
        const copied = (await page.evaluate(() => navigator.clipboard.readText())).split('\n');
        assert.equal(copied[0], 'Data drift: reference “reference.csv”, current “current.csv”');
        assert.match(copied[1], /^No dataset drift — 3 of 4 tested columns drifted/);
        assert.ok(copied.some((line) => line.startsWith('- score · float · KS') && line.endsWith('· Drifted')), copied.join('\n'));
        assert.ok(copied.some((line) => line.startsWith('- stable · integer · KS') && line.endsWith('· No drift')), copied.join('\n'));
        assert.ok(copied.includes('Only in the reference file: legacy'), copied.join('\n'));

        const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        const serious = axe.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        assert.deepEqual(serious, []);

        // French: the view's words, and numbers with a decimal comma.
        await view.chooseLanguage('fr');
        await page.getByRole('heading', { level: 1, name: 'Dérive des données' }).waitFor();
        await page.getByRole('heading', { level: 3, name: 'Fichier de référence' }).waitFor();
        await page.getByRole('heading', { level: 3, name: 'Fichier actuel' }).waitFor();
        const verdict = page.getByRole('region', { name: 'Verdict' });
        assert.match(await verdict.innerText(), /Pas de dérive du jeu de données/);
        assert.match(await verdict.innerText(), /75,0\s%/);
        const table = page.getByRole('table', { name: 'Dérive par colonne' });
        const scoreRow = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'score', exact: true }) });
        const statistic = await scoreRow.getByRole('cell').nth(2).innerText();
        assert.match(statistic, /^0,\d{1,4}$/, `French statistic ${statistic}`);
        await page.getByRole('button', { name: 'Afficher les distributions de « city »', exact: true }).click();
        await view.chart('Part de chaque valeur de « city »').waitFor();
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });

    test('missing files, bad thresholds and a binary file are explained', async () => {
      const { context, page, problems } = await openPage(browser, project);
      try {
        const view = new DriftPage(page);
        await view.open(server.url);

        await view.compareButton.click();
        await view.alert.filter({ hasText: 'Choose a reference file and a current file first.' }).waitFor();

        await view.chooseReference('photo.png', binaryFile(), 'image/png');
        await view.chooseCurrent('current.csv', driftFiles().currentCsv);
        assert.equal(await view.alert.count(), 0, 'choosing the files clears the message');

        await view.pThreshold.fill('2');
        assert.equal(await view.pThreshold.getAttribute('aria-invalid'), 'true');
        await page.getByText('Enter a number greater than 0 and at most 1.').waitFor();
        await view.compareButton.click();
        await view.alert.filter({ hasText: 'Correct the thresholds first.' }).waitFor();
        await view.pThreshold.fill('0.01');
        assert.equal(await view.pThreshold.getAttribute('aria-invalid'), null);

        await view.compareButton.click();
        const alert = view.alert.filter({ hasText: 'photo.png' });
        await alert.waitFor({ timeout: 30_000 });
        assert.match(await alert.innerText(), /The file “photo\.png” does not look like a CSV file/);
        assert.equal(await view.alert.count(), 1, 'one message at a time');
        assert.equal(await view.verdict.count(), 0, 'no result');
        await view.screenshot(path.join(SCREENSHOTS, `drift-error-${project.name}.png`));
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });
  });
}
