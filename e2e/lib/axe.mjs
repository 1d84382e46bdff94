// axe-core, run inside the page: the accessibility rules of WCAG 2.x A and AA (colour
// contrast, names, roles, keyboard reach of scrollable regions, …).
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';

const require = createRequire(import.meta.url);
let source;

/**
 * Runs axe on the page as it is now; returns the violations of impact "serious" or
 * "critical", each as `rule: N nodes (first target)` strings, so a failing assertion says
 * what and where.
 */
export async function seriousViolations(page) {
  source ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    // Evaluated through the debugging protocol, not as an inline <script>: the page's
    // Content-Security-Policy rightly refuses inline scripts.
    await page.evaluate(source);
  }
  // A changed value flashes; check the colours it settles to.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return result
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.length} nodes (${v.nodes.slice(0, 3).join(', ')})`);
}
