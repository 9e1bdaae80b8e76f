// A guided scenario told in beats: the narration changes at each beat, the timeline marks the
// beats ahead, and playing pauses on each beat until the student continues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertHealthy, useApp } from './harness.mjs';

const app = useApp();

const attr = (page, sel, name) => page.getAttribute(sel, name);
const beatTimes = (page) => page.$$eval('[data-testid="timeline-beat"]', (els) => els.map((e) => Number(e.dataset.at)));
const ahead = (page) => page.locator('[data-testid="timeline-beat"].ahead').count();

test('the leader-crash story pauses on each beat and tells what happened there', async () => {
  // Opened paused on the first beat; played at 1×, a beat comes every second or two.
  const p = await app.open('speed=7&paused=1#scenario=leader-crash');
  const { page } = p;
  await page.waitForSelector('[data-testid="narration"][data-beat="1"]');
  await page.waitForSelector('[data-testid="story-continue"]');
  const times = await beatTimes(page);
  assert.equal(times.length, 5);
  assert.equal(await ahead(page), 4, 'every beat after the first is marked ahead');
  const crashed = await page.$eval('[data-testid="cluster"] [data-role="leader"]', (n) => n.dataset.nodeId);
  await page.click('[data-testid="story-continue"]');

  const titles = [];
  for (let beat = 2; beat <= 5; beat++) {
    await page.waitForSelector(`[data-testid="narration"][data-beat="${beat}"]`, { timeout: 30000 });
    await page.waitForSelector('[data-testid="status"][data-playing="false"]');
    // Paused exactly on the beat, and the timeline no longer marks it ahead.
    assert.equal(Number(await attr(page, '[data-testid="timeline"]', 'data-now')), times[beat - 1]);
    assert.equal(await ahead(page), 5 - beat);
    titles.push(await page.textContent('[data-testid="beat-title"]'));
    if (beat === 2) {
      assert.equal(await attr(page, `[data-testid="cluster"] [data-node-id="${crashed}"]`, 'data-role'), 'crashed');
    }
    if (beat === 4) {
      const leader = await attr(page, '[data-testid="status"]', 'data-leader');
      assert.ok(leader && leader !== crashed, `a new leader (${leader}), not node ${crashed}`);
    }
    // Paused until the student continues.
    await page.waitForTimeout(400);
    assert.equal(Number(await attr(page, '[data-testid="timeline"]', 'data-now')), times[beat - 1]);
    await page.click('[data-testid="story-continue"]');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset?.testid), 'story-continue', 'focus stays on the button');
  }
  assert.equal(new Set(titles).size, 4, `a new text at every beat: ${titles.join(' | ')}`);
  await assertHealthy(p);
});

test('a changed run no longer claims the story\'s beats', async () => {
  const p = await app.open('paused=1#scenario=leader-crash');
  await p.page.waitForSelector('[data-testid="narration"][data-beat="1"]');
  const other = await p.page.$eval('[data-testid="cluster"] [data-role="follower"]', (n) => n.dataset.nodeId);
  await p.page.click(`[data-testid="cluster"] [data-node-id="${other}"]`);
  await p.page.click('[data-testid="inspector"] button:has-text("Crash")');
  await p.page.waitForSelector('[data-testid="narration"][data-beat=""]');
  assert.equal(await p.page.locator('[data-testid="timeline-beat"]').count(), 0);
  assert.match(await p.page.textContent('[data-testid="narration"]'), /You changed this run/);
  await assertHealthy(p);
});
