// Page object of the model-quality view. Elements are found by role and label only (English
// names; a test that switches to French looks its French names up itself).

export class QualityPage {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page;
    this.heading = page.getByRole('heading', { level: 1 });
    this.inputZone = page.getByRole('region', { name: 'Predictions (CSV) — drop zone', exact: true });
    this.baselineZone = page.getByRole('region', { name: 'Baseline (optional) — drop zone', exact: true });
    this.labelSelect = page.getByLabel('Label column (true values)', { exact: true });
    this.predictionSelect = page.getByLabel('Prediction column', { exact: true });
    this.evaluateButton = page.getByRole('button', { name: 'Evaluate', exact: true });
    this.removeBaselineButton = page.getByRole('button', { name: 'Remove the baseline' });
    this.columnsSection = page.getByRole('region', { name: 'Columns', exact: true });
    this.alert = page.getByRole('alert');
    this.results = page.getByRole('region', { name: /^Results for / });
    this.summary = page.getByRole('region', { name: 'Summary', exact: true });
    this.baselineTable = page.getByRole('table', { name: /^Compared with the baseline/ });
    this.classesTable = page.getByRole('table', { name: 'Precision, recall, F1 and support per class', exact: true });
    this.confusionTable = page.getByRole('table', { name: /^Confusion matrix: rows are the true labels/ });
    this.jsonButton = page.getByRole('button', { name: 'Download JSON' });
    this.languageSelect = page.getByRole('combobox', { name: 'Language', exact: true });
  }

  async open(baseUrl) {
    await this.page.goto(`${baseUrl}/quality`);
    await this.page.getByRole('heading', { level: 1, name: 'Model quality' }).waitFor();
  }

  /** Chooses the file to evaluate through its zone's labelled input. */
  async chooseInput(name, buffer, mimeType = 'text/csv') {
    await this.inputZone.getByLabel('Choose a CSV file').setInputFiles({ name, mimeType, buffer });
  }

  async chooseBaseline(name, buffer, mimeType = 'text/csv') {
    await this.baselineZone.getByLabel('Choose a CSV file').setInputFiles({ name, mimeType, buffer });
  }

  /** Waits until the `count` columns of the file `name` are listed in the selects. */
  async waitForColumns(count, name, timeout = 15_000) {
    await this.columnsSection
      .getByRole('status')
      .filter({ hasText: `${count} columns in ${name}.` })
      .waitFor({ timeout });
  }

  async chooseColumns(label, prediction) {
    await this.labelSelect.selectOption(label);
    await this.predictionSelect.selectOption(prediction);
  }

  /** The selected label and prediction columns. */
  async chosenColumns() {
    return { label: await this.labelSelect.inputValue(), prediction: await this.predictionSelect.inputValue() };
  }

  /** Clicks Evaluate and waits for the result. */
  async evaluate(timeout = 30_000) {
    await this.evaluateButton.click();
    await this.results.waitFor({ timeout });
  }

  /** The value shown for `term` (Accuracy, F1 (macro), ...) in a list of terms and values. */
  async termValue(term, within = this.summary) {
    const terms = await within.getByRole('term').allInnerTexts();
    const values = await within.getByRole('definition').allInnerTexts();
    const index = terms.indexOf(term);
    if (index < 0) {
      throw new Error(`no "${term}" (terms: ${terms.join(', ')})`);
    }
    return values[index];
  }

  /** The cells of a table's row, keyed by the table's column headers. */
  async tableRow(table, rowName) {
    const headers = await table.getByRole('columnheader').allInnerTexts();
    const row = table.getByRole('row').filter({
      has: this.page.getByRole('rowheader', { name: rowName, exact: true }),
    });
    const cells = [rowName, ...(await row.getByRole('cell').allInnerTexts())];
    return Object.fromEntries(headers.map((header, i) => [header, cells[i]]));
  }

  /** The count of rows whose true label is `truth` and prediction `predicted`. */
  async confusionCell(truth, predicted) {
    return (await this.tableRow(this.confusionTable, truth))[predicted];
  }

  /** The sentence that says whether quality dropped against the baseline. */
  verdict() {
    return this.results.getByText(/^(Quality dropped\.|No drop of more than|Not compared:)/).first();
  }

  /** Clicks "Download JSON"; resolves to the parsed document and the file's name. */
  async downloadJson() {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.jsonButton.click()]);
    const stream = await download.createReadStream();
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
    }
    return { name: download.suggestedFilename(), json: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  }

  async switchLanguage(code) {
    await this.languageSelect.selectOption(code);
  }

  /** True when nothing sticks out sideways (tables scroll inside their own box). */
  fitsViewportWidth() {
    return this.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  }

  screenshot(path) {
    return this.page.screenshot({ path, fullPage: true });
  }
}
