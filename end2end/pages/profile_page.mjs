// Page object of the profile view. Elements are found by role and label only.

export class ProfilePage {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page;
    this.fileInput = page.getByLabel(/^(Choose a CSV file|Choisir un fichier CSV)$/);
    this.dropZone = page.getByRole('region', { name: /drop zone|zone de dépôt/ });
    // The view's status line (other live regions exist: export messages, column counts).
    this.status = page.locator('.view > p.status');
    this.alert = page.getByRole('alert');
    this.progress = page.getByRole('progressbar');
    this.cancelButton = page.getByRole('button', { name: 'Cancel' });
    this.columnsTable = page.getByRole('table', { name: /^(Columns|Colonnes)$/ });
    this.language = page.getByRole('combobox', { name: /^(Language|Langue)$/ });
  }

  async open(baseUrl) {
    await this.page.goto(`${baseUrl}/`);
    await this.page.getByRole('heading', { name: 'Profile a file' }).waitFor();
  }

  /** Chooses a file through the labelled input. */
  async chooseFile(name, buffer, mimeType = 'text/csv') {
    await this.fileInput.setInputFiles({ name, mimeType, buffer });
  }

  /** Drops a file on the drop zone, as a drag from the desktop would. */
  async dropFile(name, buffer, mimeType = 'application/octet-stream') {
    const dataTransfer = await this.page.evaluateHandle(
      ({ name, bytes, mimeType }) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], name, { type: mimeType }));
        return transfer;
      },
      { name, bytes: [...buffer], mimeType },
    );
    await this.dropZone.dispatchEvent('dragover', { dataTransfer });
    await this.dropZone.dispatchEvent('drop', { dataTransfer });
    await dataTransfer.dispose();
  }

  /** Drops a large CSV built inside the page (header, then `body` repeated `times`), so no
   *  megabytes cross the DevTools protocol. */
  async dropLargeCsv(name, header, body, times) {
    const dataTransfer = await this.page.evaluateHandle(
      ({ name, header, body, times }) => {
        const chunk = new Blob([body]);
        const transfer = new DataTransfer();
        transfer.items.add(new File([header, ...Array(times).fill(chunk)], name, { type: 'text/csv' }));
        return transfer;
      },
      { name, header, body, times },
    );
    await this.dropZone.dispatchEvent('drop', { dataTransfer });
    await dataTransfer.dispose();
  }

  /** Bytes read so far and in all, from the progress bar. */
  async progressValues() {
    const [value, max] = await Promise.all([
      this.progress.getAttribute('value'),
      this.progress.getAttribute('max'),
    ]);
    return { value: Number(value), max: Number(max) };
  }

  /** Waits until the progress bar shows some bytes read; returns the progress values. */
  async waitForBytesRead(timeout = 10_000) {
    await this.progress.waitFor({ timeout });
    const deadline = Date.now() + timeout;
    for (;;) {
      const values = await this.progressValues();
      if (values.value > 0) {
        return values;
      }
      if (Date.now() > deadline) {
        throw new Error(`the progress bar stayed at ${values.value} of ${values.max}`);
      }
      await this.page.waitForTimeout(20);
    }
  }

  /** Waits until the status line contains `text` (a string or a RegExp). */
  async waitForStatus(text, timeout = 30_000) {
    await this.status.filter({ hasText: text }).waitFor({ timeout });
    return this.status.innerText();
  }

  /** Waits for a live message (role status) containing `text`: e.g. "cancelled". */
  async waitForMessage(text, timeout = 30_000) {
    await this.page.getByRole('status').filter({ hasText: text }).first().waitFor({ timeout });
  }

  /** Pastes `csv` into the "paste CSV text" box and analyses it. */
  async pasteCsv(csv) {
    await this.page.locator('summary').filter({ hasText: /paste CSV text|coller du texte CSV/ }).click();
    await this.page.getByLabel(/^(CSV text|Texte CSV)$/).fill(csv);
    await this.page.getByRole('button', { name: /Analyse the pasted text|Analyser le texte collé/ }).click();
  }

  /** Filters the column table and cards by name. */
  async filterColumns(text) {
    await this.page.getByRole('searchbox', { name: /Filter columns|Filtrer les colonnes/ }).fill(text);
  }

  /** The column cards' names, in order. */
  cardNames() {
    return this.page.locator('article.column-card h3').allInnerTexts();
  }

  /** The card of column `name`. */
  card(name) {
    return this.page.getByRole('article', { name, exact: true });
  }

  /** Clicks `button` and returns the download's file name and text. */
  async download(button) {
    const [download] = await Promise.all([this.page.waitForEvent('download'), button.click()]);
    const stream = await download.createReadStream();
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
    }
    return { name: download.suggestedFilename(), text: Buffer.concat(chunks).toString('utf8') };
  }

  async chooseLanguage(code) {
    await this.language.selectOption(code);
  }

  /** The value shown for `label` in the overview (Rows, Columns, Delimiter, ...). */
  async overviewValue(label) {
    const overview = this.page.getByRole('region', { name: /^(Overview|Vue d'ensemble)$/ });
    const terms = await overview.getByRole('term').allInnerTexts();
    const values = await overview.getByRole('definition').allInnerTexts();
    const index = terms.indexOf(label);
    if (index < 0) {
      throw new Error(`no "${label}" in the overview (terms: ${terms.join(', ')})`);
    }
    return values[index];
  }

  /** Names of the profiled columns, one per table row. */
  async columnNames() {
    return this.columnsTable.getByRole('rowheader').allInnerTexts();
  }

  /** The cells of a column's row, keyed by the table's column headers. */
  async columnStats(name) {
    const headers = await this.columnsTable.getByRole('columnheader').allInnerTexts();
    const row = this.columnsTable.getByRole('row').filter({
      has: this.page.getByRole('rowheader', { name, exact: true }),
    });
    const cells = [name, ...(await row.getByRole('cell').allInnerTexts())];
    return Object.fromEntries(headers.map((header, i) => [header, cells[i]]));
  }

  /** True when nothing sticks out sideways (the table scrolls inside its own box). */
  fitsViewportWidth() {
    return this.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  }

  screenshot(path) {
    return this.page.screenshot({ path, fullPage: true });
  }
}
