// Accessibility and devices (issue 10), on every page of the site:
//   - an axe-core audit (the npm package, injected through the DevTools protocol so the
//     page's CSP does not apply to it) finds no serious or critical violation, in the light
//     and the dark scheme and at both sizes;
//   - the keyboard alone reaches every visible control, each showing a visible focus, and
//     nothing traps the focus;
//   - every chart has a text alternative: an accessible name and a data table;
//   - 375 × 667 and 1440 × 900 need no horizontal scroll; a screenshot of each size is written
//     to target/screenshots/every-page-<name>-<w>x<h>.png.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DESKTOP, EVERY_PAGE, MOBILE, setup } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

/** Runs axe-core in the page (through CDP, past the CSP) and returns its violations. */
async function axeViolations(lab) {
  const cdp = await lab.context.newCDPSession(lab.page);
  try {
    const injected = await cdp.send('Runtime.evaluate', { expression: AXE_SOURCE });
    if (injected.exceptionDetails) throw new Error(`axe-core did not load: ${injected.exceptionDetails.text}`);
    const run = await cdp.send('Runtime.evaluate', {
      expression: `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
      })))`,
      awaitPromise: true,
      returnByValue: true,
    });
    if (run.exceptionDetails) throw new Error(`axe.run failed: ${run.exceptionDetails.exception?.description}`);
    return run.result.value;
  } finally {
    await cdp.detach().catch(() => {});
  }
}

function describeViolations(violations) {
  return violations
    .map((v) => `${v.impact} ${v.id} (${v.help}):\n${v.nodes.slice(0, 4).map((n) => `      ${n.target}: ${n.summary}`).join('\n')}`)
    .join('\n  ');
}

/**
 * Marks every control the keyboard should reach (visible, enabled, in the tab order; one per
 * radio group) with data-kbd and returns how they read.
 */
async function markControls(lab) {
  return lab.page.evaluate(() => {
    const selector = 'a[href], button, input, select, textarea, summary, [tabindex]';
    const shown = (el) => el.checkVisibility({ checkOpacity: false, checkVisibilityCSS: true })
      && el.getClientRects().length > 0;
    const radioGroups = new Set();
    const controls = [];
    for (const el of document.querySelectorAll(selector)) {
      el.removeAttribute('data-kbd');
      if (el.tabIndex < 0 || el.disabled || el.closest('[inert]') || !shown(el)) continue;
      if (el.matches('input[type="hidden"]')) continue;
      if (el.matches('input[type="radio"]')) {
        const group = `${el.form?.id ?? ''}/${el.name}`;
        if (el.name && radioGroups.has(group)) continue;
        radioGroups.add(group);
      }
      el.setAttribute('data-kbd', String(controls.length));
      const label = el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40) || el.getAttribute('data-testid') || el.tagName;
      controls.push(`${el.tagName.toLowerCase()}${el.type ? `[${el.type}]` : ''} "${label}"`);
    }
    return controls;
  });
}

/**
 * Presses Tab through the page from its start and returns what received focus: the data-kbd
 * marks reached, and the reached controls without a visible focus indicator.
 */
async function tabThrough(lab, count) {
  await lab.page.evaluate(() => {
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  const reached = new Set();
  const invisible = [];
  let stuck = 0;
  let last = null;
  for (let i = 0; i < count; i++) {
    await lab.page.keyboard.press('Tab');
    const f = await lab.page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
      const ring = s.boxShadow && s.boxShadow !== 'none';
      return {
        mark: el.getAttribute('data-kbd'),
        what: `${el.tagName.toLowerCase()} ${el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? el.textContent.trim().slice(0, 30)}`,
        visible: outline || !!ring,
        focusVisible: el.matches(':focus-visible'),
        id: el.getAttribute('data-kbd') ?? el.outerHTML.slice(0, 60),
      };
    });
    if (!f) continue;
    if (f.id === last) stuck++;
    else stuck = 0;
    last = f.id;
    assert.ok(stuck < 3, `the focus is trapped on ${f.what}: Tab does not move it`);
    if (f.mark !== null) reached.add(f.mark);
    if (!(f.visible && f.focusVisible)) invisible.push(f.what);
  }
  return { reached, invisible };
}

for (const [name, route, root] of EVERY_PAGE) {
  describe(`every page: ${name}`, () => {
    test('axe-core finds no serious or critical violation (light and dark, both sizes)', async () => {
      for (const [viewport, colorScheme] of [[DESKTOP, 'light'], [DESKTOP, 'dark'], [MOBILE, 'light']]) {
        await env.withPage({ viewport, colorScheme }, async (lab) => {
          await lab.open(route, root);
          const violations = await axeViolations(lab);
          const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
          assert.deepEqual(
            bad.map((v) => v.id),
            [],
            `${route} at ${viewport.width}px, ${colorScheme}:\n  ${describeViolations(bad)}`,
          );
        });
      }
    });

    test('the keyboard reaches every control, each with a visible focus', async () => {
      await env.withPage(async (lab) => {
        await lab.open(route, root);
        const controls = await markControls(lab);
        assert.ok(controls.length >= 1, `${route} has no control at all`);
        const { reached, invisible } = await tabThrough(lab, controls.length + 10);
        const missed = controls.filter((_, i) => !reached.has(String(i)));
        assert.deepEqual(missed, [], `${route}: Tab never reaches these controls`);
        assert.deepEqual([...new Set(invisible)], [], `${route}: focus is not visible on these`);

        // A diagram shape that is a button works from the keyboard: Space opens it in the
        // inspect panel, and does not start playing.
        const shapes = lab.page.locator('[data-inspect][role="button"]');
        if (await shapes.count()) {
          const before = await lab.has('inspect') ? await lab.text('inspect') : '';
          await shapes.first().focus();
          await lab.page.keyboard.press(' ');
          await lab.until(async () => (await lab.has('inspect')) ? lab.text('inspect') : '', (t) => t !== '' && t !== before, `${route}: Space on a diagram shape fills the inspect panel`);
          assert.equal(await lab.attr('play', 'aria-pressed'), 'false', `${route}: Space on a shape started playing`);
        }
      });
    });

    test('fits 375 × 667 and 1440 × 900 without horizontal scroll; screenshots', async () => {
      for (const viewport of [MOBILE, DESKTOP]) {
        await env.withPage({ viewport }, async (lab) => {
          await lab.open(route, root);
          await lab.assertNoHorizontalScroll(`${route} at ${viewport.width}px`);
          await lab.screenshot(`every-page-${name}`);
        });
      }
    });

    test('every chart has a name and a data table', async () => {
      await env.withPage(async (lab) => {
        await lab.open(route, root);
        const charts = await lab.page.evaluate(() =>
          [...document.querySelectorAll('figure[data-testid^="chart-"]')].map((c) => ({
            id: c.getAttribute('data-testid'),
            name: c.querySelector('[role="img"]')?.getAttribute('aria-label') ?? '',
            tables: [...c.querySelectorAll('table')].map((t) => ({
              caption: t.caption?.textContent.trim() ?? '',
              rows: t.tBodies[0]?.rows.length ?? 0,
              heads: t.tHead?.rows[0]?.cells.length ?? 0,
            })),
          })),
        );
        for (const c of charts) {
          assert.ok(c.name.length > 10, `${c.id} has no accessible name (${JSON.stringify(c.name)})`);
          assert.equal(c.tables.length, 1, `${c.id} has no data table`);
          assert.ok(c.tables[0].rows >= 1 && c.tables[0].heads >= 2, `${c.id}: the table is empty (${JSON.stringify(c.tables[0])})`);
          assert.ok(c.tables[0].caption.length > 0, `${c.id}: the table has no caption`);
        }
      });
    });
  });
}
