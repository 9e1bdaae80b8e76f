// Membership changes (§6) in the browser: a server added from the toolbar joins the ring as a
// learner and becomes a voter, with configuration entries in the logs that commit; the leader
// removed from its inspector steps down and the others elect a new one; a refused change says
// why; and both stories play to their end, beat by beat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertHealthy, useApp } from './harness.mjs';

const app = useApp();

const attr = (page, sel, name) => page.getAttribute(sel, name);
const node = (id) => `[data-testid="cluster"] [data-node-id="${id}"]`;
const leaderOf = (page) => attr(page, '[data-testid="status"]', 'data-leader');
/// The configuration entries in node `id`'s detailed log: [index, committed].
const configRows = (page, id) => page.$$eval(`[data-testid="log-${id}"] tr[data-config="true"]`,
  (rs) => rs.map((r) => [Number(r.dataset.index), r.dataset.committed === 'true']));

/// A run three seconds in, paused, with a leader that has committed an entry of its term.
async function settled() {
  const p = await app.open('seed=1&speed=1&paused=1#t=3000000');
  await p.page.waitForSelector('[data-testid="status"][data-leader]:not([data-leader=""])');
  return p;
}

test('a server added from the toolbar joins the ring as a learner, then votes; its configuration entries commit', async () => {
  const p = await settled();
  const { page } = p;
  assert.equal(await page.locator('[data-testid="cluster"] [data-node-id]').count(), 5);
  const leader = await leaderOf(page);
  await page.click('[data-testid="add-server"]');

  // At once, paused: node 6 is on the ring, a learner, and the leader's log holds the entry
  // that added it, not committed yet.
  await page.waitForSelector(`${node(6)}[data-member="learner"]`);
  assert.equal(await page.locator('[data-testid="cluster"] [data-node-id]').count(), 6);
  assert.match(await page.textContent(`${node(6)} .node-member`), /learner/i);
  assert.equal(await attr(page, '[data-testid="strip-6"]', 'data-member'), 'learner');
  assert.equal(await attr(page, '[data-testid="log-6"]', 'data-member'), 'learner');
  const added = await configRows(page, leader);
  assert.equal(added.length, 1);
  assert.equal(added[0][1], false, 'the configuration entry is used before it commits');
  assert.match(await page.textContent(`[data-testid="log-${leader}"] tr[data-config="true"] .cmd`), /configuration: voters 1, 2, 3, 4, 5, learner 6/);
  assert.ok(await page.locator(`[data-testid="strip-${leader}"] td[data-config="true"] .cell.config`).count() >= 1, 'a config cell in the strip');
  assert.match(await page.textContent('[data-testid="feed"]'), /you ask the leader to add node 6/);

  // Played on: node 6 catches up and is promoted, and both entries commit.
  await page.click('[data-testid="play"]');
  await page.waitForSelector(`${node(6)}[data-member="voter"]`, { timeout: 30000 });
  await page.waitForFunction((l) => {
    const rows = [...document.querySelectorAll(`[data-testid="log-${l}"] tr[data-config="true"]`)];
    return rows.length >= 2 && rows.every((r) => r.dataset.committed === 'true');
  }, leader, { timeout: 30000 });
  assert.equal(await page.locator(`${node(6)} .node-member`).count(), 0, 'a voter carries no mark');
  assert.match(await page.textContent(`[data-testid="log-${leader}"]`), /configuration: voters 1, 2, 3, 4, 5, 6/);
  await page.click('[data-testid="play"]');

  // Back before the add: five nodes again, and nothing breaks.
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="cluster"] [data-node-id]').length === 5);
  assert.equal(await page.locator('[data-testid="log-6"]').count(), 0);
  await page.keyboard.press('End');
  await page.waitForSelector(`${node(6)}[data-member="voter"]`);
  await assertHealthy(p);
});

test('the leader removed from its inspector steps down, and the others elect a new leader', async () => {
  const p = await settled();
  const { page } = p;
  const old = await leaderOf(page);
  await page.click(node(old));
  await page.click('[data-testid="node-remove"]');
  // It leads on with a configuration without itself (§6).
  await page.waitForSelector(`${node(old)}[data-member="outside"][data-role="leader"]`);

  // One change at a time: a second one, asked now, is refused, and the page says why.
  await page.click('[data-testid="add-server"]');
  await page.waitForSelector('[data-testid="notice"]');
  assert.match(await page.textContent('[data-testid="notice"]'), /Cannot add node 6: the last change is not committed yet/);
  assert.equal(await page.locator(node(6)).count(), 0, 'a refused add starts no server');

  await page.click('[data-testid="play"]');
  await page.waitForFunction((o) => {
    const l = document.querySelector('[data-testid="status"]').dataset.leader;
    return l && l !== o;
  }, old, { timeout: 30000 });
  assert.equal(await attr(page, node(old), 'data-role'), 'follower');
  assert.equal(await attr(page, node(old), 'data-member'), 'outside');
  assert.match(await page.textContent('[data-testid="feed"]'), new RegExp(`leader ${old} steps down`));
  // Its inspector now offers to add it back.
  await page.click(node(old));
  await page.waitForSelector('[data-testid="node-add"]');
  await assertHealthy(p);
});

test('the membership stories play to their end and show each beat', async () => {
  const checks = {
    'adding-a-server': async (page, beat) => {
      if (beat === 1) assert.equal(await page.locator('[data-testid="cluster"] [data-node-id]').count(), 3);
      if (beat === 2) assert.equal(await attr(page, node(4), 'data-member'), 'learner');
      if (beat === 3) assert.equal(await attr(page, node(4), 'data-member'), 'learner');
      if (beat === 5) assert.equal(await attr(page, node(4), 'data-member'), 'voter');
    },
    'removing-the-leader': async (page, beat, first) => {
      if (beat === 2) assert.equal(await attr(page, node(first), 'data-member'), 'outside');
      if (beat === 3) assert.equal(await attr(page, node(first), 'data-role'), 'follower');
      if (beat === 5) {
        const leader = await leaderOf(page);
        assert.ok(leader && leader !== first, `a new leader (${leader}), not node ${first}`);
      }
    },
  };
  for (const [id, check] of Object.entries(checks)) {
    const p = await app.open(`speed=1&paused=1#scenario=${id}`);
    const { page } = p;
    await page.waitForSelector(`[data-testid="narration"][data-scenario="${id}"][data-beat="1"]`);
    const times = await page.$$eval('[data-testid="timeline-beat"]', (els) => els.map((e) => Number(e.dataset.at)));
    assert.equal(times.length, 5, id);
    const first = await leaderOf(page);
    const titles = [];
    for (let beat = 1; beat <= 5; beat++) {
      await page.waitForSelector(`[data-testid="narration"][data-beat="${beat}"]`, { timeout: 30000 });
      await page.waitForSelector('[data-testid="status"][data-playing="false"]');
      assert.equal(Number(await attr(page, '[data-testid="timeline"]', 'data-now')), times[beat - 1], `${id}: beat ${beat}`);
      titles.push(await page.textContent('[data-testid="beat-title"]'));
      await check(page, beat, first);
      await page.click('[data-testid="story-continue"]');
    }
    assert.equal(new Set(titles).size, 5, `${id}: ${titles.join(' | ')}`);
    // Played to the end: the story stops there, with nothing more to continue.
    await page.waitForFunction(() => !document.querySelector('[data-testid="story-continue"]'), null, { timeout: 30000 });
    await page.waitForSelector('[data-testid="status"][data-playing="false"]');
    assert.match(await page.textContent('[data-testid="narration"]'), /§6/);
    await assertHealthy(p);
  }
});
