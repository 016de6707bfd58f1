// Page object of the drift view. Elements are found by role and label only; names default to
// the English interface.

import { readFile } from 'node:fs/promises';

export class DriftPage {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page;
    this.referenceZone = page.getByRole('region', { name: 'Reference file — drop zone' });
    this.currentZone = page.getByRole('region', { name: 'Current file — drop zone' });
    this.compareButton = page.getByRole('button', { name: 'Compare', exact: true });
    this.pThreshold = page.getByLabel('p-value threshold', { exact: true });
    this.shareThreshold = page.getByLabel('Drifted share threshold', { exact: true });
    this.alert = page.getByRole('alert');
    this.verdict = page.getByRole('region', { name: 'Verdict' });
    this.table = page.getByRole('table', { name: 'Drift per column' });
    this.tableScroller = page.getByRole('region', { name: 'Drift per column' });
    this.notTested = page.getByRole('region', { name: 'Columns not tested' });
    this.staleNotice = page.getByRole('status').filter({ hasText: 'have changed since this result' });
    this.downloadJsonButton = page.getByRole('button', { name: 'Download JSON' });
    this.language = page.getByRole('combobox', { name: 'Language' });
  }

  async open(baseUrl) {
    await this.page.goto(`${baseUrl}/drift`);
    await this.page.getByRole('heading', { level: 1, name: 'Data drift' }).waitFor();
  }

  /** Chooses the reference file through its zone's labelled input. */
  async chooseReference(name, buffer, mimeType = 'text/csv') {
    await this.referenceZone.getByLabel('Choose a CSV file').setInputFiles({ name, mimeType, buffer });
  }

  /** Chooses the current file through its zone's labelled input. */
  async chooseCurrent(name, buffer, mimeType = 'text/csv') {
    await this.currentZone.getByLabel('Choose a CSV file').setInputFiles({ name, mimeType, buffer });
  }

  /** Presses Compare and waits for the verdict (or an alert); returns the verdict's text. */
  async compare(timeout = 30_000) {
    await this.compareButton.click();
    await this.verdict.or(this.alert).first().waitFor({ timeout });
    if (await this.alert.count()) {
      throw new Error(`the comparison failed: ${await this.alert.first().innerText()}`);
    }
    return this.verdict.innerText();
  }

  /** The headline and the sentences of the verdict, one per paragraph. */
  async verdictLines() {
    return this.verdict.getByRole('paragraph').allInnerTexts();
  }

  /** The cells of a tested column's row, keyed by the table's column headers. */
  async columnRow(name) {
    const headers = await this.table.getByRole('columnheader').allInnerTexts();
    const row = this.table.getByRole('row').filter({
      has: this.page.getByRole('rowheader', { name, exact: true }),
    });
    const cells = [name, ...(await row.getByRole('cell').allInnerTexts())];
    return Object.fromEntries(headers.map((header, i) => [header, cells[i]]));
  }

  /** Names of the tested columns, in the table's order. */
  async testedColumns() {
    return this.table.getByRole('rowheader').allInnerTexts();
  }

  /** The "Show" button of a column (its accessible name names the column). */
  showButton(column, label = `Show the distributions of “${column}”`) {
    return this.page.getByRole('button', { name: label, exact: true });
  }

  /** The heading above the selected column's charts. */
  distributionsHeading(column, label = `Distributions of “${column}”`) {
    return this.page.getByRole('heading', { level: 3, name: label, exact: true });
  }

  /** A chart (an SVG with role img) whose accessible name starts with `prefix`. */
  chart(prefix) {
    const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return this.page.getByRole('img', { name: new RegExp(`^${escaped}`) });
  }

  /** Clicks "Download JSON"; returns the suggested file name and the parsed document. */
  async downloadJson() {
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      this.downloadJsonButton.click(),
    ]);
    const file = await download.path();
    return { name: download.suggestedFilename(), json: JSON.parse(await readFile(file, 'utf8')) };
  }

  async chooseLanguage(code) {
    await this.language.selectOption(code);
  }

  /** True when nothing sticks out sideways (the table scrolls inside its own box). */
  fitsViewportWidth() {
    return this.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  }

  /** The levels of the page's headings, in document order. */
  headingLevels() {
    return this.page
      .getByRole('main')
      .getByRole('heading')
      .evaluateAll((headings) => headings.map((h) => Number(h.tagName.slice(1))));
  }

  screenshot(path) {
    return this.page.screenshot({ path, fullPage: true });
  }
}
