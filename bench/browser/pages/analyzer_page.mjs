// Page object of CSV Analyzer's profile view as the benchmarks drive it. Every locator and
// every piece of UI text the bench depends on is here, so a UI change is a change to this file
// only. Elements are found by role and label, as in end2end/pages/profile_page.mjs (the status
// line is the one exception, as there: several live regions have role status).
//
// The bench waits on what a user sees (the status line with the row count), never on the
// app's internals, so it works whether the engine runs on the main thread or in a Web Worker.

/** The status line once a file is profiled, e.g.
 *  "1,000,000 rows and 12 columns in reference.csv (read in 3.21 s)." */
const RESULT = /(\d[\d,\u202f\u00a0 ]*) rows and (\d[\d,\u202f\u00a0 ]*) columns/;
/** The time the app reports itself ("… (read in 3.21 s)"). */
const REPORTED_SECONDS = /\bin (\d+(?:\.\d+)?) s\b/;
/** The notice shown when some columns went past the exact limit and are sketched. */
const SKETCH_NOTICE = /went past .* values/;

const number = (text) => Number(text.replace(/[^\d]/g, ''));

export class AnalyzerPage {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page;
    // The heading is also in index.html's static shell, painted before the wasm runs.
    this.heading = page.getByRole('heading', { name: 'Profile a file' });
    // The file input only exists once the app has mounted.
    this.fileInput = page.getByLabel('Choose a CSV file');
    this.dropZone = page.getByRole('region', { name: /drop zone/ });
    this.status = page.locator('.view > p.status');
    this.result = this.status.filter({ hasText: RESULT });
    this.alert = page.getByRole('alert');
    this.sketchNotice = page.locator('.notice').filter({ hasText: SKETCH_NOTICE });
  }

  /** Opens the app and waits until the view is usable (the app, not the static shell). */
  async open(baseUrl) {
    await this.page.goto(`${baseUrl}/`);
    await this.fileInput.waitFor({ state: 'attached' });
  }

  /** What the largest paint of a cold load should be waited for: the view is on screen. */
  async waitUntilShown(timeout = 30_000) {
    await this.heading.waitFor({ timeout });
  }

  /**
   * Drops `file` (a JSHandle of a File already in the page) on the drop zone, as a drag from
   * the desktop would: a DataTransfer built in the page, so no bytes cross the protocol.
   */
  async dropFile(fileHandle) {
    const dataTransfer = await fileHandle.evaluateHandle((file) => {
      const transfer = new DataTransfer();
      transfer.items.add(file);
      return transfer;
    });
    await this.dropZone.dispatchEvent('dragover', { dataTransfer });
    await this.dropZone.dispatchEvent('drop', { dataTransfer });
    await dataTransfer.dispose();
  }

  /**
   * Starts a stopwatch in the page's own clock, as the other tools are timed: it starts at the
   * `drop` event and stops when the status line first states the row count. `readStopwatch`
   * returns the seconds in between (null until both happened).
   */
  async armStopwatch() {
    await this.page.evaluate((source) => {
      const result = new RegExp(source);
      const watch = { dropped: null, shown: null };
      window.__benchStopwatch = watch;
      document.addEventListener('drop', () => (watch.dropped = performance.now()), { capture: true, once: true });
      const observer = new MutationObserver(() => {
        const status = document.querySelector('.view > p.status');
        if (watch.dropped !== null && status && result.test(status.textContent)) {
          watch.shown = performance.now();
          observer.disconnect();
        }
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    }, RESULT.source);
  }

  async readStopwatch() {
    return this.page.evaluate(() => {
      const { dropped, shown } = window.__benchStopwatch;
      return dropped === null || shown === null ? null : (shown - dropped) / 1000;
    });
  }

  /** Chooses a small file given as bytes (Playwright's own setInputFiles). */
  async chooseSmallFile(name, buffer) {
    await this.fileInput.setInputFiles({ name, mimeType: 'text/csv', buffer });
  }

  /**
   * Waits until the result is shown (or an error message). Returns the status text, the row
   * and column counts it states, the seconds the app reports, and whether it sketched.
   */
  async waitForResult(timeout = 600_000) {
    await this.result.or(this.alert).first().waitFor({ timeout });
    if ((await this.result.count()) === 0) {
      throw new Error(`the app shows an error: ${await this.alert.first().innerText()}`);
    }
    const text = await this.result.innerText();
    const [, rows, columns] = RESULT.exec(text);
    const reported = REPORTED_SECONDS.exec(text);
    return {
      text,
      rows: number(rows),
      columns: number(columns),
      reportedSeconds: reported ? Number(reported[1]) : null,
      sketched: (await this.sketchNotice.count()) > 0,
    };
  }
}
