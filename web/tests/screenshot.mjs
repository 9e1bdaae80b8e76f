// Takes the README's screenshots (docs/screenshot.png, a guided scenario; docs/screenshot-election.png,
// mid-election) and a phone-width one
// (web/tests/out/phone.png) of the built app: `node web/tests/screenshot.mjs` after a build.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch, open } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { server, url } = await serve();
const browser = await launch();
try {
  const { page } = await open(browser.context, url, 'seed=2024&speed=1');
  await page.waitForSelector('[data-testid="status"][data-leader]:not([data-leader=""])', { timeout: 30000 });
  // A put through a follower, so that the client panel shows a redirect.
  const leader = await page.getAttribute('[data-testid="status"]', 'data-leader');
  const follower = ['1', '2', '3', '4', '5'].find((n) => n !== leader);
  await page.selectOption('[data-testid="client-node"]', follower);
  await page.fill('[data-testid="client-key"]', 'planet');
  await page.fill('[data-testid="client-value"]', 'mars');
  await page.click('[data-testid="client-send"]');
  // Let the workload fill the logs, then kill the leader and pause mid-election.
  await page.waitForTimeout(3000);
  await page.click('[data-testid="kill-leader"]');
  await page.selectOption('[data-testid="speed"]', '4'); // 1/10×: an election lasts a moment
  await page.waitForFunction(
    () => document.querySelector('[data-testid="cluster"] [data-role="candidate"], [data-testid="cluster"] [data-role="pre-candidate"]'),
    null, { polling: 'raf', timeout: 60000 },
  );
    await page.click('[data-testid="play"]');
  const glyph = page.locator('g.msg.vote').first();
  if (await glyph.count()) await glyph.click({ force: true });
  fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
  await page.screenshot({ path: path.join(root, 'docs/screenshot-election.png'), fullPage: true });
  // The README's picture: a guided scenario, opened by its link at the moment two leaders
  // coexist in different terms.
  const guided = await open(browser.context, url, 'paused=1#scenario=stale-leader&t=3400000');
  await guided.page.setViewportSize({ width: 1280, height: 1480 });
  await guided.page.keyboard.press('2');
  await guided.page.screenshot({ path: path.join(root, 'docs/screenshot.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  fs.mkdirSync(path.join(root, 'web/tests/out'), { recursive: true });
  await page.screenshot({ path: path.join(root, 'web/tests/out/phone.png'), fullPage: true });
} finally {
  await browser.close();
  server.close();
}
