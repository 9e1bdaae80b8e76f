// Measures the trace viewer on two traces: a 30 s run of our replica (advanced-2, seed 1)
// and a chatty one (the toy primary-backup replica, 15,000 requests: every put broadcast).
// Prints, for each, its size, the time from opening the page to the drawn trace, and the
// time per scrubbing step (input to the next frame) at a 500 ms window and the whole run.
// Run after web/tests/run.sh has built dist/ and the harness: node web/tests/trace-bench.mjs
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dist, launch, serve } from './harness.mjs';

const root = path.resolve(dist, '..');
const bin = (name) => path.join(root, 'target/release', name);
const configs = process.env.CS3700_CONFIGS || path.resolve(root, '../shared/cs3700-configs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-web-trace-bench-'));
const served = path.join(dist, 'traces-under-bench');
fs.mkdirSync(served, { recursive: true });

function kvsim(config, replica, env = {}) {
  try {
    execFileSync(bin('kvsim'), ['--replica', replica, '--quiet', '--seed', '1', '--trace', tmp, config], { env: { ...process.env, ...env }, stdio: 'ignore' });
  } catch (e) {
    if (e.status !== 1) throw e;
  }
}

kvsim(path.join(configs, 'advanced-2.json'), path.join(root, '3700kvstore'));
const chatty = path.join(tmp, 'chatty.json');
fs.writeFileSync(chatty, JSON.stringify({ lifetime: 30, replicas: 5, requests: 15000, mix: 0.2, tests: { benchmarks: { total_msgs: [1, 2, 3], failures: [1, 2, 3], duplicates: [1, 2, 3], median_latency: [1, 2, 3] } } }));
kvsim(chatty, bin('toy_replica'), { TOY_REPLICA_MODE: 'primary' });

const { server, url } = await serve();
const browser = await launch();
for (const name of ['advanced-2.0.jsonl', 'chatty.0.jsonl']) {
  fs.copyFileSync(path.join(tmp, name), path.join(served, name));
  const text = fs.readFileSync(path.join(served, name), 'utf8');
  const msgs = text.split('\n').filter((l) => l.startsWith('{"ev":"msg"')).length;
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1366, height: 768 });
  const t0 = Date.now();
  await page.goto(`${url}/?trace=traces-under-bench/${name}`);
  await page.waitForSelector('[data-testid="trace"] svg.spacetime');
  const load = Date.now() - t0;
  const scrub = async () => page.evaluate(async () => {
    const el = document.querySelector('[data-testid="trace-time"]');
    const out = [];
    for (let i = 0; i < 40; i++) {
      const t0 = performance.now();
      el.value = String(5 + i * 0.6);
      el.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      out.push(performance.now() - t0);
    }
    out.sort((a, b) => a - b);
    return `median ${out[20].toFixed(1)} ms, slowest ${out[39].toFixed(1)} ms`;
  });
  await page.selectOption('[data-testid="trace-zoom"]', { label: '500 ms' });
  const narrow = await scrub();
  await page.selectOption('[data-testid="trace-zoom"]', { label: 'whole run' });
  const whole = await scrub();
  console.log(`${name}: ${(text.length / 1e6).toFixed(1)} MB, ${msgs} datagrams; opened in ${load} ms; a scrubbing step at 500 ms: ${narrow}; at the whole run: ${whole}`);
  await page.close();
}
await browser.close();
server.close();
fs.rmSync(served, { recursive: true, force: true });
fs.rmSync(tmp, { recursive: true, force: true });
