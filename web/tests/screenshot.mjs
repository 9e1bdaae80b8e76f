// Takes the README's pictures of the built app, at the sizes the layout is made for:
//   docs/screenshot.png            1366×768, a story paused on a beat (two leaders at once)
//   docs/screenshot-election.png   1366×768, free play mid-election after the leader was killed
//   docs/screenshot-projector.png  1920×1080 in projector mode, the end of Figure 7's repair
//   web/tests/out/phone.png        390×844, a node tapped on a phone
// Run `node web/tests/screenshot.mjs` after `trunk build --release`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch, open } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const docs = (name) => path.join(root, 'docs', name);
fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
fs.mkdirSync(path.join(root, 'web/tests/out'), { recursive: true });

const { server, url } = await serve();
const browser = await launch();
try {
  // A story on one laptop screen, paused on its "Two leaders" beat.
  const story = await open(browser.context, url, 'paused=1#scenario=stale-leader');
  await story.page.setViewportSize({ width: 1366, height: 768 });
  const twoLeaders = await story.page.$$eval('[data-testid="timeline-beat"]', (els) => Number(els[2].dataset.at));
  await story.page.goto(`${url}/?paused=1#scenario=stale-leader&t=${twoLeaders}`);
  await story.page.waitForSelector('[data-testid="narration"][data-beat="3"]');
  await story.page.screenshot({ path: docs('screenshot.png') });

  // Free play: the leader killed, paused while the others elect a new one.
  const { page } = await open(browser.context, url, 'seed=2024&speed=7');
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.waitForSelector('[data-testid="status"][data-leader]:not([data-leader=""])', { timeout: 30000 });
  await page.waitForTimeout(2500); // a few entries in the logs
  await page.click('[data-testid="kill-leader"]');
  await page.selectOption('[data-testid="speed"]', '4'); // 1/10×: an election lasts a moment
  await page.waitForFunction(
    () => document.querySelector('[data-testid="cluster"] [data-role="candidate"]'),
    null, { polling: 'raf', timeout: 60000 },
  );
  await page.click('[data-testid="play"]');
  await page.screenshot({ path: docs('screenshot-election.png') });

  // The wall of a lecture hall: Figure 7 repaired, in large type.
  const wall = await open(browser.context, url, 'projector=1&paused=1#scenario=figure-7&t=1500000');
  await wall.page.setViewportSize({ width: 1920, height: 1080 });
  await wall.page.waitForSelector('[data-testid="narration"]');
  await wall.page.screenshot({ path: docs('screenshot-projector.png') });

  // A phone: a tap on a node shows its inspector right under the drawing.
  const phone = await open(browser.context, url, 'seed=2024&speed=7');
  await phone.page.setViewportSize({ width: 390, height: 844 });
  await phone.page.waitForTimeout(1500);
  await phone.page.click('[data-testid="cluster"] [data-node-id="3"]');
  await phone.page.waitForTimeout(600);
  await phone.page.screenshot({ path: path.join(root, 'web/tests/out/phone.png') });
} finally {
  await browser.close();
  server.close();
}
