// The view a link that cannot be opened shows.
import { AppPage } from './app.mjs';

export class ErrorPage extends AppPage {
  constructor(page, baseUrl) {
    super(page, baseUrl);
    this.root = page.getByTestId('error-view');
    this.message = page.getByTestId('error-message');
    this.link = page.getByTestId('error-link');
    this.toGallery = page.getByTestId('error-gallery');
  }

  async open(hash) {
    await this.goto(hash);
    await this.root.waitFor();
  }
}
