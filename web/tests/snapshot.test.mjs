// Log compaction (§7) in the browser: the story of a follower too far behind, told at its
// beats (the leader's log starts past the follower's, a snapshot message goes to it, its log
// then starts at the snapshot), and the switch that turns compaction on in any run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertHealthy, useApp } from './harness.mjs';

const app = useApp();

const beatTimes = (page) => page.$$eval('[data-testid="timeline-beat"]', (els) => els.map((e) => Number(e.dataset.at)));
/// Each node's snapshot marker: the last index it covers, by node.
const markers = (page) => page.$$eval('[data-testid="snapshot-marker"]', (ms) =>
  Object.fromEntries(ms.map((m) => [m.closest('[data-node-id]').dataset.nodeId, Number(m.dataset.covers)])));
/// The index of each node's last entry shown in its log.
const lastRows = (page) => page.$$eval('.log-col', (cols) =>
  Object.fromEntries(cols.map((c) => [c.dataset.nodeId, Math.max(0, ...[...c.querySelectorAll('tr[data-index]')].map((r) => Number(r.dataset.index)))])));

test('a follower too far behind gets the leader\'s snapshot, drawn as its own message', async () => {
  const first = await app.open('paused=1#scenario=snapshot-catch-up');
  await first.page.waitForSelector('[data-testid="narration"][data-beat="1"]');
  const times = await beatTimes(first.page);
  assert.equal(times.length, 5);
  assert.match(await first.page.textContent('[data-testid="narration"]'), /snapshot/i);
  await assertHealthy(first);

  // At "Its entries are gone": the crashed follower's log ends before the leader's starts.
  const gone = await app.open(`paused=1#scenario=snapshot-catch-up&t=${times[1]}`);
  await gone.page.waitForSelector('[data-testid="cluster"] [data-role="crashed"]');
  const crashed = await gone.page.$eval('[data-testid="cluster"] [data-role="crashed"]', (n) => n.dataset.nodeId);
  const leader = await gone.page.getAttribute('[data-testid="status"]', 'data-leader');
  const m = await markers(gone.page);
  const rows = await lastRows(gone.page);
  assert.ok(m[leader] > rows[crashed], `the leader's snapshot (to ${m[leader]}) covers past the follower's last entry (${rows[crashed]})`);
  await assertHealthy(gone);

  // Just after the follower is back, the leader's next message to it is the snapshot.
  const back = await app.open(`paused=1#scenario=snapshot-catch-up&t=${times[2]}`);
  await back.page.waitForSelector(`[data-testid="cluster"] [data-node-id="${crashed}"]:not([data-role="crashed"])`);
  await back.page.waitForSelector(`[data-testid="cluster"] .msg[data-kind="install-snapshot"][data-to="${crashed}"]`, { state: 'attached', timeout: 20000 })
    .catch(async () => {
      // Not in flight at this instant: step until it is.
      for (let i = 0; i < 200; i++) {
        if (await back.page.locator(`[data-testid="cluster"] .msg[data-kind="install-snapshot"][data-to="${crashed}"]`).count()) return;
        await back.page.click('[data-testid="step"]');
      }
      throw new Error('no InstallSnapshot to the restarted follower');
    });
  await back.page.click(`[data-testid="cluster"] .msg[data-kind="install-snapshot"][data-to="${crashed}"]`, { force: true });
  assert.match(await back.page.textContent('[data-testid="inspector"]'), /last included index/);
  await assertHealthy(back);

  // At "Snapshot installed": the follower's log starts at its snapshot.
  const done = await app.open(`paused=1#scenario=snapshot-catch-up&t=${times[3]}`);
  await done.page.waitForSelector(`[data-testid="log-${crashed}"] [data-testid="snapshot-marker"]`);
  const after = await markers(done.page);
  const firstRow = await done.page.$$eval(`[data-testid="log-${crashed}"] tr[data-index]`, (rs) => rs.map((r) => Number(r.dataset.index)));
  assert.ok(after[crashed] >= m[leader], 'it holds the leader\'s snapshot');
  assert.ok(firstRow.every((i) => i > after[crashed]), `its log holds only entries after the snapshot: ${firstRow}`);
  assert.match(await done.page.textContent('[data-testid="feed"]'), /installs the leader's snapshot/);
  // The grid beside the ring marks what the snapshot holds, not a gap: every index of the
  // window up to the snapshot's end is a snapshot cell in the follower's row.
  const strip = await done.page.$$eval(`[data-testid="strip-${crashed}"] td[data-index]`, (tds) => tds.map((t) => [Number(t.dataset.index), t.dataset.compacted === 'true']));
  assert.ok(strip.some(([, c]) => c), 'snapshot cells in the window');
  for (const [i, compacted] of strip) assert.equal(compacted, i <= after[crashed], `index ${i}`);
  await assertHealthy(done);
});

test('the compaction switch replays the run with snapshots', async () => {
  // Five seconds into a run where clients keep writing, without compaction.
  const p = await app.open('paused=1#scenario=lagging-follower&t=5000000');
  await p.page.waitForSelector('[data-testid="compaction"]');
  assert.equal(await p.page.locator('[data-testid="snapshot-marker"]').count(), 0);
  const entries = await lastRows(p.page);
  await p.page.selectOption('[data-testid="compaction"]', { label: 'every 5 entries' });
  // The same run, replayed to the same moment: every node that is up has compacted, and its
  // log shows only what follows its snapshot.
  await p.page.waitForFunction(() => document.querySelectorAll('[data-testid="snapshot-marker"]').length >= 3);
  assert.equal(Number(await p.page.getAttribute('[data-testid="timeline"]', 'data-now')), 5000000);
  assert.equal(await p.page.$eval('[data-testid="compaction"]', (s) => s.value), '5');
  const m = await markers(p.page);
  for (const [node, covers] of Object.entries(m)) {
    const shown = await p.page.$$eval(`[data-testid="log-${node}"] tr[data-index]`, (rs) => rs.map((r) => Number(r.dataset.index)));
    assert.ok(covers > 0 && shown.every((i) => i > covers), `node ${node}: snapshot to ${covers}, rows ${shown}`);
    assert.equal(Math.max(covers, ...shown), entries[node], `node ${node}: the same last entry as without compaction`);
  }
  await assertHealthy(p);
});
