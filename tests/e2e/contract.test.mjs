// The generic page-contract walk (PAGE-CONTRACT.md + the shared-widget hooks of issue 2).
//
// The simulation pages to walk are discovered from the home page's built cards, so a page added
// later is covered as soon as its card says data-built="true". Every subtest runs in a fresh
// browser context and fails on any console error/warning, page error or off-origin request.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP, MOBILE, discoverBuiltSimulations, readCards, setup, tid,
} from './harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

/** Hooks every simulation page has exactly once. */
const SINGLETON_HOOKS = [
  // transport (PAGE-CONTRACT.md)
  'step', 'step-total', 'play', 'step-forward', 'step-back', 'to-start', 'to-end', 'seek', 'speed',
  'seed', 'seed-random', 'faults', 'narration', 'narration-log',
  // shared widgets (issue 2, section 3)
  'preset', 'reset', 'next-notable', 'code-panel', 'explainer', 'diagram',
];

/** A compare page has every hook above once (its `diagram` holds both sides) plus these. */
const COMPARE_HOOKS = ['diff', 'side-a', 'side-b'];
const hooksFor = (page) => (page.kind === 'compare' ? [...SINGLETON_HOOKS, ...COMPARE_HOOKS] : SINGLETON_HOOKS);

/** Selectors for the families of hooks (built with tid's attribute form). */
const PARAM_CONTROLS = '[data-testid^="param-"]:not([data-testid$="-error"])';
const PARAM_ERRORS = '[data-testid^="param-"][data-testid$="-error"]';
const FAULT_BUTTONS = 'button[data-testid^="fault-"]:not([data-testid="fault-remove"])';
const FAULT_ENTRIES = `${tid('faults')} ${tid('fault-remove')}`;

/** A small run, when the page has a run-length parameter (else its defaults). */
const SMALL_EVENTS = 300;
/** The run-length parameter (PAGE-CONTRACT.md: `events` or the pattern's equivalent). */
const RUN_LENGTH_PARAMS = ['events', 'commands', 'rows', 'requests', 'changes', 'records'];

/** The slow speed used when a test toggles play and must not reach the end by accident. */
async function slowSpeed(lab) {
  const options = await lab.loc('speed').first().evaluate((s) => [...s.options].map((o) => o.value));
  await lab.set('speed', options.includes('1') ? '1' : options[0], ['input', 'change']);
  await lab.blur();
}

/** Clicks a button hook and waits for `step` to show `want`. */
async function clickTo(lab, name, want) {
  await lab.click(name);
  await lab.waitStep(want);
}

/** Seeks with the range input and waits for the step. */
async function seekTo(lab, n) {
  await lab.seek(n);
  await lab.waitStep(n);
}

/** Injects the first enabled fault the page offers at the current step; returns its testid. */
async function injectFirstFault(lab) {
  const buttons = lab.page.locator(FAULT_BUTTONS);
  const n = await buttons.count();
  for (let i = 0; i < n; i++) {
    const b = buttons.nth(i);
    if (await b.isEnabled()) {
      const id = await b.getAttribute('data-testid');
      await b.click();
      return id;
    }
  }
  throw new assert.AssertionError({ message: `no enabled fault button (${n} found)` });
}

/** Fault entries in the list and markers on the seek bar. */
async function faultCounts(lab) {
  return {
    entries: await lab.page.locator(FAULT_ENTRIES).count(),
    markers: await lab.count('seek-marker'),
  };
}

/** Waits until the URL's `step` query equals n (replaceState after a manual step). */
async function waitUrlStep(lab, n) {
  return lab.until(
    () => new URL(lab.page.url()).searchParams.get('step'),
    (s) => s === String(n),
    `URL step=${n} (url ${lab.page.url()})`,
  );
}

/** Asserts that `url-error` is visible and names each key (as a word). */
async function assertUrlErrorNames(lab, keys, label) {
  assert.equal(await lab.count('url-error'), 1, `${label}: no url-error`);
  assert.ok(await lab.visible('url-error'), `${label}: url-error is not visible`);
  const text = await lab.text('url-error');
  for (const key of keys) {
    assert.match(text, new RegExp(`\\b${key}\\b`), `${label}: url-error does not name "${key}": ${text}`);
  }
  return text;
}

test('contract walk of every built simulation page', { timeout: 30 * 60_000 }, async (t) => {
  const pages = await discoverBuiltSimulations(env);
  assert.ok(pages.length >= 1, 'home shows no built simulation page');
  t.diagnostic(`built simulation pages: ${pages.map((p) => p.route).join(', ')}`);

  // PIPELAB_CONTRACT_ONLY=/etl-elt walks only the pages whose route contains it (local runs).
  const only = process.env.PIPELAB_CONTRACT_ONLY;
  for (const page of pages.filter((p) => !only || p.route.includes(only))) {
    await t.test(page.route, async (t) => {
      const open = (lab, query = '') => lab.open(page.route + query, page.root);

      // What the defaults are, and whether the page has a run-length parameter to shrink runs.
      const defaults = {};
      await env.withPage(async (lab) => {
        await open(lab);
        for (const name of RUN_LENGTH_PARAMS) {
          if (!defaults.runParam && (await lab.has(`param-${name}`))) defaults.runParam = name;
        }
        defaults.hasEvents = Boolean(defaults.runParam);
        defaults.seed = await lab.value('seed');
        defaults.events = defaults.hasEvents ? await lab.value(`param-${defaults.runParam}`) : null;
        defaults.total = await lab.int('step-total');
      });
      const runParam = `param-${defaults.runParam}`;
      const small = defaults.hasEvents ? `?v=1&${defaults.runParam}=${SMALL_EVENTS}` : '?v=1';
      const openSmall = (lab, extra = '') => open(lab, small + extra);

      await t.test('hooks are present and start at step 0', async () => {
        await env.withPage(async (lab) => {
          await open(lab);
          for (const name of hooksFor(page)) {
            assert.equal(await lab.count(name), 1, `${tid(name)} should appear exactly once`);
          }
          assert.ok((await lab.page.locator(PARAM_CONTROLS).count()) >= 1, 'no param-<field> control');
          assert.ok((await lab.page.locator(FAULT_BUTTONS).count()) >= 1, 'no fault-<kind> button');
          await lab.assertAbsent('url-error', 'url-error shown for a clean URL');
          await lab.assertAbsent('panic', 'panic shown');
          for (const err of await lab.page.locator(PARAM_ERRORS).all()) {
            assert.ok(!(await err.isVisible()), `${await err.getAttribute('data-testid')} shown at defaults`);
          }

          assert.equal(await lab.int('step'), 0);
          const total = await lab.int('step-total');
          assert.ok(total > 0, `step-total is ${total}`);

          const seek = await lab.loc('seek').evaluate((e) => ({
            tag: e.tagName, type: e.type, min: e.getAttribute('min'), max: e.getAttribute('max'),
          }));
          assert.deepEqual(seek, { tag: 'INPUT', type: 'range', min: '0', max: String(total) }, 'seek range');

          const speeds = await lab.loc('speed').evaluate((e) => ({ tag: e.tagName, values: [...(e.options ?? [])].map((o) => o.value) }));
          assert.equal(speeds.tag, 'SELECT', 'speed is not a <select>');
          assert.equal(speeds.values.at(-1), 'max', `last speed option is ${speeds.values.at(-1)}`);

          assert.match(await lab.value('seed'), /^\d+$/, 'seed is not a decimal u64');
          assert.equal(await lab.attr('play', 'aria-pressed'), 'false', 'play aria-pressed at load');
          assert.equal(await lab.attr('narration', 'aria-live'), 'polite', 'narration aria-live');
          assert.notEqual(await lab.text('narration'), '', 'narration is empty at step 0');
          assert.ok(await lab.disabled('step-back'), 'step-back enabled at step 0');
          assert.ok(!(await lab.disabled('step-forward')), 'step-forward disabled at step 0');
          assert.ok(
            await lab.loc('diagram').evaluate((e) => e.tagName.toLowerCase() === 'svg' || !!e.querySelector('svg')),
            'diagram is not an svg',
          );
          assert.notEqual(await lab.text('explainer'), '', 'explainer is empty');
          assert.ok((await lab.loc('preset').evaluate((e) => e.options?.length ?? 0)) >= 1, 'preset has no options');
        });
      });

      await t.test('step forward then back is exact (step and narration)', async () => {
        await env.withPage(async (lab) => {
          await openSmall(lab);
          const total = await lab.int('step-total');
          const start = total > 10 ? 5 : 0;
          const n = Math.min(5, total - start);
          await seekTo(lab, start);
          const narrations = [await lab.text('narration')];
          for (let i = 1; i <= n; i++) {
            await clickTo(lab, 'step-forward', start + i);
            narrations.push(await lab.text('narration'));
          }
          const active = await lab.page.locator(`${tid('code-panel')} [data-active="true"]`).count();
          assert.ok(active >= 1, 'code-panel highlights no line after a step');
          for (let i = n - 1; i >= 0; i--) {
            await clickTo(lab, 'step-back', start + i);
            assert.equal(await lab.text('narration'), narrations[i], `narration differs at step ${start + i} after stepping back`);
          }
        });
      });

      await t.test('to-start / to-end and disabled ends', async () => {
        await env.withPage(async (lab) => {
          await openSmall(lab);
          const total = await lab.int('step-total');
          await clickTo(lab, 'to-end', total);
          assert.ok(await lab.disabled('step-forward'), 'step-forward enabled at the end');
          assert.ok(!(await lab.disabled('step-back')), 'step-back disabled at the end');
          await clickTo(lab, 'step-back', total - 1);
          await clickTo(lab, 'to-start', 0);
          assert.ok(await lab.disabled('step-back'), 'step-back enabled at step 0');
          assert.ok(!(await lab.disabled('step-forward')), 'step-forward disabled at step 0');
        });
      });

      await t.test('seek acts on input events', async () => {
        await env.withPage(async (lab) => {
          await openSmall(lab);
          const total = await lab.int('step-total');
          const narration0 = await lab.text('narration');
          await seekTo(lab, Math.floor(total / 2));
          await seekTo(lab, total);
          assert.ok(await lab.disabled('step-forward'), 'step-forward enabled after seeking to the end');
          await seekTo(lab, 0);
          assert.equal(await lab.text('narration'), narration0, 'narration at 0 differs after seeking away and back');
        });
      });

      await t.test('keys: arrows, Home/End, Space, ? and ignored in the seed input', async () => {
        await env.withPage(async (lab) => {
          await openSmall(lab);
          const total = await lab.int('step-total');
          await lab.key('ArrowRight');
          await lab.waitStep(1);
          await lab.key('ArrowRight');
          await lab.waitStep(2);
          await lab.key('ArrowLeft');
          await lab.waitStep(1);
          await lab.key('End');
          await lab.waitStep(total);
          await lab.key('Home');
          await lab.waitStep(0);

          await slowSpeed(lab);
          await lab.key('Space');
          await lab.until(() => lab.attr('play', 'aria-pressed'), (v) => v === 'true', 'Space starts play');
          await lab.key('Space');
          await lab.until(() => lab.attr('play', 'aria-pressed'), (v) => v === 'false', 'Space pauses');

          await lab.key('?');
          await lab.loc('help-overlay').first().waitFor({ state: 'visible' });
          await lab.page.keyboard.press('Escape');
          await lab.loc('help-overlay').first().waitFor({ state: 'hidden' });

          // Keys typed into the seed input edit the seed, not the step.
          await seekTo(lab, 3);
          const seed = await lab.value('seed');
          await lab.loc('seed').first().focus();
          for (const key of ['ArrowRight', 'End', 'ArrowLeft', 'Home']) await lab.page.keyboard.press(key);
          await lab.page.waitForTimeout(300);
          assert.equal(await lab.int('step'), 3, 'a key in the seed input moved the step');
          assert.equal(await lab.attr('play', 'aria-pressed'), 'false', 'a key in the seed input started play');
          assert.equal(await lab.value('seed'), seed);
          await lab.blur();
        });
      });

      await t.test('play at max runs to the end and stops by itself', async () => {
        await env.withPage(async (lab) => {
          await openSmall(lab);
          const total = await lab.int('step-total');
          await lab.set('speed', 'max', ['input', 'change']);
          await lab.blur();
          await lab.click('play');
          await lab.waitStep(total, 60_000);
          await lab.until(() => lab.attr('play', 'aria-pressed'), (v) => v === 'false', 'play stops at the end');
          assert.ok(await lab.disabled('step-forward'), 'step-forward enabled after play reached the end');
          await waitUrlStep(lab, total);
        });
      });

      await t.test('URL records the step; reload restores step and narration', async () => {
        await env.withPage(async (lab) => {
          await openSmall(lab);
          for (let i = 1; i <= 3; i++) await clickTo(lab, 'step-forward', i);
          await waitUrlStep(lab, 3);
          const narration = await lab.text('narration');
          const url = lab.page.url();
          await lab.reload(page.root);
          assert.equal(lab.page.url(), url, 'reload changed the URL');
          await lab.waitStep(3);
          assert.equal(await lab.text('narration'), narration, 'narration differs after reload');
          await lab.assertAbsent('url-error', 'url-error after reloading an app-written URL');
        });
      });

      await t.test('a garbage query shows url-error naming the keys, and no panic', async () => {
        await env.withPage(async (lab) => {
          await open(lab, '?v=1&seed=banana&step=-3&events=zzz&faults=9:nope');
          const keys = ['seed', 'step', 'faults', ...(defaults.hasEvents ? ['events'] : [])];
          await assertUrlErrorNames(lab, keys, 'garbage query');
          await lab.assertAbsent('panic', 'panic after a garbage query');
          assert.equal(await lab.int('step'), 0, 'invalid step did not fall back to 0');
          assert.equal(await lab.value('seed'), defaults.seed, 'invalid seed did not fall back to the default');
          if (defaults.hasEvents) assert.equal(await lab.value(runParam), defaults.events);
          assert.equal((await faultCounts(lab)).entries, 0, 'an invalid fault was recorded');
          // The page still works.
          await clickTo(lab, 'step-forward', 1);
        });
      });

      await t.test('an unknown v opens with defaults and says so', async () => {
        await env.withPage(async (lab) => {
          await open(lab, '?v=99&seed=5&step=4');
          const text = await assertUrlErrorNames(lab, [], 'v=99');
          assert.match(text, /\bv\b|version|99/i, `url-error does not mention the version: ${text}`);
          assert.equal(await lab.int('step'), 0, 'v=99 did not open at the default step');
          assert.equal(await lab.value('seed'), defaults.seed, 'v=99 did not open with the default seed');
          await lab.assertAbsent('panic');
        });
      });

      await t.test('an invalid parameter shows its error with the bound', { skip: !defaults.hasEvents && 'no run-length parameter' }, async () => {
        await env.withPage(async (lab) => {
          await openSmall(lab);
          const total = await lab.int('step-total');
          const type = await lab.loc(runParam).evaluate((e) =>
            (e.matches('input') ? e : e.querySelector('input'))?.type ?? 'text');
          const bad = ['0', '999999999999', ...(type === 'number' ? [] : ['abc'])];
          for (const value of bad) {
            await lab.set(runParam, value);
            await lab.loc(`${runParam}-error`).first().waitFor({ state: 'visible' });
            const msg = await lab.text(`${runParam}-error`);
            assert.match(msg, /\d/, `${runParam}-error for ${JSON.stringify(value)} names no bound: ${msg}`);
            assert.equal(await lab.int('step-total'), total, `invalid events=${value} changed the run`);
          }
          await lab.set(runParam, String(SMALL_EVENTS));
          await lab.until(
            async () => (await lab.count(`${runParam}-error`)) === 0 || !(await lab.visible(`${runParam}-error`)),
            (gone) => gone,
            `${runParam}-error goes away for a valid value`,
          );
          await lab.assertAbsent('panic');
        });
      });

      await t.test('changing seed or a parameter rebuilds at the same step (clamped)', async () => {
        await env.withPage(async (lab) => {
          await openSmall(lab);
          const total = await lab.int('step-total');
          const at = Math.max(0, total - 10);
          await seekTo(lab, at);

          // A page whose run length depends on the seed (/etl-elt's source changes per
          // seed) clamps the step to the new step-total (PAGE-CONTRACT.md).
          const clamped = () => lab.until(
            async () => [await lab.int('step'), await lab.int('step-total')],
            ([s, n]) => s === Math.min(at, n),
            `step = min(${at}, step-total)`,
          );
          await lab.set('seed', '12345');
          await lab.until(() => lab.value('seed'), (v) => v === '12345', 'seed 12345 applied');
          await lab.page.waitForTimeout(200);
          await clamped();

          await lab.click('seed-random');
          const random = await lab.until(() => lab.value('seed'), (v) => v !== '12345', 'seed-random changes the seed');
          assert.match(random, /^\d+$/, `seed-random gave ${random}`);
          await lab.page.waitForTimeout(200);
          await clamped();

          if (defaults.hasEvents) {
            // 2/3 of the small run: certainly valid, and short enough to clamp the step.
            const smaller = Math.floor((SMALL_EVENTS * 2) / 3);
            await lab.set(runParam, String(smaller));
            const newTotal = await lab.until(() => lab.int('step-total'), (n) => n < total, 'step-total shrinks');
            await lab.waitStep(Math.min(at, newTotal));
          }

          await lab.click('reset');
          await lab.until(() => lab.value('seed'), (v) => v === defaults.seed, 'reset restores the default seed');
          if (defaults.hasEvents) {
            await lab.until(() => lab.value(runParam), (v) => v === defaults.events, 'reset restores events');
          }
        });
      });

      await t.test('faults: inject adds an entry and a seek marker; later faults are cut; remove', async () => {
        await env.withPage(async (lab) => {
          await openSmall(lab);
          const total = await lab.int('step-total');
          const [a, b, c] = [Math.min(20, total), Math.min(30, total), Math.min(10, total)];
          const before = await faultCounts(lab);
          assert.deepEqual(before, { entries: 0, markers: 0 }, 'faults at load');

          await seekTo(lab, a);
          await injectFirstFault(lab);
          await lab.until(() => faultCounts(lab), (f) => f.entries === 1 && f.markers === 1, 'one fault entry and marker');
          assert.equal(await lab.int('step'), a, 'injecting a fault consumed a step');
          assert.match(await lab.text('faults'), new RegExp(`\\b${a}\\b`), 'fault entry does not show its step');

          await seekTo(lab, b);
          await injectFirstFault(lab);
          await lab.until(() => faultCounts(lab), (f) => f.entries === 2 && f.markers === 2, 'two faults');

          // Injecting earlier deletes the recorded faults after that step.
          await seekTo(lab, c);
          await injectFirstFault(lab);
          await lab.until(() => faultCounts(lab), (f) => f.entries === 1 && f.markers === 1, 'later faults cut');

          await lab.page.locator(FAULT_ENTRIES).first().click();
          await lab.until(() => faultCounts(lab), (f) => f.entries === 0 && f.markers === 0, 'fault removed');
        });
      });

      await t.test('narration log lines seek to their step', async () => {
        await env.withPage(async (lab) => {
          await openSmall(lab);
          await seekTo(lab, Math.min(10, await lab.int('step-total')));
          await lab.waitCount('narration-line', (n) => n >= 2);
          const current = await lab.int('step');
          const steps = await lab.page.locator(tid('narration-line')).evaluateAll((ls) =>
            ls.map((l) => l.getAttribute('data-step')));
          const target = steps.find((s) => /^\d+$/.test(s ?? '') && Number(s) !== current);
          assert.ok(target !== undefined, `no narration-line with another data-step (${steps})`);
          await lab.page.locator(`${tid('narration-line')}[data-step="${target}"]`).first().click();
          await lab.waitStep(Number(target));
        });
      });

      await t.test('next-notable jumps forward to a notable event (a fault is one)', async () => {
        await env.withPage(async (lab) => {
          await openSmall(lab);
          const at = Math.min(40, await lab.int('step-total'));
          await seekTo(lab, at);
          await injectFirstFault(lab);
          await lab.until(() => faultCounts(lab), (f) => f.entries === 1, 'fault injected');
          await clickTo(lab, 'to-start', 0);
          await lab.click('next-notable');
          const s = await lab.until(() => lab.int('step'), (s) => s > 0, 'next-notable moves forward');
          assert.ok(s <= at, `next-notable skipped the fault at ${at} (went to ${s})`);
        });
      });

      await t.test('clicking a diagram element shows it in the inspect panel', async () => {
        await env.withPage(async (lab) => {
          await openSmall(lab, '&step=20');
          const target = lab.page.locator(`${tid('diagram')} [data-inspect]`).first();
          assert.ok((await lab.page.locator(`${tid('diagram')} [data-inspect]`).count()) >= 1, 'diagram has no [data-inspect]');
          // A real click first; SVG shapes can overlap, so fall back to dispatching the click.
          await target.click({ timeout: 3_000 }).catch(() => target.dispatchEvent('click'));
          await lab.loc('inspect').first().waitFor({ state: 'visible' });
          assert.notEqual(await lab.text('inspect'), '', 'inspect panel is empty');
        });
      });

      await t.test('fits 375 and 1440 px without horizontal scroll; screenshots', async () => {
        const name = page.root.replace(/^page-/, '');
        for (const [viewport, colorScheme, suffix] of [
          [MOBILE, 'light', ''], [DESKTOP, 'light', ''], [DESKTOP, 'dark', '-dark'],
        ]) {
          await env.withPage({ viewport, colorScheme }, async (lab) => {
            await open(lab, '?v=1&step=150');
            await lab.until(() => lab.int('step'), (s) => s === Math.min(150, defaults.total), 'step 150 from the URL');
            await lab.assertAbsent('url-error', 'url-error for a valid URL');
            await lab.assertNoHorizontalScroll(`${page.route} at ${viewport.width}px`);
            await lab.screenshot(name + suffix);
          });
        }
      });

      await t.test('browser Back/Forward move between pages, not steps', async () => {
        await env.withPage(async (lab) => {
          await lab.open('/', 'page-home');
          const card = (await readCards(lab)).find((c) => c.root === page.root);
          assert.ok(card, `no home card for ${page.route}`);
          const el = lab.loc(card.testid).first();
          const link = (await el.evaluate((e) => e.matches('a'))) ? el : el.locator('a[href]').first();
          await link.click();
          await lab.waitReady(page.root);
          for (let i = 1; i <= 3; i++) await clickTo(lab, 'step-forward', i);
          await waitUrlStep(lab, 3);
          await lab.page.goBack();
          await lab.waitReady('page-home');
          assert.equal(new URL(lab.page.url()).pathname, '/', 'Back did not return home');
          await lab.page.goForward();
          await lab.waitReady(page.root);
          await lab.waitStep(3);
        });
      });
    });
  }
});
