// Time travel, partitions, scenarios, shareable links and the live safety checks, in a real
// headless Chromium on the release build in dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertHealthy, useApp } from './harness.mjs';

const app = useApp();


/// Everything visible about the cluster: roles, terms, every log and the clock.
async function snapshot(page) {
  return page.evaluate(() => ({
    now: document.querySelector('[data-testid="timeline"]').dataset.now,
    clock: document.querySelector('[data-testid="clock"]').textContent,
    nodes: [...document.querySelectorAll('[data-testid="cluster"] [data-node-id]')]
      .map((n) => `${n.dataset.nodeId}:${n.dataset.role}:${n.dataset.term}`),
    logs: [...document.querySelectorAll('.log-col')].map((c) => c.innerText),
  }));
}

/// The snapshot, once it equals `expected` (a render may land a moment after the input), or
/// the last one seen after two seconds.
async function settledSnapshot(page, expected) {
  let last;
  for (let i = 0; i < 40; i++) {
    last = await snapshot(page);
    if (JSON.stringify(last) === JSON.stringify(expected)) break;
    await page.waitForTimeout(50);
  }
  return last;
}

async function now(page) {
  return Number(await page.getAttribute('[data-testid="timeline"]', 'data-now'));
}

/// Sets the range input (milliseconds) as a user dragging it would.
async function scrubTo(page, ms) {
  await page.evaluate((ms) => {
    const r = document.querySelector('[data-testid="scrubber"]');
    r.value = String(ms);
    r.dispatchEvent(new Event('input', { bubbles: true }));
  }, ms);
}

test('scrubbing back shows exactly the state seen earlier, and the timeline marks the run', async () => {
  const p = await app.open('seed=42&speed=1#t=3000000');
  const early = await snapshot(p.page);
  assert.equal(early.now, '3000000');
  // Go forward: a few events, then whole seconds, then kill the leader.
  for (let i = 0; i < 5; i++) await p.page.keyboard.press('s');
  for (let i = 0; i < 3; i++) await p.page.keyboard.press(']');
  await p.page.click('[data-testid="kill-leader"]');
  for (let i = 0; i < 2; i++) await p.page.keyboard.press(']');
  const later = await snapshot(p.page);
  assert.notDeepEqual(later, early);
  assert.ok(await p.page.locator('.tl-mark.crash').count() >= 1, 'the crash is marked');
  assert.ok(await p.page.locator('.tl-mark.election').count() >= 1, 'the election is marked');
  assert.ok(await p.page.locator('.tl-mark.action').count() >= 1, 'the action is marked');

  await scrubTo(p.page, 3000);
  assert.deepEqual(await settledSnapshot(p.page, early), early);
  assert.ok(await p.page.isVisible('[data-testid="in-past"]'), 'the page says it shows the past');
  const ms = Number(await p.page.getAttribute('[data-testid="replay-ms"]', 'data-ms'));
  assert.ok(ms >= 0 && ms < 1000, `replayed in ${ms} ms`);

  // Step back one event, then forward again: the same state as before.
  await p.page.keyboard.press('s');
  const stepped = await snapshot(p.page);
  await p.page.click('[data-testid="step-back"]');
  assert.ok(await now(p.page) < Number(stepped.now));
  await p.page.keyboard.press('s');
  assert.deepEqual(await settledSnapshot(p.page, stepped), stepped);

  // Back to the present: the kill is still in the future of this branch.
  await p.page.click('[data-testid="jump-end"]');
  assert.deepEqual(await settledSnapshot(p.page, later), later);
  await assertHealthy(p);
});

test('acting in the past branches a new future', async () => {
  const p = await app.open('seed=42&speed=1#t=2000000');
  for (let i = 0; i < 3; i++) await p.page.keyboard.press(']');
  await p.page.click('[data-testid="kill-leader"]');
  await p.page.keyboard.press(']');
  const crashedLater = await p.page.locator('[data-testid="cluster"] [data-role="crashed"]').count();
  assert.equal(crashedLater, 1);
  await scrubTo(p.page, 3000);
  assert.match(await p.page.textContent('[data-testid="in-past"]'), /1 later action/);
  await p.page.click('[data-testid="cluster"] [data-node-id="1"]');
  await p.page.click('[data-testid="node-timeout"]');
  assert.equal(await p.page.isVisible('[data-testid="in-past"]'), false, 'the present is the new horizon');
  for (let i = 0; i < 3; i++) await p.page.keyboard.press(']');
  assert.equal(await p.page.locator('[data-testid="cluster"] [data-role="crashed"]').count(), 0, 'the kill was forgotten');
  await assertHealthy(p);
});

test('replaying ten virtual minutes of five nodes under client load takes well under a second', async () => {
  const p = await app.open('seed=1#t=600000000');
  const span = Number(await p.page.getAttribute('[data-testid="replay-ms"]', 'data-span'));
  const ms = Number(await p.page.getAttribute('[data-testid="replay-ms"]', 'data-ms'));
  assert.equal(span, 600000000);
  console.log(`# 10 virtual minutes replayed in the browser in ${ms.toFixed(0)} ms`);
  assert.ok(ms < 1000, `${ms} ms`);
  const writes = Number((await p.page.textContent('.tl-summary')).match(/(\d+) acknowledged write/)[1]);
  assert.ok(writes > 500, `${writes} writes`);
  // And back to the middle of it, from the start.
  await scrubTo(p.page, 300000);
  const back = Number(await p.page.getAttribute('[data-testid="replay-ms"]', 'data-ms'));
  console.log(`# scrubbing back to 5 minutes: ${back.toFixed(0)} ms`);
  assert.equal(await now(p.page), 300000000);
  await assertHealthy(p);
});

test('a leader cut into a minority by a drawn partition cannot commit', async () => {
  const p = await app.open('seed=42&speed=1');
  await p.page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.dataset.leader, null, { timeout: 15000 });
  await p.page.click('[data-testid="play"]');
  const old = await p.page.getAttribute('[data-testid="status"]', 'data-leader');
  const term = Number(await p.page.getAttribute('[data-testid="status"]', 'data-term'));
  const buddy = ['1', '2', '3', '4', '5'].find((n) => n !== old);
  // Drag the leader to side B, click one follower over.
  await p.page.dragAndDrop(`[data-testid="chip-${old}"]`, '[data-testid="side-b"]');
  await p.page.click(`[data-testid="side-a"] [data-testid="chip-${buddy}"]`);
  assert.equal(await p.page.locator('[data-testid="side-b"] .chip').count(), 2);
  await p.page.click('[data-testid="apply-partition"]');
  assert.equal(await p.page.locator('[data-testid="cluster"] line.cut').count(), 6);
  const commit = await p.page.getAttribute(`[data-testid="log-${old}"]`, 'data-commit-index');
  // A put sent straight to the old leader.
  await p.page.selectOption('[data-testid="client-node"]', old);
  await p.page.fill('[data-testid="client-key"]', 'island');
  await p.page.fill('[data-testid="client-value"]', 'minority');
  await p.page.click('[data-testid="client-send"]');
  for (let i = 0; i < 3; i++) await p.page.keyboard.press(']');
  assert.equal(await p.page.getAttribute(`[data-testid="log-${old}"]`, 'data-commit-index'), commit, 'no commit on the minority side');
  const rows = p.page.locator(`[data-testid="log-${old}"] tr[data-committed="false"]:has-text("island=minority")`);
  assert.equal(await rows.count(), 1, 'the put sits uncommitted in the old leader\'s log');
  const leader = await p.page.getAttribute('[data-testid="status"]', 'data-leader');
  assert.ok(leader && leader !== old && leader !== buddy, 'the majority elected its own leader');
  assert.ok(Number(await p.page.getAttribute('[data-testid="status"]', 'data-term')) > term);
  await p.page.click('[data-testid="heal-all"]');
  assert.equal(await p.page.locator('[data-testid="cluster"] line.cut').count(), 0);
  await assertHealthy(p);
});

test('a held message waits until released; a duplicated one arrives twice', async () => {
  const p = await app.open('seed=42&speed=1#t=1000000');
  await p.page.keyboard.press('s');
  const msg = p.page.locator('[data-testid="cluster"] [data-msg-id]').first();
  const id = await msg.getAttribute('data-msg-id');
  await msg.click();
  await p.page.click('[data-testid="hold-message"]');
  await p.page.keyboard.press(']');
  assert.match(await p.page.textContent('[data-testid="message-fate"]'), /^Held/);
  await p.page.click('[data-testid="duplicate-message"]');
  await p.page.click('[data-testid="release-message"]');
  await p.page.keyboard.press(']');
  assert.equal(await p.page.getAttribute('[data-testid="message-fate"]', 'data-fate'), 'delivered');
  assert.ok(await p.page.locator(`[data-testid="feed"] li:has-text("you duplicate message #${id}")`).count() === 1);
  await assertHealthy(p);
});

test('a scenario link round-trips: menu, narration, address, reload', async () => {
  const p = await app.open('seed=1&speed=1');
  await p.page.selectOption('[data-testid="scenario-menu"]', 'figure-8');
  await p.page.waitForSelector('[data-testid="narration"][data-scenario="figure-8"]');
  assert.match(await p.page.textContent('[data-testid="narration"]'), /Figure 8/);
  await p.page.waitForFunction(() => location.hash.startsWith('#scenario=figure-8'));
  await p.page.keyboard.press('Home');
  for (let i = 0; i < 3; i++) await p.page.keyboard.press('s');
  const here = await snapshot(p.page);
  const url = p.page.url();
  assert.match(url, /#scenario=figure-8&t=\d+$/);
  const q = await app.open(url.split('?')[1]);
  assert.deepEqual(await settledSnapshot(q.page, here), here, 'the link opens the same moment');
  assert.equal(await q.page.inputValue('[data-testid="scenario-menu"]'), 'figure-8');
  assert.equal(await q.page.getAttribute('[data-testid="status"]', 'data-playing'), 'false');
  // Acting changes the link to carry the whole run.
  await q.page.keyboard.press('1');
  await q.page.click('[data-testid="node-crash"]');
  await q.page.waitForFunction(() => location.hash.startsWith('#run='));
  const changed = await snapshot(q.page);
  const r = await app.open(q.page.url().split('?')[1]);
  assert.deepEqual(await settledSnapshot(r.page, changed), changed);
  await assertHealthy(p);
  await assertHealthy(q);
  await assertHealthy(r);
});

test('every scenario opens from its link and shows what it is about', async () => {
  const ids = ['leader-crash', 'split-vote', 'stale-leader', 'figure-7', 'figure-8', 'disruptive-rejoin',
    'disruptive-rejoin-prevote', 'lagging-follower', 'snapshot-catch-up', 'adding-a-server', 'removing-the-leader', 'unsafe-read'];
  const p = await app.open('seed=1&paused=1');
  const listed = await p.page.$$eval('[data-testid="scenario-menu"] option', (o) => o.map((x) => x.value).filter(Boolean));
  assert.deepEqual(listed, ids);
  await assertHealthy(p);
  for (const id of ids) {
    const q = await app.open(`paused=1#scenario=${id}&t=2000000`);
    await q.page.waitForSelector(`[data-testid="narration"][data-scenario="${id}"]`);
    assert.ok(await q.page.locator('[data-testid="narration"] .watch li').count() >= 2);
    const nodes = await q.page.locator('[data-testid="cluster"] [data-node-id]').count();
    // Figure 7 has seven logs; adding a server starts with three (the fourth comes later).
    assert.equal(nodes, { 'figure-7': 7, 'adding-a-server': 3 }[id] ?? 5, id);
    if (id === 'stale-leader') {
      const sides = [await q.page.locator('[data-testid="side-a"] .chip').count(), await q.page.locator('[data-testid="side-b"] .chip').count()];
      assert.deepEqual(sides.sort(), [2, 3], 'the partition panel shows the scenario\'s two sides');
    }
    await assertHealthy(q);
  }
});

test('unsafe local reads: the checker flags the history, ReadIndex fixes it', async () => {
  const p = await app.open('seed=1#scenario=unsafe-read&t=5500000');
  assert.equal(await p.page.getAttribute('[data-testid="lin-verdict"]', 'data-verdict'), 'not linearizable');
  assert.ok(await p.page.locator('[data-testid="history-op"][data-verdict="not linearizable"]').count() >= 2);
  assert.ok(await p.page.locator('[data-testid="history-op"][data-verdict="linearizable"]').count() >= 1);
  assert.match(await p.page.textContent('[data-testid="lin-verdict"]'), /key x/);
  await p.page.selectOption('[data-testid="read-mode"]', 'ReadIndex');
  assert.equal(await now(p.page), 5500000, 'the switch replays to the same moment');
  assert.equal(await p.page.getAttribute('[data-testid="lin-verdict"]', 'data-verdict'), 'linearizable');
  // Lease reads need check-quorum (off in this scenario): choosing them turns it on.
  assert.equal(await p.page.isChecked('[data-testid="toggle-check-quorum"]'), false);
  await p.page.selectOption('[data-testid="read-mode"]', 'lease');
  assert.equal(await p.page.isChecked('[data-testid="toggle-check-quorum"]'), true);
  await assertHealthy(p);
});

test('broken invariants turn their badge red and jump to the moment', async () => {
  // A run whose nodes start with conflicting entries at the same index and term.
  const p = await app.open('seed=3&paused=1');
  for (const b of await p.page.$$('[data-testid="badge"]')) assert.equal(await b.getAttribute('data-ok'), 'true');
  await p.page.keyboard.press('h');
  await p.page.waitForFunction(() => location.hash.startsWith('#run='));
  const encoded = new URL(p.page.url()).hash.match(/run=([^&]+)/)[1];
  const run = JSON.parse(Buffer.from(encoded, 'base64url').toString());
  const state = (v) => ({ term: 1, voted_for: null, log: { entries: [{ term: 1, command: { Put: { key: 'a', value: v } } }] } });
  run.config.initial = [state('1'), state('1'), state('1'), state('2'), state('2')];
  run.interventions = [];
  const bad = Buffer.from(JSON.stringify(run)).toString('base64url');
  await assertHealthy(p);
  const q = await app.open(`paused=1#run=${bad}&t=3000000`);
  await q.page.waitForSelector('[data-testid="badge"][data-invariant="log matching"][data-ok="false"]');
  const broken = await q.page.$$eval('[data-testid="badge"][data-ok="false"]', (b) => b.map((x) => [x.dataset.invariant, x.dataset.at]));
  assert.ok(broken.length >= 2, JSON.stringify(broken));
  assert.ok(await q.page.locator('.tl-mark.violation').count() >= 2);
  const [, at] = broken.find(([name]) => name === 'state machine safety');
  await q.page.click('[data-testid="badge"][data-invariant="state machine safety"] [data-testid="badge-jump"]');
  assert.equal(String(await now(q.page)), at);
  assert.ok(await q.page.isVisible('[data-testid="violations"]'));
  const errors = q.errors;
  assert.deepEqual(errors, []);
  await q.page.close();
});

test('every action has a key, listed on ?', async () => {
  const p = await app.open('seed=42&paused=1');
  await p.page.keyboard.press('?');
  await p.page.waitForSelector('[data-testid="cheatsheet"]');
  assert.ok(await p.page.locator('[data-testid="cheatsheet"] dt').count() >= 15);
  assert.equal(await p.page.evaluate(() => document.activeElement?.dataset.testid), 'cheatsheet-close',
    'the dialog takes the focus');
  await p.page.keyboard.press('Escape');
  assert.equal(await p.page.locator('[data-testid="cheatsheet"]').count(), 0);
  await p.page.keyboard.press('3');
  await p.page.waitForSelector('[data-testid="inspector"][data-inspected-node="3"]');
  await p.page.keyboard.press('g');
  await p.page.waitForSelector('[data-testid="narration"][data-scenario="leader-crash"]');
  // The story opens shortly before its crash at 1.5 s, not at the routine first election.
  const opened = await now(p.page);
  assert.ok(opened >= 1_200_000 && opened < 1_500_000, `the story opened at ${opened} us`);
  // Shortcuts work right after a choice in a select: the select gives the focus back.
  await p.page.focus('[data-testid="speed"]');
  await p.page.selectOption('[data-testid="speed"]', '4');
  assert.notEqual(await p.page.evaluate(() => document.activeElement?.tagName), 'SELECT');
  await p.page.keyboard.press('4');
  await p.page.waitForSelector('[data-testid="inspector"][data-inspected-node="4"]');
  await assertHealthy(p);
});

test('reduced motion starts paused', async () => {
  const page = await app.context.newPage();
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(`${app.base}/?seed=42`);
  await page.waitForSelector('[data-testid="cluster"] [data-node-id]');
  assert.equal(await page.getAttribute('[data-testid="status"]', 'data-playing'), 'false');
  await page.close();
});

test('a single link can be cut one way, drawn with an arrow, and restored', async () => {
  const p = await app.open('seed=42&paused=1');
  await p.page.keyboard.press('2');
  await p.page.click('[data-testid="cut-2-3"]');
  assert.equal(await p.page.getAttribute('[data-testid="cut-2-3"]', 'aria-pressed'), 'true');
  assert.equal(await p.page.getAttribute('[data-testid="cut-3-2"]', 'aria-pressed'), 'false');
  assert.equal(await p.page.locator('[data-testid="cluster"] line.cut').count(), 1);
  assert.equal(await p.page.getAttribute('[data-testid="cluster"] .cut-link', 'data-one-way'), '2-3');
  await p.page.click('[data-testid="cut-3-2"]');
  assert.equal(await p.page.getAttribute('[data-testid="cluster"] .cut-link', 'data-one-way'), '', 'both ways now');
  await p.page.keyboard.press('h');
  assert.equal(await p.page.locator('[data-testid="cluster"] line.cut').count(), 0);
  await assertHealthy(p);
});
