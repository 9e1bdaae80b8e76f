// Serves the built app (dist/) on a free localhost port and drives it in the machine's
// Chromium through playwright-core. No browser is downloaded.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const dist = path.resolve(here, '../../dist');

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/// Serves `root` at `prefix` (a path ending in `/`): as a course website would serve a copy
/// of dist/ in a folder of its own. Anything outside the prefix is not found.
export function serve(root = dist, prefix = '/') {
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    throw new Error(`no built app at ${root}: run trunk build --release first (web/tests/run.sh does)`);
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404).end('not found');
      return;
    }
    let file = path.normalize(path.join(root, decodeURIComponent(url.pathname.slice(prefix.length - 1))));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
      res.end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

export function chromiumPath() {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  const found = candidates.find((p) => p && fs.existsSync(p));
  if (!found) throw new Error('no Chromium found: install it (scripts/setup.sh test) or set CHROMIUM');
  return found;
}

export async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'raft-web-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/// Opens the app and records console errors and uncaught exceptions; waits for `ready` (the
/// drawing, unless told otherwise).
export async function open(context, base, query, ready = '[data-testid="cluster"] [data-node-id]') {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/?${query}`);
  await page.waitForSelector(ready);
  return { page, errors };
}

/// Registers a suite's setup and teardown: one browser, and the app served from dist/ (or
/// the app at BASE_URL, for example `trunk serve` with a debug build). `app.open(query)`
/// opens a page of it.
export function useApp() {
  let server, base, browser;
  before(async () => {
    if (process.env.BASE_URL) base = process.env.BASE_URL.replace(/\/$/, '');
    else ({ server, url: base } = await serve());
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });
  return {
    open: (query, ready) => open(browser.context, base, query, ready),
    get base() { return base; },
    get context() { return browser.context; },
  };
}

/// No panic shown, nothing in the console: checked at the end of every test. Closes the page.
export async function assertHealthy({ page, errors }) {
  const panic = await page.evaluate(() => {
    const el = document.getElementById('panic');
    return !el ? 'the panic banner is missing' : el.hidden ? null : el.textContent;
  });
  assert.equal(panic, null);
  assert.deepEqual(errors, []);
  await page.close();
}
