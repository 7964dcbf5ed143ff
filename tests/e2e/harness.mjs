// Shared harness for pipelab's end-to-end tests and in-browser benchmark.
//
// - a tiny static file server over the built site (PIPELAB_DIST, default ../dist), with the
//   index.html fallback every server of the site must have (PAGE-CONTRACT.md, "Routes");
// - headless Chromium through playwright-core, never downloading a browser;
// - a per-test page wrapper that records console errors/warnings, page errors and every request
//   that tried to leave the server's origin (aborted and counted), and fails the test on any;
// - small DOM helpers that all go through `tid(name)`, the one place selectors are built.
//
// This file deliberately has no test in it (node --test only runs *.test.mjs here).

import { createServer } from 'node:http';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

/** tests/ (this file lives in tests/e2e/). */
export const TESTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The repository root. */
export const REPO_DIR = path.resolve(TESTS_DIR, '..');
/** The built site: env PIPELAB_DIST (relative paths are taken from tests/), default ../dist. */
export const DIST_DIR = path.resolve(TESTS_DIR, process.env.PIPELAB_DIST || '../dist');
/** Where screenshots go: <repo>/target/screenshots/<name>-<w>x<h>.png. */
export const SCREENSHOT_DIR = path.join(REPO_DIR, 'target', 'screenshots');

/** The twelve pattern slugs, the compare pairs (PAGE-CONTRACT.md, "Routes"). */
export const PATTERNS = [
  'etl-elt', 'batch-writes', 'lambda', 'kappa', 'lakehouse', 'event-sourcing',
  'cqrs', 'partitioning', 'sharding', 'caching', 'cdc', 'contracts',
];
export const COMPARE_PAIRS = [
  'etl-vs-elt', 'lambda-vs-kappa', 'modn-vs-ring', 'hash-vs-range', 'invalidate-vs-write-through',
];

/** Every page of the site: [name, a path with a state worth looking at, root testid]. */
export const EVERY_PAGE = [
  ['home', '/', 'page-home'],
  ['quiz', '/quiz', 'page-quiz'],
  ['note', '/note', 'page-note'],
  ...PATTERNS.map((s) => [s, `/${s}?v=1&step=20`, `page-${s}`]),
  ...COMPARE_PAIRS.map((p) => [`compare-${p}`, `/compare/${p}?v=1&step=20`, `page-compare-${p}`]),
  ['not-found', '/no-such-page', 'page-not-found'],
];

/** Viewports the contract cares about. */
export const MOBILE = { width: 375, height: 667 };
export const DESKTOP = { width: 1440, height: 900 };

/** The one selector builder: `[data-testid="name"]`. */
export const tid = (name) => `[data-testid="${name}"]`;

// ---------------------------------------------------------------------------------------------
// Static server
// ---------------------------------------------------------------------------------------------

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.csv': 'text/csv; charset=utf-8',
};

/**
 * Serves `dir` on 127.0.0.1 at an ephemeral port. Unknown paths without an extension get
 * index.html (so client-side routes reload); unknown paths with one get a 404.
 * Returns { origin, close(), served: Map<path, count> }.
 */
export async function startServer(dir = DIST_DIR) {
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) {
    throw new Error(
      `no built site at ${dir} (index.html missing). Build it first (cargo xtask test does), ` +
        'or point PIPELAB_DIST at a dist/ directory.',
    );
  }
  const root = path.resolve(dir);
  const served = new Map();

  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      pathname = null; // malformed escape in the path
    }
    let file = null;
    if (pathname !== null && !pathname.includes('\0')) {
      const candidate = path.resolve(root, '.' + pathname);
      const inside = candidate === root || candidate.startsWith(root + path.sep);
      if (inside) {
        try {
          const st = statSync(candidate);
          if (st.isFile()) file = candidate;
          else if (st.isDirectory() && existsSync(path.join(candidate, 'index.html'))) {
            file = path.join(candidate, 'index.html');
          }
        } catch {
          /* not found */
        }
      }
    }
    const lastSegment = (pathname ?? req.url.split('?')[0]).split('/').pop() ?? '';
    if (!file && !path.extname(lastSegment)) file = index; // client-side route
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    const key = path.relative(root, file);
    served.set(key, (served.get(key) ?? 0) + 1);
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, {
      'Content-Type': type,
      'Content-Length': statSync(file).size,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------------------------

/** Flags headless Chromium needs here (TOOLCHAIN.md), plus a resolver that reaches nothing but
 *  the local server, so nothing can leave the machine even past request interception. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

/**
 * Launches the system Chromium (env CHROMIUM, default /usr/bin/chromium). Playwright gives every
 * launch a fresh temporary profile (--user-data-dir) and deletes it on close.
 */
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}; install it (apt-get install chromium) or set CHROMIUM.`,
    );
  }
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Starts the server and the browser once per test file. Use in `before`, close in `after`.
 * `env.withPage(opts, fn)` runs `fn(lab)` with a fresh context and page, then asserts that no
 * console error/warning, page error or off-origin request happened.
 */
export async function setup() {
  const server = await startServer();
  let browser;
  try {
    browser = await launchBrowser();
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    origin: server.origin,
    server,
    browser,
    async withPage(opts, fn) {
      if (typeof opts === 'function') [opts, fn] = [{}, opts];
      const lab = await Lab.create(browser, server.origin, opts);
      try {
        await fn(lab);
        lab.assertClean();
      } catch (e) {
        // Say where the page was and what it logged; keep a picture for the post-mortem.
        const shot = await lab.failureScreenshot().catch(() => null);
        const extra = [
          `at ${lab.page?.url() ?? '(no page)'}`,
          lab.problems.length ? `console/page problems: ${lab.problems.join(' | ')}` : '',
          lab.blocked.length ? `off-origin requests: ${lab.blocked.join(', ')}` : '',
          shot ? `screenshot: ${shot}` : '',
        ].filter(Boolean);
        if (e && typeof e === 'object' && typeof e.message === 'string') e.message += `\n  (${extra.join('; ')})`;
        throw e;
      } finally {
        await lab.close();
      }
    },
    async close() {
      await browser?.close();
      await server.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The page wrapper
// ---------------------------------------------------------------------------------------------

/** Default time to wait for the app (wasm start, chunked rebuilds of long runs). */
export const WAIT_MS = 20_000;

/**
 * One browser context + page, instrumented. Options:
 *   viewport      {width,height} (default 1440x900)
 *   colorScheme   'light' | 'dark'
 *   allowConsole  array of RegExp: console messages / page errors matching one are tolerated
 *   route         false to observe instead of intercept (benchmarks: no routing overhead)
 *   initScripts   array of functions or strings run before any page script
 *   serviceWorkers 'allow' to let the site install its service worker (default 'block')
 */
export class Lab {
  static async create(browser, origin, opts = {}) {
    const context = await browser.newContext({
      viewport: opts.viewport ?? DESKTOP,
      colorScheme: opts.colorScheme ?? 'light',
      reducedMotion: opts.reducedMotion ?? 'no-preference',
      // The site's service worker (dist/sw.js) is blocked unless a test asks for it: each
      // test starts from a first visit, and the offline tests install it on purpose.
      serviceWorkers: opts.serviceWorkers ?? 'block',
    });
    context.setDefaultTimeout(WAIT_MS);
    const lab = new Lab(context, origin, opts);
    await lab.#instrument(opts);
    lab.page = await context.newPage();
    lab.#watch(lab.page);
    return lab;
  }

  constructor(context, origin, opts) {
    this.context = context;
    this.origin = origin;
    // Playwright's stand-in for a blocked service-worker registration says so as a warning.
    this.allowConsole = [...(opts.allowConsole ?? []), /^Service Worker registration blocked by Playwright/];
    /** Console errors and warnings, page errors, crashes: "<kind>: <text>" strings. */
    this.problems = [];
    /** URLs of requests that tried to leave the origin (all aborted when routing). */
    this.blocked = [];
    /** Every request URL seen (same-origin and not). */
    this.requests = [];
  }

  async #instrument(opts) {
    const offOrigin = (url) => {
      if (url.startsWith('data:') || url.startsWith('blob:') || url.startsWith('about:')) return false;
      try {
        return new URL(url).origin !== this.origin;
      } catch {
        return true;
      }
    };
    this.context.on('request', (req) => this.requests.push(req.url()));
    if (opts.route === false) {
      this.context.on('request', (req) => {
        if (offOrigin(req.url())) this.blocked.push(req.url());
      });
    } else {
      await this.context.route('**/*', (route) => {
        const url = route.request().url();
        if (offOrigin(url)) {
          this.blocked.push(url);
          return route.abort('blockedbyclient');
        }
        return route.continue();
      });
    }
    for (const script of opts.initScripts ?? []) await this.context.addInitScript(script);
  }

  #watch(page) {
    const record = (kind, text) => {
      if (this.allowConsole.some((re) => re.test(text))) return;
      this.problems.push(`${kind}: ${text}`);
    };
    page.on('console', (msg) => {
      const type = msg.type();
      if (type === 'error' || type === 'warning') {
        const loc = msg.location();
        const where = loc?.url ? ` (${loc.url}:${loc.lineNumber})` : '';
        record(`console.${type}`, msg.text() + where);
      }
    });
    page.on('pageerror', (err) => record('pageerror', `${err.name}: ${err.message}`));
    page.on('crash', () => record('crash', 'the page crashed'));
  }

  /** Fails the test if anything was logged or blocked. Called by env.withPage. */
  assertClean() {
    assert.deepEqual(this.blocked, [], `requests left ${this.origin} (blocked): ${this.blocked.join(', ')}`);
    assert.deepEqual(this.problems, [], `console errors/warnings or page errors:\n  ${this.problems.join('\n  ')}`);
  }

  async close() {
    await this.context.close().catch(() => {});
  }

  /** Absolute URL for a path on the server. */
  url(p) {
    return this.origin + p;
  }

  /** Current path + query of the page. */
  path() {
    const u = new URL(this.page.url());
    return u.pathname + u.search;
  }

  /** Navigates and waits for readiness (of `root` when given: a testid like 'page-sharding'). */
  async open(p, root) {
    await this.page.goto(this.url(p), { waitUntil: 'domcontentloaded' });
    return this.waitReady(root);
  }

  /** Reloads and waits for readiness. */
  async reload(root) {
    await this.page.reload({ waitUntil: 'domcontentloaded' });
    return this.waitReady(root);
  }

  /**
   * Waits for `[data-ready="true"]` (on the root `root` if given) and returns the root's testid.
   * Fails fast, with its text, if the panic message appears instead.
   */
  async waitReady(root, timeout = WAIT_MS) {
    const ready = root ? `${tid(root)}[data-ready="true"]` : '[data-ready="true"]';
    const panic = tid('panic');
    await this.page
      .waitForFunction(
        ([ready, panic]) => document.querySelector(ready) || document.querySelector(panic),
        [ready, panic],
        { timeout },
      )
      .catch(async (e) => {
        const roots = await this.page
          .evaluate(() => [...document.querySelectorAll('[data-testid^="page-"]')].map((e) => e.dataset.testid))
          .catch(() => []);
        throw new Error(
          `page ${this.path()} never became ready (${ready}); page roots seen: [${roots.join(', ')}]; ` +
            `problems: ${this.problems.join(' | ') || 'none'}\n${e.message}`,
        );
      });
    if (await this.has('panic')) {
      throw new Error(`page ${this.path()} panicked while loading: ${await this.text('panic')}`);
    }
    return this.page.evaluate(
      (ready) => document.querySelector(ready)?.getAttribute('data-testid') ?? null,
      ready,
    );
  }

  /** The page root testid currently ready ('page-…'), or null. */
  async root() {
    return this.page.evaluate(
      () => document.querySelector('[data-testid^="page-"][data-ready="true"]')?.getAttribute('data-testid') ?? null,
    );
  }

  // -- reading ---------------------------------------------------------------------------------

  loc(name) {
    return this.page.locator(tid(name));
  }

  async count(name) {
    return this.loc(name).count();
  }

  async has(name) {
    return (await this.count(name)) > 0;
  }

  async visible(name) {
    return this.loc(name).first().isVisible();
  }

  /** Trimmed text content of the first element with the testid. */
  async text(name) {
    return ((await this.loc(name).first().textContent({ timeout: WAIT_MS })) ?? '').trim();
  }

  /** A hook whose text is a plain integer (PAGE-CONTRACT.md: step, step-total). */
  async int(name) {
    const t = await this.text(name);
    assert.match(t, /^\d+$/, `${tid(name)} should hold a plain integer, holds ${JSON.stringify(t)}`);
    return Number(t);
  }

  /** Asserts a hook is absent (e.g. url-error, panic), quoting its text when it is there. */
  async assertAbsent(name, label = '') {
    const n = await this.count(name);
    if (n === 0) return;
    const text = await this.text(name).catch(() => '');
    assert.fail(`${label ? label + ': ' : ''}${tid(name)} is present: ${JSON.stringify(text)}`);
  }

  async attr(name, attribute) {
    return this.loc(name).first().getAttribute(attribute);
  }

  async disabled(name) {
    return this.loc(name).first().isDisabled();
  }

  /** The value of a control hook (the input/select itself, or the first one inside it). */
  async value(name) {
    return this.page.evaluate((sel) => {
      const el = document.querySelector(sel);
      const c = el && (el.matches('input,select,textarea') ? el : el.querySelector('input,select,textarea'));
      if (!c) throw new Error(`${sel} is not and does not contain a form control`);
      return c.value;
    }, tid(name));
  }

  // -- acting ----------------------------------------------------------------------------------

  async click(name) {
    await this.loc(name).first().click();
  }

  /**
   * Sets a control hook's value the way a user's edit ends: value, then `input` and `change`
   * events (bubbling). Works for text/number inputs, selects and ranges alike, and lets a test
   * put text such as "abc" into a number input's value path without Playwright refusing.
   */
  async set(name, value, events = ['input', 'change']) {
    await this.setTogether([[name, value]], events);
  }

  /**
   * Sets several form controls in one task, as `set` does each: no frame runs between them
   * (two edits faster than the page can re-render).
   */
  async setTogether(pairs, events = ['input', 'change']) {
    await this.page.evaluate(
      ([pairs, events]) => {
        for (const [sel, value] of pairs) {
          const el = document.querySelector(sel);
          const c = el && (el.matches('input,select,textarea') ? el : el.querySelector('input,select,textarea'));
          if (!c) throw new Error(`${sel} is not and does not contain a form control`);
          const proto = c instanceof HTMLSelectElement ? HTMLSelectElement.prototype
            : c instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
          Object.getOwnPropertyDescriptor(proto, 'value').set.call(c, String(value));
          for (const type of events) c.dispatchEvent(new Event(type, { bubbles: true }));
        }
      },
      [pairs.map(([name, value]) => [tid(name), String(value)]), events],
    );
  }

  /** Seeks with the `seek` range: sets its value and dispatches `input` (the contract's event). */
  async seek(n) {
    await this.set('seek', n, ['input']);
  }

  /** Presses a key with nothing focused (keys are handled on `document`). */
  async key(key) {
    await this.blur();
    await this.page.keyboard.press(key);
  }

  async blur() {
    await this.page.evaluate(() => {
      if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    });
  }

  // -- waiting ---------------------------------------------------------------------------------

  /**
   * Polls `read()` until `check(value)` holds; fails with the last value and `what`.
   * The app rebuilds long runs in chunks, so state is awaited rather than read once.
   */
  async until(read, check, what, timeout = WAIT_MS) {
    const deadline = Date.now() + timeout;
    let last;
    let lastError;
    for (;;) {
      try {
        last = await read();
        lastError = undefined;
        if (check(last)) return last;
      } catch (e) {
        lastError = e;
      }
      if (Date.now() > deadline) {
        const got = lastError ? `error ${lastError.message}` : JSON.stringify(last);
        throw new assert.AssertionError({ message: `timed out waiting for ${what}; last: ${got}` });
      }
      await new Promise((r) => setTimeout(r, 40));
    }
  }

  /** Waits until `step` shows n. */
  async waitStep(n, timeout = WAIT_MS) {
    return this.until(() => this.int('step'), (s) => s === n, `step = ${n}`, timeout);
  }

  /** Waits until a hook's text equals / matches / satisfies `want`. */
  async waitText(name, want, timeout = WAIT_MS) {
    const check = typeof want === 'function' ? want : want instanceof RegExp ? (t) => want.test(t) : (t) => t === want;
    return this.until(() => this.text(name), check, `${tid(name)} text ${want}`, timeout);
  }

  /** Waits until the hook count satisfies `n` (number or predicate). */
  async waitCount(name, n, timeout = WAIT_MS) {
    const check = typeof n === 'function' ? n : (c) => c === n;
    return this.until(() => this.count(name), check, `count of ${tid(name)} ${n}`, timeout);
  }

  // -- layout and pictures -----------------------------------------------------------------

  /** { scrollWidth, clientWidth } of the document element. */
  async widths() {
    return this.page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
  }

  async assertNoHorizontalScroll(label) {
    const { scrollWidth, clientWidth } = await this.widths();
    assert.ok(
      scrollWidth <= clientWidth,
      `${label}: horizontal scroll (scrollWidth ${scrollWidth} > clientWidth ${clientWidth})`,
    );
  }

  /** Screenshot of the viewport to <repo>/target/screenshots/failures/; returns the path. */
  async failureScreenshot() {
    const dir = path.join(SCREENSHOT_DIR, 'failures');
    mkdirSync(dir, { recursive: true });
    const slug = new URL(this.page.url()).pathname.replace(/[^a-z0-9]+/gi, '_') || 'page';
    const file = path.join(dir, `${Date.now()}${slug}.png`);
    await this.page.screenshot({ path: file, timeout: 5_000 });
    return file;
  }

  /** Full-page screenshot to <repo>/target/screenshots/<name>-<w>x<h>.png; returns the path. */
  async screenshot(name) {
    const { width, height } = this.page.viewportSize();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, `${name}-${width}x${height}.png`);
    // Lazy panels skip rendering off screen; the page renders them all between beforeprint
    // and afterprint, so a full-page capture shows every panel.
    await this.page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    await this.page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
    await this.page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
    return file;
  }
}

// ---------------------------------------------------------------------------------------------
// Home-page discovery
// ---------------------------------------------------------------------------------------------

/** The route and page-root testid a home card stands for: card-<slug>, card-compare-<pair>, card-quiz. */
export function cardTarget(cardTestid) {
  const name = cardTestid.replace(/^card-/, '');
  if (name === 'quiz') return { route: '/quiz', root: 'page-quiz', kind: 'quiz', name };
  if (name.startsWith('compare-')) {
    return { route: `/compare/${name.slice('compare-'.length)}`, root: `page-${name}`, kind: 'compare', name };
  }
  return { route: `/${name}`, root: `page-${name}`, kind: 'pattern', name };
}

/**
 * Reads every home card: [{ testid, built, hrefs, isLink, route, root, kind, name }].
 * `lab` must be on a ready home page.
 */
export async function readCards(lab) {
  const cards = await lab.page.evaluate(() =>
    [...document.querySelectorAll('[data-testid^="card-"]')].map((el) => {
      const links = el.matches('a[href]') ? [el] : [...el.querySelectorAll('a[href]')];
      return {
        testid: el.getAttribute('data-testid'),
        built: el.getAttribute('data-built'),
        isLink: el.matches('a'),
        hrefs: links.map((a) => new URL(a.href, location.href).pathname),
      };
    }),
  );
  return cards.map((c) => ({ ...c, ...cardTarget(c.testid) }));
}

/**
 * Opens home in a throwaway page and returns the built simulation pages ([{ route, root, name }]):
 * built pattern and compare cards. The contract walk covers every one automatically.
 */
export async function discoverBuiltSimulations(env) {
  let built = [];
  await env.withPage(async (lab) => {
    await lab.open('/', 'page-home');
    built = (await readCards(lab)).filter((c) => c.built === 'true' && c.kind !== 'quiz');
  });
  return built;
}

/** Median of numbers (NaN for none). */
export function median(xs) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The q-quantile (0..1) of numbers, nearest rank. */
export function quantile(xs, q) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/**
 * A number shown as text: "1,234" → 1234, "0.80" → 0.8; a percentage ("80 %", "moved 80%")
 * → the fraction 0.8. With several numbers, the one before a "%" wins, else the first.
 */
export function parseNumber(text) {
  const token = /-?\d{1,3}(?:[,\u00a0\u202f\u2009]\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?/g;
  let first = NaN;
  for (const m of text.matchAll(token)) {
    const n = Number(m[0].replace(/[,\u00a0\u202f\u2009]/g, ''));
    if (/^\s*%/.test(text.slice(m.index + m[0].length))) return n / 100;
    if (Number.isNaN(first)) first = n;
  }
  return first;
}
