// The one-screen layout: at a laptop's, a projector's and a phone's size, what a student needs
// together is on screen together, without scrolling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertHealthy, useApp } from './harness.mjs';

const app = useApp();

/// Where each part is, relative to the viewport (null when it is not drawn).
async function boxes(page) {
  return page.evaluate(() => {
    const box = (el) => {
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return r.width === 0 && r.height === 0 ? null : { top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height };
    };
    // The newest entry of every node: the cells of the last index in the arrangement drawn.
    const table = [...document.querySelectorAll('[data-testid="log-strip"] table')].find((t) => t.offsetParent !== null);
    const last = table && Math.max(...[...table.querySelectorAll('td[data-index]')].map((td) => Number(td.dataset.index)));
    return {
      viewport: { width: window.innerWidth, height: window.innerHeight },
      cluster: box(document.querySelector('[data-testid="cluster"]')),
      nodes: [...document.querySelectorAll('[data-testid="cluster"] [data-node-id]:not([data-msg-id])')].map((n) => box(n)),
      toolbar: box(document.querySelector('.toolbar')),
      play: box(document.querySelector('[data-testid="play"]')),
      kill: box(document.querySelector('[data-testid="kill-leader"]')),
      timeline: box(document.querySelector('[data-testid="timeline"]')),
      status: box(document.querySelector('[data-testid="status"]')),
      narration: box(document.querySelector('[data-testid="narration"]')),
      feed: box(document.querySelector('[data-testid="feed"]')),
      newest: table ? [...table.querySelectorAll(`td[data-index="${last}"]`)].map((td) => box(td)) : [],
    };
  });
}

function assertInView(b, name, vp) {
  assert.ok(b, `${name} is not drawn`);
  assert.ok(b.top >= 0 && b.left >= 0 && b.bottom <= vp.height + 0.5 && b.right <= vp.width + 0.5,
    `${name} is not within the ${vp.width}×${vp.height} viewport: ${JSON.stringify(b)}`);
}

async function assertOneScreen(p, { narration, minRing }) {
  // A few entries in every log first, so that the newest are somewhere to look for.
  await p.page.waitForFunction(() => document.querySelectorAll('[data-testid="log-strip"] td[data-index]').length >= 10, null, { timeout: 20000 });
  const b = await boxes(p.page);
  const vp = b.viewport;
  for (const name of ['cluster', 'toolbar', 'play', 'kill', 'timeline', 'status']) assertInView(b[name], name, vp);
  b.nodes.forEach((n, i) => assertInView(n, `node ${i + 1}`, vp));
  assert.ok(b.newest.length >= 5, `the newest index is shown for ${b.newest.length} nodes`);
  b.newest.forEach((c, i) => assertInView(c, `the newest log entry of row ${i + 1}`, vp));
  if (narration) assertInView(b.narration, 'narration', vp);
  assert.ok(b.cluster.height >= minRing * vp.height, `the ring is ${b.cluster.height}px tall in a ${vp.height}px viewport`);
  // The feed starts on screen beside the rest.
  assert.ok(b.feed && b.feed.top < vp.height - 40, `the feed starts at ${b.feed?.top}`);
}

for (const [width, height, projector] of [[1366, 768, false], [1920, 1080, false], [1920, 1080, true], [1280, 720, true]]) {
  const mode = projector ? ' in projector mode' : '';
  test(`free play fits one ${width}×${height} screen${mode}`, async () => {
    const p = await app.open(`seed=42&speed=1${projector ? '&projector=1' : ''}`);
    await p.page.setViewportSize({ width, height });
    await assertOneScreen(p, { narration: false, minRing: 0.5 });
    await assertHealthy(p);
  });
  test(`a story and its narration fit one ${width}×${height} screen${mode}`, async () => {
    const p = await app.open(`${projector ? 'projector=1&' : ''}speed=1#scenario=lagging-follower`);
    await p.page.setViewportSize({ width, height });
    await assertOneScreen(p, { narration: true, minRing: 0.5 });
    await assertHealthy(p);
  });
}

test('the projector button switches large type on and back off, and the address keeps it', async () => {
  const p = await app.open('seed=42&speed=1');
  const size = () => p.page.evaluate(() => getComputedStyle(document.documentElement).fontSize);
  assert.equal(await size(), '16px');
  await p.page.click('[data-testid="projector"]');
  assert.equal(await size(), '18px');
  assert.match(p.page.url(), /projector=1/);
  assert.equal(await p.page.getAttribute('[data-testid="projector"]', 'aria-pressed'), 'true');
  await p.page.click('[data-testid="projector"]');
  assert.equal(await size(), '16px');
  assert.doesNotMatch(p.page.url(), /projector=/);
  await assertHealthy(p);
});

test('on a phone a story\'s ring, narration and every log share the first screen', async () => {
  const p = await app.open('paused=1#scenario=leader-crash');
  await p.page.setViewportSize({ width: 390, height: 844 });
  await p.page.waitForSelector('[data-testid="narration"][data-beat="1"]');
  const b = await boxes(p.page);
  for (const name of ['cluster', 'status', 'narration']) assertInView(b[name], name, b.viewport);
  assert.ok(b.newest.length >= 5, `the newest index is shown for ${b.newest.length} nodes`);
  b.newest.forEach((c, i) => assertInView(c, `the newest log entry of row ${i + 1}`, b.viewport));
  await assertHealthy(p);
});

test('on a phone the whole ring is on the first screen, above the controls', async () => {
  const p = await app.open('seed=42&speed=1');
  await p.page.setViewportSize({ width: 390, height: 844 });
  const b = await boxes(p.page);
  assertInView(b.cluster, 'cluster', b.viewport);
  assertInView(b.status, 'status', b.viewport);
  assert.ok(b.cluster.height > 0.3 * b.viewport.height, `the ring is ${b.cluster.height}px tall`);
  // Messages are finger-sized targets (at least 40 px across).
  const hit = await (await p.page.waitForFunction(() => {
    const c = document.querySelector('[data-testid="cluster"] .msg .hit');
    return c && c.getBoundingClientRect().width;
  }, null, { timeout: 15000 })).jsonValue();
  assert.ok(hit >= 40, `a message's target is ${hit}px wide`);
  // The timeline's labels keep their shape at a phone's width.
  // On screen a label is as wide as its text is long (a squashed drawing makes it narrower).
  const label = await (await p.page.waitForFunction(() => {
    const t = document.querySelector('.tl-band text');
    const w = t?.getBoundingClientRect().width;
    return w > 0 && w / t.getComputedTextLength();
  }, null, { timeout: 15000 })).jsonValue();
  assert.ok(label > 0.9, `a band label is drawn at ${label} of its width`);
  await assertHealthy(p);
});
