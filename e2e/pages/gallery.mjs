// The gallery of race scenarios (route "#/").
import { AppPage } from './app.mjs';

export class GalleryPage extends AppPage {
  constructor(page, baseUrl) {
    super(page, baseUrl);
    this.root = page.locator('#gallery');
    this.heading = page.locator('#gallery-heading');
    this.cards = this.root.locator('.gallery-list > li');
    this.empty = this.root.locator('.empty');
  }

  async open() {
    await this.goto('#/');
    await this.root.waitFor();
  }
}
