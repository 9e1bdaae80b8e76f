// The visualizer in a real headless Chromium, on the release build in dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertHealthy, open, serve, useApp } from './harness.mjs';

const SEED = 42;
const app = useApp();

async function page(query = `seed=${SEED}&speed=1`) {
  return app.open(query);
}


async function leader(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.dataset.leader, null, { timeout: 15000 });
  return page.getAttribute('[data-testid="status"]', 'data-leader');
}

test('the page loads with five nodes and shows its seed', async () => {
  const p = await page();
  assert.equal(await p.page.locator('[data-testid="cluster"] [data-node-id]').count(), 5);
  for (const id of ['1', '2', '3', '4', '5']) {
    const node = p.page.locator(`[data-testid="cluster"] [data-node-id="${id}"]`);
    assert.ok(['follower', 'pre-candidate', 'candidate', 'leader'].includes(await node.getAttribute('data-role')));
    assert.match(await node.getAttribute('data-term'), /^\d+$/);
    assert.equal(await node.getAttribute('tabindex'), '0');
  }
  assert.equal(await p.page.textContent('[data-testid="seed"]'), String(SEED));
  assert.match(p.page.url(), /seed=42/);
  await assertHealthy(p);
});

test('a leader is elected', async () => {
  const p = await page();
  const id = await leader(p.page);
  const leaders = p.page.locator('[data-testid="cluster"] [data-role="leader"]');
  assert.equal(await leaders.count(), 1);
  assert.equal(await leaders.getAttribute('data-node-id'), id);
  assert.match(await p.page.textContent('[data-testid="status"]'), new RegExp(`Leader: node ${id} \\(term \\d+\\)`));
  await p.page.waitForSelector(`[data-testid="feed"] li:has-text("node ${id} is the leader of term")`);
  await assertHealthy(p);
});

test('killing the leader leads to a different leader', async () => {
  const p = await page();
  const old = await leader(p.page);
  await p.page.click('[data-testid="kill-leader"]');
  await p.page.waitForSelector(`[data-testid="cluster"] [data-node-id="${old}"][data-role="crashed"]`);
  await p.page.waitForFunction(
    (old) => { const l = document.querySelector('[data-testid="status"]').dataset.leader; return l && l !== old; },
    old, { timeout: 15000 },
  );
  const now = await leader(p.page);
  assert.notEqual(now, old);
  assert.equal(await p.page.getAttribute(`[data-testid="cluster"] [data-node-id="${old}"]`, 'data-role'), 'crashed');
  // The keyboard shortcut does the same.
  await p.page.locator('body').press('k');
  await p.page.waitForSelector(`[data-testid="cluster"] [data-node-id="${now}"][data-role="crashed"]`);
  await assertHealthy(p);
});

test('quorum fanout: choosing it replays the run and the cluster goes on committing', async () => {
  const p = await page();
  await leader(p.page);
  await p.page.selectOption('[data-testid="fanout"]', 'just a quorum');
  assert.equal(await p.page.inputValue('[data-testid="fanout"]'), 'just a quorum');
  await leader(p.page);
  await assertHealthy(p);
});

test('a dropped message is shown as dropped and not delivered', async () => {
  const p = await page();
  await leader(p.page);
  await p.page.click('[data-testid="play"]'); // pause
  await p.page.waitForSelector('[data-testid="status"][data-playing="false"]');
  // Step until something is in flight.
  for (let i = 0; i < 100 && (await p.page.locator('g.msg[data-msg-id]').count()) === 0; i++) {
    await p.page.click('[data-testid="step"]');
  }
  const glyph = p.page.locator('g.msg[data-msg-id]').first();
  const id = await glyph.getAttribute('data-msg-id');
  const kind = await glyph.getAttribute('data-kind');
  assert.ok(kind);
  await glyph.click();
  await p.page.waitForSelector(`[data-testid="inspector"][data-inspected-msg="${id}"]`);
  assert.equal(await p.page.getAttribute('[data-testid="message-fate"]', 'data-fate'), 'in-flight');
  const fields = await p.page.textContent('[data-testid="inspector"] .fields');
  assert.match(fields, /term/);
  await p.page.click('[data-testid="drop-message"]');
  await p.page.waitForSelector(`[data-dropped="true"][data-msg-id="${id}"]`);
  assert.equal(await p.page.locator(`g.msg[data-msg-id="${id}"]`).count(), 0);
  assert.equal(await p.page.getAttribute('[data-testid="message-fate"]', 'data-fate'), 'dropped');
  await p.page.waitForSelector('[data-testid="feed"] li:has-text("you dropped")');
  // Let time run past its arrival: it never arrives.
  await p.page.click('[data-testid="play"]');
  const t0 = Number((await p.page.textContent('[data-testid="clock"]')).split(' ')[0]);
  await p.page.waitForFunction(
    (t0) => Number(document.querySelector('[data-testid="clock"]').textContent.split(' ')[0]) > t0 + 0.3, t0,
  );
  assert.equal(await p.page.getAttribute('[data-testid="message-fate"]', 'data-fate'), 'dropped');
  assert.match(await p.page.textContent('[data-testid="message-fate"]'), /dropped by you/i);
  await assertHealthy(p);
});

test('a put through the client panel appears committed in a majority of the KV views', async () => {
  const p = await page();
  const id = await leader(p.page);
  const follower = ['1', '2', '3', '4', '5'].find((n) => n !== id);
  await p.page.selectOption('[data-testid="client-node"]', follower);
  await p.page.fill('[data-testid="client-key"]', 'planet');
  await p.page.fill('[data-testid="client-value"]', 'mars');
  await p.page.click('[data-testid="client-send"]');
  const rows = '[data-testid="kv-row"][data-key="planet"][data-value="mars"]';
  await p.page.waitForFunction((sel) => document.querySelectorAll(sel).length >= 3, rows, { timeout: 15000 });
  const li = p.page.locator('[data-testid="client-requests"] li').first();
  await p.page.waitForFunction(() => document.querySelector('[data-testid="client-requests"] li')?.dataset.done === 'true');
  const text = await li.textContent();
  assert.match(text, /put planet = mars/);
  assert.match(text, new RegExp(`node ${follower}: redirect to ${id}`));
  assert.match(text, /committed/);
  await assertHealthy(p);
});

test('an isolated leader is replaced, and healing the network reconnects it', async () => {
  const p = await page();
  const old = await leader(p.page);
  await p.page.click('[data-testid="isolate-leader"]');
  await p.page.waitForSelector(`[data-testid="feed"] li:has-text("you cut node ${old} off from the others")`);
  assert.equal(await p.page.locator('[data-testid="cluster"] line.cut').count(), 4);
  await p.page.waitForFunction(
    (old) => { const l = document.querySelector('[data-testid="status"]').dataset.leader; return l && l !== old; },
    old, { timeout: 15000 },
  );
  await p.page.click('[data-testid="heal"]');
  assert.equal(await p.page.locator('[data-testid="cluster"] line.cut').count(), 0);
  // Back in touch, the old leader follows the new term.
  await p.page.waitForSelector(`[data-testid="cluster"] [data-node-id="${old}"][data-role="follower"]`);
  await assertHealthy(p);
});

test('a node can be crashed, restarted and timed out from its inspector', async () => {
  const p = await page();
  const id = await leader(p.page);
  const other = ['1', '2', '3', '4', '5'].find((n) => n !== id);
  await p.page.click('[data-testid="play"]'); // pause: a still picture is easier to click
  await p.page.click(`[data-testid="cluster"] [data-node-id="${other}"]`);
  await p.page.waitForSelector(`[data-testid="inspector"][data-inspected-node="${other}"]`);
  await p.page.click('[data-testid="node-crash"]');
  await p.page.waitForSelector(`[data-testid="cluster"] [data-node-id="${other}"][data-role="crashed"]`);
  await p.page.click('[data-testid="node-restart"]');
  await p.page.waitForSelector(`[data-testid="cluster"] [data-node-id="${other}"]:not([data-role="crashed"])`);
  await p.page.click('[data-testid="node-timeout"]');
  await p.page.waitForSelector(`[data-testid="feed"] li:has-text("you make node ${other}'s election timer fire now")`);
  await assertHealthy(p);
});

test('every control is reachable with the keyboard', async () => {
  const p = await page(`seed=${SEED}&speed=1&paused=1`);
  const seen = new Set();
  for (let i = 0; i < 40; i++) {
    await p.page.keyboard.press('Tab');
    const testid = await p.page.evaluate(() => document.activeElement?.dataset?.testid || document.activeElement?.tagName);
    seen.add(testid);
  }
  for (const id of ['play', 'step', 'speed', 'seed-input', 'new-seed', 'client-node', 'client-key', 'client-send']) {
    assert.ok(seen.has(id), `${id} is not reachable with Tab (reached ${[...seen].join(', ')})`);
  }
  await assertHealthy(p);
});

test('a run saved in the browser replays with its seed and interventions', async () => {
  const p = await page();
  const old = await leader(p.page);
  await p.page.click('[data-testid="kill-leader"]');
  await p.page.click('.run-menu summary');
  await p.page.click('text=Save in this browser');
  await p.page.click('[data-testid="new-seed"]');
  await p.page.waitForFunction((s) => document.querySelector('[data-testid="seed"]').textContent !== s, String(SEED));
  await p.page.click('text=Load saved run');
  await p.page.waitForFunction((s) => document.querySelector('[data-testid="seed"]').textContent === s, String(SEED));
  await p.page.waitForSelector(`[data-testid="cluster"] [data-node-id="${old}"][data-role="crashed"]`);
  await assertHealthy(p);
});

test('the page fits a phone screen', async () => {
  const p = await page();
  await p.page.setViewportSize({ width: 390, height: 844 });
  await leader(p.page);
  const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the screen`);
  const box = await p.page.locator('[data-testid="cluster"]').boundingBox();
  assert.ok(box.width > 300 && box.width <= 390, `cluster is ${box.width}px wide`);
  // A tap on a node shows its inspector on screen, though it sits below the picture.
  await p.page.click('[data-testid="cluster"] [data-node-id="3"]');
  const inspector = p.page.locator('[data-testid="inspector"][data-inspected-node="3"]');
  await inspector.waitFor();
  await p.page.waitForFunction(() => {
    const r = document.querySelector('[data-testid="inspector"]').getBoundingClientRect();
    return r.top >= 0 && r.top < window.innerHeight - 40;
  }, null, { timeout: 5000 });
  await assertHealthy(p);
});

test('the built app works from a folder of a web server, not only from its root', async () => {
  const { server, url } = await serve(undefined, '/courses/raft/');
  try {
    const p = await open(app.context, `${url}/courses/raft`, `seed=${SEED}&speed=1`);
    assert.equal(await p.page.locator('[data-testid="cluster"] [data-node-id]').count(), 5);
    await leader(p.page);
    await assertHealthy(p);
  } finally {
    server.close();
  }
});

test('"Link to this moment" copies the link to the clipboard, and its confirmation goes away', async () => {
  const p = await page();
  await leader(p.page);
  await app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(p.page.url()).origin });
  await p.page.click('button:has-text("Link to this moment")');
  const notice = p.page.locator('[data-testid="notice"]');
  await p.page.waitForFunction(() => /Copied the link/.test(document.querySelector('[data-testid="notice"]')?.textContent));
  const copied = await p.page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, p.page.url(), 'the clipboard holds the address of this moment');
  assert.match(copied, /seed=42/);
  assert.match(copied, /#t=\d+/);
  assert.equal(await notice.getAttribute('class'), 'notice fading');
  await notice.waitFor({ state: 'detached', timeout: 8000 });

  // The L key does the same after a control was used (focus on a button is no obstacle).
  await p.page.evaluate(() => navigator.clipboard.writeText(''));
  await p.page.keyboard.press('l');
  await p.page.waitForFunction(() => /Copied the link/.test(document.querySelector('[data-testid="notice"]')?.textContent));
  assert.equal(await p.page.evaluate(() => navigator.clipboard.readText()), p.page.url());
  await assertHealthy(p);
});
