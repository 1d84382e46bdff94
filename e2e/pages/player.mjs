// The player for one race scenario (route "#/race/<id>").
import { AppPage } from './app.mjs';

export class PlayerPage extends AppPage {
  constructor(page, baseUrl) {
    super(page, baseUrl);
    this.root = page.locator('#player');
    this.heading = page.locator('#player-heading');
    this.raceId = this.root.locator('.race-id');
    this.backToGallery = this.root.locator('.crumbs a');
  }

  async open(id) {
    await this.goto(`#/race/${encodeURIComponent(id)}`);
    await this.root.waitFor();
  }
}
