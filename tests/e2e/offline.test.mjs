// Offline and origin (issue 10):
//   - every page works while every request to another origin is blocked, and none is made;
//   - after a first visit the service worker has cached the build: with the server gone, every
//     page (a deep link with its state too) still opens, runs and steps;
//   - after a new build is deployed the page offers "a new version — reload", and Reload
//     brings the new build in.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIST_DIR, EVERY_PAGE, Lab, setup, startServer } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const SIM = (root) => !['page-home', 'page-quiz', 'page-note', 'page-not-found'].includes(root);

/** Waits until the page is controlled by the service worker and it has cached the build. */
async function waitForWorker(lab) {
  return lab.page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    const t0 = performance.now();
    while (!navigator.serviceWorker.controller && performance.now() - t0 < 15000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const keys = await caches.keys();
    const cached = [];
    for (const k of keys) for (const req of await (await caches.open(k)).keys()) cached.push(new URL(req.url).pathname);
    return { scope: reg.scope, controlled: !!navigator.serviceWorker.controller, keys, cached };
  });
}

/** Opens a page, checks it is ready without a URL error, and steps a simulation once. */
async function openAndUse(lab, route, root) {
  await lab.open(route, root);
  await lab.assertAbsent('url-error', `${route}: url-error`);
  if (SIM(root)) {
    const before = await lab.int('step');
    await lab.click('step-forward');
    await lab.until(() => lab.int('step'), (s) => s === before + 1, `${route}: step forward`);
  }
}

describe('no request leaves the origin', () => {
  test('every page works with every other origin blocked, and asks for nothing outside it', async () => {
    await env.withPage(async (lab) => {
      for (const [, route, root] of EVERY_PAGE) await openAndUse(lab, route, root);
      const foreign = lab.requests.filter((u) => !u.startsWith(`${env.origin}/`) && !/^(data|blob|about):/.test(u));
      assert.deepEqual(foreign, [], 'requests to other origins');
      assert.ok(lab.requests.length >= EVERY_PAGE.length, 'the pages were loaded through the watched context');
    });
    // withPage also fails on any blocked request, console error or page error.
  });
});

describe('offline after a first visit', () => {
  test('with the server gone, every page opens from the service worker’s cache and runs', async () => {
    const server = await startServer(DIST_DIR);
    const lab = await Lab.create(env.browser, server.origin, { serviceWorkers: 'allow' });
    try {
      await lab.open('/', 'page-home');
      const sw = await waitForWorker(lab);
      assert.ok(sw.controlled, 'the page is not controlled by the service worker');
      const built = readFileSync(path.join(DIST_DIR, 'sw.js'), 'utf8');
      const files = JSON.parse(built.match(/const FILES = (\[.*\]);/)[1].replace(/'/g, '"'));
      for (const f of files) assert.ok(sw.cached.includes(f), `${f} is not cached (cached: ${sw.cached.join(', ')})`);
      assert.ok(files.some((f) => f.endsWith('.wasm')) && files.includes('/index.html'), `file list ${files}`);

      await server.close();
      const gone = await fetch(`${server.origin}/index.html`).then(() => 'answered', (e) => e.cause?.code ?? e.message);
      assert.notEqual(gone, 'answered', 'the server still answers');

      for (const [, route, root] of EVERY_PAGE) await openAndUse(lab, route, root);
      // A deep link with its state, and a reload, from the cache.
      await lab.open('/sharding?v=1&seed=9&shards=6&step=120', 'page-sharding');
      assert.equal(await lab.int('step'), 120);
      await lab.reload('page-sharding');
      assert.equal(await lab.int('step'), 120);
      await lab.assertAbsent('update-ready', 'an update notice on the first build');
      lab.assertClean();
    } finally {
      await lab.close();
      await server.close();
    }
  });

  test('a new build is announced, and Reload brings it in', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pipelab-sw-'));
    cpSync(DIST_DIR, dir, { recursive: true });
    const server = await startServer(dir);
    const lab = await Lab.create(env.browser, server.origin, { serviceWorkers: 'allow' });
    try {
      await lab.open('/', 'page-home');
      assert.ok((await waitForWorker(lab)).controlled, 'not controlled after the first visit');
      await lab.reload('page-home');
      await lab.assertAbsent('update-ready', 'an update notice before any new build');

      // "Deploy" a new build: index.html gains a marker, and the worker a new version.
      const index = path.join(dir, 'index.html');
      const html = readFileSync(index, 'utf8');
      assert.ok(html.includes('<title>'), 'index.html has no <title>');
      writeFileSync(index, html.replace('<title>', '<meta name="pipelab-build" content="next"><title>'));
      const worker = path.join(dir, 'sw.js');
      writeFileSync(worker, readFileSync(worker, 'utf8').replace(/const VERSION = '([0-9a-f]+)'/, "const VERSION = 'next-$1'"));

      // The cached old build still runs until the reader chooses.
      await lab.reload('page-home');
      await lab.page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
      await lab.loc('update-ready').waitFor({ state: 'visible' });
      assert.match(await lab.text('update-ready'), /new version/i);
      assert.equal(await lab.page.locator('meta[name="pipelab-build"]').count(), 0, 'the new build ran before Reload');

      await Promise.all([lab.page.waitForEvent('load'), lab.click('update-reload')]);
      await lab.waitReady('page-home');
      assert.equal(await lab.page.locator('meta[name="pipelab-build"]').getAttribute('content'), 'next', 'Reload did not bring the new build');
      await lab.assertAbsent('update-ready', 'the notice after the update');
      const keys = await lab.page.evaluate(() => caches.keys());
      assert.equal(keys.length, 1, `old caches kept: ${keys}`);
      assert.match(keys[0], /^pipelab-next-/);
      lab.assertClean();
    } finally {
      await lab.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
