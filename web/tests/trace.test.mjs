// The trace viewer: a kvsim run of a deliberately flawed replica (one put never answered, one
// answered twice), opened from the address, the file picker and a drop, with the grader's
// findings as places to jump to and the datagrams of the request being followed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import readline from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertHealthy, dist, open, useApp } from './harness.mjs';

const app = useApp();
const root = path.resolve(dist, '..');
const served = path.join(dist, 'traces-under-test');
let trace;

const bin = (name) => path.join(root, 'target/release', name);

/// Runs kvsim on the toy replica in `mode` with `config`; returns the trace of run 0.
function traced(name, config, mode) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-web-trace-'));
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(config));
  try {
    execFileSync(bin('kvsim'), ['--replica', bin('toy_replica'), '--quiet', '--seed', '1', '--trace', dir, path.join(dir, `${name}.json`)],
      { env: { ...process.env, TOY_REPLICA_MODE: mode }, stdio: 'ignore' });
  } catch (e) {
    if (e.status !== 0 && e.status !== 1) throw e; // 1: a check failed, which this run may do
  }
  const text = fs.readFileSync(path.join(dir, `${name}.0.jsonl`), 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  return text;
}

before(() => {
  for (const b of ['kvsim', 'toy_replica']) {
    if (!fs.existsSync(bin(b))) throw new Error(`no ${bin(b)}: run cargo build --release -p harness first (web/tests/run.sh does)`);
  }
  const config = {
    lifetime: 2, replicas: 3, requests: 40, mix: 0.2, start_wait: 0.5, end_wait: 0.5,
    events: [{ type: 'part_easy', time: 0.5 }, { type: 'part_end', time: 1.0 }],
    tests: { benchmarks: { total_msgs: [50, 100, 200], failures: [0, 1, 2], duplicates: [0, 1, 2], median_latency: [0.0005, 0.005, 0.05] }, maximum_get_generation_fail_fraction: 1.0 },
  };
  trace = traced('flawed', config, 'primary-flawed');
  fs.mkdirSync(served, { recursive: true });
  fs.writeFileSync(path.join(served, 'flawed.jsonl'), trace);
});

after(() => fs.rmSync(served, { recursive: true, force: true }));

/// The findings the trace itself lists, in time order (as the viewer lists them).
const findings = () => trace.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((l) => l.ev === 'finding').sort((a, b) => a.t - b.t);
const finding = (kind) => findings().find((f) => f.kind === kind);

test('a trace opens from the address, on its first finding, with the request it concerns followed', async () => {
  const p = await app.open('trace=traces-under-test/flawed.jsonl', '[data-testid="trace"]');
  assert.equal(await p.page.getAttribute('[data-testid="trace-verdict"]', 'data-passed'), 'true');
  const expected = findings();
  assert.deepEqual(expected.map((f) => f.kind).sort(), ['duplicate', 'unanswered']);
  const marks = await p.page.$$eval('[data-testid="finding"]', (bs) => bs.map((b) => [b.dataset.kind, b.dataset.mid]));
  assert.deepEqual(marks, expected.map((f) => [f.kind, f.MID]));
  // It opens on the first finding, following its MID.
  assert.equal(await p.page.getAttribute('[data-testid="trace"]', 'data-following'), expected[0].MID);
  const followed = () => p.page.$$eval('.spacetime .stroke.followed', (gs) => gs.map((g) => g.classList.contains('request') ? 'request' : g.classList.contains('answer') ? 'answer' : 'other').sort());
  // The duplicate: its request and both of its answers.
  await p.page.click('[data-testid="finding"][data-kind="duplicate"]');
  assert.equal(await p.page.getAttribute('[data-testid="trace"]', 'data-following'), finding('duplicate').MID);
  assert.deepEqual(await followed(), ['answer', 'answer', 'request']);
  // The unanswered put: its request went to a replica, and nothing came back.
  await p.page.click('[data-testid="finding"][data-kind="unanswered"]');
  assert.equal(await p.page.getAttribute('[data-testid="trace"]', 'data-following'), finding('unanswered').MID);
  assert.deepEqual(await followed(), ['request']);
  const cursor = Number(await p.page.getAttribute('[data-testid="trace"]', 'data-cursor'));
  assert.ok(Math.abs(cursor - finding('unanswered').t) < 1e-6, `cursor ${cursor}, finding at ${finding('unanswered').t}`);
  // Its stroke opens in the inspector.
  await p.page.click('.spacetime .stroke.followed', { force: true });
  assert.equal(await p.page.getAttribute('[data-testid="trace-inspector"]', 'data-fate'), 'request');
  assert.match(await p.page.textContent('[data-testid="trace-inspector"] pre'), new RegExp(finding('unanswered').MID));
  // The lanes say who claims to lead; the counts say what the budget went on.
  assert.equal(await p.page.getAttribute('[data-testid="lane-0000"]', 'data-state'), 'claims to lead');
  assert.ok(await p.page.locator('[data-testid="trace-counts"] tr[data-type="replicate"]').count() === 1);
  // The whole run on the timeline strip: a mark per finding (a click jumps to it), the
  // partition and its end, the diagram's window shaded; a click elsewhere travels.
  const strip = '[data-testid="trace-timeline"]';
  assert.deepEqual(await p.page.$$eval(`${strip} [data-testid="timeline-finding"]`, (gs) => gs.map((g) => g.dataset.kind)), expected.map((f) => f.kind));
  assert.equal(await p.page.locator(`${strip} .tl-mark.action`).count(), 1, 'the partition');
  assert.equal(await p.page.locator(`${strip} .tl-mark.restart`).count(), 1, 'and its end');
  await p.page.click(`${strip} [data-testid="timeline-finding"][data-kind="duplicate"] rect`, { force: true });
  assert.equal(await p.page.getAttribute('[data-testid="trace"]', 'data-following'), finding('duplicate').MID);
  assert.ok(Math.abs(Number(await p.page.getAttribute('[data-testid="trace"]', 'data-cursor')) - finding('duplicate').t) < 1e-6);
  const box = await p.page.locator(`${strip} svg.tl`).boundingBox();
  await p.page.mouse.click(box.x + box.width * 0.9, box.y + box.height - 4);
  const end = JSON.parse(trace.split('\n').filter(Boolean).find((l) => l.includes('"ev":"run"'))).end;
  const travelled = Number(await p.page.getAttribute('[data-testid="trace"]', 'data-cursor'));
  assert.ok(Math.abs(travelled - 0.9 * end) < 0.02 * end, `a click at 90% travels to ${travelled} of ${end}`);
  const shade = await p.page.locator(`${strip} .tl-window`).boundingBox();
  assert.ok(shade.x < box.x + box.width * 0.9 && shade.x + shade.width > box.x + box.width * 0.9 - 2, 'the window is shaded around the cursor');
  // Back to the simulation.
  await p.page.click('[data-testid="trace-close"]');
  await p.page.waitForSelector('[data-testid="cluster"] [data-node-id]');
  await assertHealthy(p);
});

test('the partition and the scrubber: a replica cut off says so, a finding is a mark', async () => {
  const p = await app.open('trace=traces-under-test/flawed.jsonl', '[data-testid="trace"]');
  const cut = JSON.parse(trace.split('\n').find((l) => l.includes('"ev":"fault"') && l.includes('part_easy')));
  await p.page.fill('[data-testid="trace-follow"]', '');
  await p.page.$eval('[data-testid="trace-time"]', (el, t) => { el.value = String(t); el.dispatchEvent(new Event('input', { bubbles: true })); }, cut.t + 0.1);
  const outside = ['0000', '0001', '0002'].find((r) => !cut.replicas.includes(r));
  assert.match(await p.page.getAttribute(`[data-testid="lane-${outside}"]`, 'data-state'), /cut off/);
  // The ring says the same: the primary claims to lead, the replica outside is cut off.
  assert.equal(await p.page.getAttribute(`[data-testid="ring-${outside}"]`, 'data-cut-off'), 'true');
  assert.equal(await p.page.getAttribute('[data-testid="ring-0000"]', 'data-role'), 'leader');
  await p.page.selectOption('[data-testid="trace-zoom"]', { label: 'whole run' });
  assert.equal(await p.page.locator('.spacetime .mark.unanswered').count(), 1);
  assert.equal(await p.page.locator('.spacetime .mark.duplicate').count(), 1);
  // A mark is a place to jump to: a click on the duplicate's mark seeks to it and follows it.
  await p.page.click('.spacetime .mark.duplicate line.hit', { force: true });
  assert.equal(await p.page.getAttribute('[data-testid="trace"]', 'data-following'), finding('duplicate').MID);
  assert.ok(Math.abs(Number(await p.page.getAttribute('[data-testid="trace"]', 'data-cursor')) - finding('duplicate').t) < 1e-6);
  await p.page.selectOption('[data-testid="trace-zoom"]', { label: 'whole run' });
  // The latency plot: a dot per request sent, the one never answered along the top; a
  // click on it follows it.
  const requests = trace.split('\n').filter((l) => l.startsWith('{"ev":"request"')).length;
  const counts = await p.page.$$eval('[data-testid="trace-latency"] .dots:not(.followed)', (ps) => Object.fromEntries(ps.map((q) => [q.classList[1], Number(q.dataset.count)])));
  assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), requests);
  assert.equal(counts.none, 1);
  await p.page.fill('[data-testid="trace-follow"]', '');
  await p.page.click('[data-testid="trace-latency"] .dots.none', { force: true });
  assert.equal(await p.page.getAttribute('[data-testid="trace"]', 'data-following'), finding('unanswered').MID);
  assert.ok(await p.page.locator('[data-testid="trace-counts-over-time"] rect').count() > 0);
  // By sender: a key per replica that sent anything counted.
  await p.page.click('[data-testid="counts-by"]');
  const keys = await p.page.$$eval('[data-testid="trace-counts-over-time"] .series-key', (ks) => ks.map((k) => k.textContent));
  assert.ok(keys.length >= 1 && keys.every((k) => /^000[0-2]$/.test(k)), keys.join());
  // A stroke drawn in a batch is chosen by where it is: the first heartbeat-or-answer stroke.
  await p.page.fill('[data-testid="trace-follow"]', '');
  const point = await p.page.evaluate(() => {
    const svg = document.querySelector('svg.spacetime');
    const d = svg.querySelector('.stroke.answer path, .stroke.peer path').getAttribute('d');
    const [x1, y1, x2, y2] = d.match(/M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)/).slice(1).map(Number);
    const r = svg.getBoundingClientRect();
    const [w, h] = svg.getAttribute('viewBox').split(' ').slice(2).map(Number);
    return { x: r.left + (x1 + x2) / 2 * r.width / w, y: r.top + (y1 + y2) / 2 * r.height / h };
  });
  await p.page.mouse.click(point.x, point.y);
  await p.page.waitForSelector('[data-testid="trace-inspector"] pre');
  // Play moves the time on; pause stops it.
  const before = Number(await p.page.getAttribute('[data-testid="trace"]', 'data-cursor'));
  await p.page.click('[data-testid="trace-play"]');
  await p.page.waitForFunction((b) => Number(document.querySelector('[data-testid="trace"]').dataset.cursor) > b + 0.01, before);
  await p.page.click('[data-testid="trace-play"]');
  const paused = await p.page.getAttribute('[data-testid="trace"]', 'data-cursor');
  await p.page.waitForTimeout(200);
  assert.equal(await p.page.getAttribute('[data-testid="trace"]', 'data-cursor'), paused);
  await assertHealthy(p);
});

test('the file picker and a drop open a trace; a bad line is named, and a file that is not a trace is refused', async () => {
  const p = await app.open('seed=42&paused=1');
  const lines = trace.split('\n');
  lines.splice(2, 0, '{"ev": "msg", "t": oops');
  await p.page.setInputFiles('[data-testid="open-trace"]', { name: 'flawed.jsonl', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\n')) });
  await p.page.waitForSelector('[data-testid="trace"]');
  assert.match(await p.page.textContent('[data-testid="trace-errors"]'), /line 3: not JSON/);
  assert.equal(await p.page.locator('[data-testid="finding"]').count(), 2, 'the rest is read');
  await p.page.click('[data-testid="trace-close"]');
  await p.page.setInputFiles('[data-testid="open-trace"]', { name: 'notes.jsonl', mimeType: 'text/plain', buffer: Buffer.from('hello\n') });
  await p.page.waitForSelector('[data-testid="notice"]');
  assert.match(await p.page.textContent('[data-testid="notice"]'), /not a kvsim trace \(line 1: not JSON/);
  assert.equal(await p.page.locator('[data-testid="trace"]').count(), 0);
  // A drop anywhere on the page.
  await p.page.evaluate((text) => {
    const data = new DataTransfer();
    data.items.add(new File([text], 'flawed.jsonl', { type: 'text/plain' }));
    document.querySelector('.app').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, trace);
  await p.page.waitForSelector('[data-testid="trace"]');
  assert.equal(await p.page.locator('[data-testid="trace-errors"]').count(), 0);
  await assertHealthy(p);
});

test("the simulation's own run as a space-time diagram: messages from send to delivery, the leader's band", async () => {
  const p = await app.open('seed=42');
  // Let it run until there is a leader and some traffic, then open the diagram.
  await p.page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.dataset.leader);
  await p.page.waitForTimeout(1000);
  await p.page.click('[data-testid="sim-spacetime"] summary');
  await p.page.waitForSelector('[data-testid="sim-spacetime"] .stroke');
  assert.equal(await p.page.locator('[data-testid="sim-spacetime"] .lane-labels li').count(), 6, 'five nodes and the clients');
  assert.ok(await p.page.locator('[data-testid="sim-spacetime"] .claim').count() >= 1, 'a band where a node led');
  // Strokes slant to where the message arrived: not vertical.
  const slanted = await p.page.$eval('[data-testid="sim-spacetime"] .stroke.peer path', (path) =>
    [...path.getAttribute('d').matchAll(/M([\d.]+) [\d.]+L([\d.]+) [\d.]+/g)].some((m) => Number(m[2]) - Number(m[1]) > 1));
  assert.ok(slanted);
  // The window ends at the present, and follows it when the timeline travels.
  const windowEnd = () => p.page.getAttribute('[data-testid="sim-spacetime-window"]', 'data-to').then(Number);
  await p.page.click('[data-testid="play"]');
  const paused = Number(await p.page.getAttribute('[data-testid="timeline"]', 'data-now'));
  assert.equal(await windowEnd(), paused);
  await p.page.keyboard.press(',');
  const present = Number(await p.page.getAttribute('[data-testid="timeline"]', 'data-now'));
  assert.ok(present < paused, 'stepped back');
  assert.equal(await windowEnd(), present);
  // A narrower window: fewer strokes.
  const strokes = () => p.page.$$eval('[data-testid="sim-spacetime"] .stroke path', (ps) => ps.reduce((n, q) => n + (q.getAttribute('d').match(/M/g) || []).length, 0));
  const wide = await strokes();
  await p.page.selectOption('[data-testid="sim-spacetime-span"]', { label: '100 ms' });
  assert.ok(await strokes() < wide, 'a 100 ms window draws fewer strokes than a second');
  // A click on a message's stroke travels back to when it was sent and inspects it there.
  await p.page.locator('[data-testid="sim-spacetime"] svg.spacetime').scrollIntoViewIfNeeded();
  const point = await p.page.evaluate(() => {
    const svg = document.querySelector('[data-testid="sim-spacetime"] svg.spacetime');
    const [x1, y1, x2, y2] = svg.querySelector('.stroke.peer path').getAttribute('d').match(/M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)/).slice(1).map(Number);
    const r = svg.getBoundingClientRect();
    const [w, h] = svg.getAttribute('viewBox').split(' ').slice(2).map(Number);
    return { x: r.left + (x1 + (x2 - x1) * 0.3) * r.width / w, y: r.top + (y1 + (y2 - y1) * 0.3) * r.height / h };
  });
  await p.page.mouse.click(point.x, point.y);
  const after = await windowEnd();
  assert.ok(after < present, `travelled back: the window ends at ${after}, was ${present}`);
  assert.equal(Number(await p.page.getAttribute('[data-testid="timeline"]', 'data-now')), after);
  assert.equal(await p.page.locator('[data-testid="sim-spacetime"] .stroke.selected').count(), 1, 'the inspected message is outlined');
  assert.equal(await p.page.locator('[data-testid="cluster"] .messages .selected').count(), 1, 'and in flight on the ring, selected');
  await p.page.click('[data-testid="sim-spacetime"] summary');
  // Closed, it draws nothing (the toggle event comes a moment after the click).
  await p.page.waitForFunction(() => document.querySelectorAll('[data-testid="sim-spacetime"] .stroke').length === 0);
  await assertHealthy(p);
});

test('kvsim --view serves a trace of seven replicas, and the page shows all seven', async () => {
  const config = {
    lifetime: 2, replicas: 7, requests: 60, mix: 0.5, start_wait: 0.5, end_wait: 0.5,
    events: [{ type: 'part_easy', time: 0.6 }, { type: 'part_end', time: 1.1 }],
    tests: { benchmarks: { total_msgs: [500, 1000, 2000], failures: [0, 1, 2], duplicates: [0, 1, 2], median_latency: [0.0005, 0.005, 0.05] }, maximum_get_generation_fail_fraction: 1.0 },
  };
  const text = traced('seven', config, 'primary');
  const replicas = JSON.parse(text.split('\n')[0]).replicas;
  assert.equal(replicas.length, 7);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-web-view-'));
  const file = path.join(dir, 'seven.0.jsonl');
  fs.writeFileSync(file, text);
  const viewer = spawn(bin('kvsim'), ['--view', file, '--port', '0', '--app', dist], { stdio: ['ignore', 'pipe', 'pipe'] });
  let said = '';
  viewer.stderr.on('data', (d) => { said += d; });
  try {
    const url = await new Promise((resolve, reject) => {
      readline.createInterface({ input: viewer.stdout }).once('line', resolve);
      viewer.once('exit', (code) => reject(new Error(`kvsim --view exited with ${code}: ${said}`)));
    });
    const { origin, search } = new URL(url);
    assert.equal(new URL(url).hostname, '127.0.0.1');
    const p = await open(app.context, origin, search.slice(1), '[data-testid="trace"]');
    await p.page.selectOption('[data-testid="trace-zoom"]', { label: 'whole run' });
    assert.equal(await p.page.locator('[data-testid="trace"] .lane-labels li').count(), 8, 'seven replicas and the clients');
    for (const r of replicas) {
      assert.equal(await p.page.locator(`[data-testid="ring-${r}"]`).count(), 1, `${r} on the ring`);
    }
    // The primary claims to lead, and its datagrams reach every other lane.
    await p.page.$eval('[data-testid="trace-time"]', (el) => { el.value = '0.55'; el.dispatchEvent(new Event('input', { bubbles: true })); });
    assert.equal(await p.page.getAttribute(`[data-testid="ring-${replicas[0]}"]`, 'data-role'), 'leader');
    // Its broadcasts reach every other lane: the strokes that start on its lane end on six.
    const first = (await p.page.locator('[data-testid="trace"] .lane').first().getAttribute('y1'));
    const ends = await p.page.$$eval('[data-testid="trace"] .stroke.peer path', (paths, y0) => [...new Set(paths.flatMap((q) =>
      [...q.getAttribute('d').matchAll(/M[\d.]+ ([\d.]+)L[\d.]+ ([\d.]+)/g)].filter((m) => Number(m[1]) === Number(y0)).map((m) => m[2])))], first);
    assert.equal(ends.length, 6, `strokes from ${replicas[0]} end on lanes ${ends}`);
    assert.ok(['true', 'false'].includes(await p.page.getAttribute('[data-testid="trace-verdict"]', 'data-passed')), 'a verdict');
    await assertHealthy(p);
  } finally {
    viewer.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
