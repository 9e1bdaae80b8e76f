// The first-visit tour: shown on a plain first visit, walked through to the end by killing the
// leader, remembered, and reachable again from its button.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertHealthy, useApp } from './harness.mjs';

const app = useApp();

const step = (page) => page.getAttribute('[data-testid="tour"]', 'data-step');
const highlighted = (page, target) => page.evaluate((t) => document.querySelector('.app').classList.contains(`tour-${t}`), target);

test('a first visit takes the tour to a new leader, and the browser remembers it', async () => {
  const p = await app.open('');
  await p.page.waitForSelector('[data-testid="tour"]');
  // It points at a leader that is there.
  assert.equal(await step(p.page), '1');
  const leader = await p.page.getAttribute('[data-testid="status"]', 'data-leader');
  assert.match(leader, /^\d$/);
  assert.match(await p.page.textContent('[data-testid="tour"]'), new RegExp(`node ${leader}`));
  assert.ok(await highlighted(p.page, 'leader'));
  const glow = await p.page.evaluate(() => getComputedStyle(document.querySelector('[data-role="leader"] .shape')).filter);
  assert.match(glow, /drop-shadow/);
  // What glows at each step: the leader, then its heartbeats, then the followers' timers.
  const glows = (sel) => p.page.evaluate((s) => [...document.querySelectorAll(s)].some((e) => /drop-shadow/.test(getComputedStyle(e).filter)), sel);
  for (const [n, target, glowing] of [['2', 'heartbeats', '.msg.append .glyph'], ['3', 'timers', '.node .timer'], ['4', 'kill', null]]) {
    await p.page.click('[data-testid="tour-next"]');
    assert.equal(await step(p.page), n);
    assert.ok(await highlighted(p.page, target), `step ${n} highlights ${target}`);
    if (glowing) await p.page.waitForFunction((s) => [...document.querySelectorAll(s)].some((e) => /drop-shadow/.test(getComputedStyle(e).filter)), glowing);
  }
  assert.ok(!(await glows('.node .timer')), 'the timers stop glowing after their step');
  const ring = await p.page.evaluate(() => getComputedStyle(document.querySelector('[data-testid="kill-leader"]')).boxShadow);
  assert.notEqual(ring, 'none', 'step 4 rings the kill button');
  // The Next button went with step 3: focus moved to the step's heading, not to the page.
  assert.equal(await p.page.evaluate(() => document.activeElement?.id), 'tour-h');
  // Step 4 waits for the student: no Next, and it stays until the leader is killed.
  assert.equal(await p.page.locator('[data-testid="tour-next"]').count(), 0);
  await p.page.click('[data-testid="kill-leader"]');
  await p.page.waitForSelector('[data-testid="tour"][data-step="5"]');
  await p.page.selectOption('[data-testid="speed"]', '7');
  await p.page.waitForSelector('[data-testid="tour"][data-step="6"]', { timeout: 30000 });
  const now = await p.page.getAttribute('[data-testid="status"]', 'data-leader');
  assert.notEqual(now, leader);
  assert.match(await p.page.textContent('[data-testid="tour"]'), new RegExp(`Node ${now} took over`));
  await p.page.click('[data-testid="tour-end"]');
  assert.equal(await p.page.locator('[data-testid="tour"]').count(), 0);
  assert.equal(await p.page.evaluate(() => document.activeElement?.dataset?.testid), 'tour-start');
  await assertHealthy(p);

  // Remembered: the next plain visit has no tour; the button brings it back.
  const again = await app.open('');
  await again.page.waitForTimeout(300);
  assert.equal(await again.page.locator('[data-testid="tour"]').count(), 0);
  await again.page.click('[data-testid="tour-start"]');
  await again.page.waitForSelector('[data-testid="tour"][data-step="1"]');
  await again.page.click('[data-testid="tour-skip"]');
  assert.equal(await again.page.locator('[data-testid="tour"]').count(), 0);
  await assertHealthy(again);
});

test('a shared link opens without the tour', async () => {
  const p = await app.open('seed=42');
  // Nothing remembered, as on a first visit: the link alone keeps the tour away.
  await p.page.evaluate(() => localStorage.removeItem('raft-web/tour'));
  await p.page.reload();
  await p.page.waitForSelector('[data-testid="cluster"] [data-node-id]');
  await p.page.waitForTimeout(300);
  assert.equal(await p.page.locator('[data-testid="tour"]').count(), 0);
  await assertHealthy(p);
});

test('a first visit that asks for less motion waits for the Tour button', async () => {
  const page = await app.context.newPage();
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(`${app.base}/`);
  await page.evaluate(() => localStorage.removeItem('raft-web/tour'));
  await page.goto(`${app.base}/`);
  await page.waitForSelector('[data-testid="cluster"] [data-node-id]');
  await page.waitForTimeout(300);
  assert.equal(await page.locator('[data-testid="tour"]').count(), 0, 'no tour starts by itself');
  assert.equal(await page.getAttribute('[data-testid="status"]', 'data-playing'), 'false');
  await page.click('[data-testid="tour-start"]');
  await page.waitForSelector('[data-testid="tour"][data-step="1"]');
  await page.close();
});
