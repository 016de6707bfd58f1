// Page object of the "Publish summary to the server" control (app/src/components/publish.rs)
// under a quality or drift result. Found by role and label only (English names).

export class PublishPanel {
  /** @param {import('playwright-core').Page} page */
  constructor(page) {
    this.page = page;
    this.region = page.getByRole('region', { name: 'Publish summary to the server', exact: true });
    this.preview = this.region.getByRole('list', { name: 'What will be sent', exact: true });
    this.publishButton = this.region.getByRole('button', { name: 'Publish', exact: true });
    this.status = this.region.getByRole('status');
    this.alert = this.region.getByRole('alert');
  }

  /** Opens the disclosure (the region's <summary>). */
  async open() {
    await this.region.waitFor();
    await this.region.locator('summary').click();
    await this.publishButton.waitFor();
  }

  /** The name field: "Model name" (quality) or "Dataset name" (drift). */
  nameField(label = 'Model name') {
    return this.region.getByLabel(label, { exact: true });
  }

  /** The previewed fields, as `{key: text}`. */
  async previewed() {
    const items = await this.preview.getByRole('listitem').allInnerTexts();
    return Object.fromEntries(
      items.map((item) => {
        const at = item.indexOf(': ');
        return [item.slice(0, at), item.slice(at + 2)];
      }),
    );
  }

  /** Clicks Publish and waits for the outcome (the success status or an alert). */
  async publish(timeout = 15_000) {
    await this.publishButton.click();
    await this.region
      .getByRole('status')
      .filter({ hasText: /^Published/ })
      .or(this.alert)
      .first()
      .waitFor({ timeout });
  }
}
