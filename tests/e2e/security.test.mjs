// Security (issue 10): the release index.html carries a Content-Security-Policy allowing only
// the site's own origin; the app runs under it on every kind of page; the browser enforces it
// (an inline script and a request to another origin are refused, each reported as a
// violation); user text is rendered as text, never as HTML.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DIST_DIR, setup } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const CSP_CONSOLE = [/Content Security Policy/i, /Refused to/i, /Failed to fetch/i, /ERR_BLOCKED_BY_CLIENT/];

function policyOf(html) {
  const m = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)"/);
  assert.ok(m, 'index.html has a CSP meta');
  return Object.fromEntries(m[1].split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
}

describe('Content-Security-Policy', () => {
  test('the built index.html allows only its own origin (plus the loader’s hash and wasm compilation)', () => {
    const html = fs.readFileSync(path.join(DIST_DIR, 'index.html'), 'utf8');
    const policy = policyOf(html);
    assert.deepEqual(policy['default-src'], ["'self'"]);
    assert.deepEqual(policy['connect-src'], ["'self'"]);
    assert.deepEqual(policy['object-src'], ["'none'"]);
    const script = policy['script-src'];
    assert.equal(script[0], "'self'");
    assert.ok(script.includes("'wasm-unsafe-eval'"));
    assert.ok(!script.includes("'unsafe-eval'") && !script.includes("'unsafe-inline'"), script.join(' '));
    // Exactly the page's own inline scripts (Trunk's loader, the service worker's
    // registration) are allowed, each by the hash of its text.
    const hashes = script.filter((s) => s.startsWith("'sha256-")).sort();
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)]
      .map((m) => `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`)
      .sort();
    assert.equal(inline.length, 2, `inline scripts: ${inline.length}`);
    assert.deepEqual(hashes, inline, 'the hashes allowed are not those of the inline scripts');
    for (const [k, v] of Object.entries(policy)) {
      for (const source of v) assert.ok(!/^https?:|^\*$/.test(source), `${k} allows another origin: ${source}`);
    }
  });

  test('the app runs under it on a pattern, a compare page and the quiz; it is enforced', async () => {
    await env.withPage({ allowConsole: CSP_CONSOLE }, async (lab) => {
      for (const [route, root] of [['/', 'page-home'], ['/kappa?v=1&step=40', 'page-kappa'], ['/compare/modn-vs-ring', 'page-compare-modn-vs-ring'], ['/quiz', 'page-quiz'], ['/contracts', 'page-contracts']]) {
        await lab.open(route, root);
        assert.equal(await lab.page.evaluate(() => document.querySelectorAll('meta[http-equiv="Content-Security-Policy"]').length), 1, route);
      }
      const result = await lab.page.evaluate(async () => {
        const violations = [];
        document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
        // (eval is not tried: code the test runner injects is exempt from the page's CSP.)
        const s = document.createElement('script');
        s.textContent = 'window.__inlineRan = true;';
        document.head.append(s);
        let fetched = true;
        try {
          await fetch('http://example.invalid/x');
        } catch {
          fetched = false;
        }
        await new Promise((r) => setTimeout(r, 100));
        return { inlineRan: window.__inlineRan === true, fetched, violations };
      });
      assert.equal(result.inlineRan, false, 'an inline script without the hash is refused');
      assert.equal(result.fetched, false, 'a request to another origin is refused');
      for (const d of ['script-src', 'connect-src']) {
        assert.ok(result.violations.some((v) => v.startsWith(d)), `a ${d} violation is reported: ${result.violations}`);
      }
      // The page still works after the refusals.
      await lab.waitReady('page-contracts');
    });
  });
});

describe('user text is text', () => {
  test('markup typed into a contract, a saved name and a seed is shown, never parsed', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/contracts', 'page-contracts');
      const evil = '<img src=x onerror="window.__pwned=1">';
      const json = JSON.parse(await lab.value('param-contract'));
      json.fields[0].name = evil;
      await lab.set('param-contract', JSON.stringify(json, null, 2), ['input']);
      await lab.click('contract-apply');
      await lab.until(async () => (await lab.page.content()).includes('&lt;img src=x'), Boolean, 'the name shown as text');
      assert.equal(await lab.page.evaluate(() => document.querySelectorAll('main img').length), 0, 'no img element was made');
      assert.equal(await lab.page.evaluate(() => window.__pwned), undefined);
      await lab.set('seed', evil);
      await lab.waitText('seed-error', /number/);
      assert.equal(await lab.page.evaluate(() => document.querySelectorAll('main img').length), 0);
      await lab.click('save-scenario');
      await lab.set('save-name', evil, ['input']);
      await lab.click('save-confirm');
      await lab.waitText('save-message', /Saved/);
      assert.equal(await lab.page.evaluate(() => document.querySelectorAll('main img').length), 0);
      assert.equal(await lab.page.evaluate(() => window.__pwned), undefined);
    });
  });
});
