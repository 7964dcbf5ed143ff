// The non-simulation pages (PAGE-CONTRACT.md, "Non-simulation pages"): home, not-found and the
// quiz; the home cards (built ones link to their page, unbuilt ones are not links and their routes
// show not-found); and garbage query strings tolerated without a panic.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMPARE_PAIRS, DESKTOP, MOBILE, PATTERNS, readCards, setup, tid,
} from './harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

/** A non-simulation page: ready, no transport, no panic. */
async function assertNonSimulation(lab, label) {
  await lab.assertAbsent('panic', `${label}: panic shown`);
  assert.equal(await lab.count('step'), 0, `${label}: has a transport (step hook) but should not`);
  assert.equal(await lab.count('play'), 0, `${label}: has a play button but should not`);
}

/** A not-found page with a link home. */
async function assertNotFound(lab, label) {
  const root = await lab.root();
  assert.equal(root, 'page-not-found', `${label}: expected page-not-found, got ${root}`);
  const homeLinks = await lab.page.evaluate((sel) =>
    [...document.querySelectorAll(`${sel} a[href]`)].filter((a) => new URL(a.href).pathname === '/').length,
  tid('page-not-found'));
  assert.ok(homeLinks >= 1, `${label}: page-not-found has no link home`);
  await assertNonSimulation(lab, label);
}

describe('home', () => {
  test('is ready, has no transport, and fits 375 and 1440 px', async () => {
    for (const viewport of [MOBILE, DESKTOP]) {
      await env.withPage({ viewport }, async (lab) => {
        assert.equal(await lab.open('/', 'page-home'), 'page-home');
        await assertNonSimulation(lab, '/');
        await lab.assertNoHorizontalScroll(`/ at ${viewport.width}px`);
        await lab.screenshot('home');
      });
    }
    await env.withPage({ viewport: DESKTOP, colorScheme: 'dark' }, async (lab) => {
      await lab.open('/', 'page-home');
      await lab.screenshot('home-dark');
    });
  });

  test('has a card per pattern, compare view and the quiz; built cards link, unbuilt do not', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/', 'page-home');
      const cards = await readCards(lab);
      const ids = new Set(cards.map((c) => c.testid));
      const expected = [
        ...PATTERNS.map((s) => `card-${s}`),
        ...COMPARE_PAIRS.map((p) => `card-compare-${p}`),
        'card-quiz',
      ];
      for (const id of expected) assert.ok(ids.has(id), `home has no ${tid(id)}`);
      assert.equal(ids.size, cards.length, 'duplicate card testids on home');

      for (const c of cards) {
        assert.ok(c.built === 'true' || c.built === 'false', `${c.testid}: data-built is ${c.built}`);
        if (c.built === 'true') {
          assert.ok(c.hrefs.includes(c.route), `${c.testid} is built but has no link to ${c.route} (links: ${c.hrefs})`);
        } else {
          assert.deepEqual(c.hrefs, [], `${c.testid} is not built but contains links ${c.hrefs}`);
          assert.equal(c.isLink, false, `${c.testid} is not built but is itself a link`);
        }
      }
      // Issue 2 builds sharding first; everything the walk relies on starts there.
      assert.equal(cards.find((c) => c.testid === 'card-sharding')?.built, 'true', 'card-sharding is not built');
    });
  });

  test('every built card route opens its page; every unbuilt route shows not-found with a link home', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/', 'page-home');
      const cards = await readCards(lab);
      for (const c of cards) {
        const root = await lab.open(c.route);
        if (c.built === 'true') {
          assert.equal(root, c.root, `${c.route}: built card, but the route shows ${root}`);
        } else {
          await assertNotFound(lab, c.route);
        }
      }
    });
  });

  test('a built card link navigates in-app and Back returns home', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/', 'page-home');
      const built = (await readCards(lab)).find((c) => c.built === 'true' && c.kind === 'pattern');
      assert.ok(built, 'no built pattern card on home');
      const card = lab.loc(built.testid).first();
      const link = (await card.evaluate((el) => el.matches('a'))) ? card : card.locator('a[href]').first();
      await link.click();
      await lab.waitReady(built.root);
      assert.equal(new URL(lab.page.url()).pathname, built.route);
      await lab.page.goBack();
      await lab.waitReady('page-home');
      assert.equal(new URL(lab.page.url()).pathname, '/');
    });
  });

  test('tolerates a garbage query string', async () => {
    await env.withPage(async (lab) => {
      assert.equal(await lab.open('/?v=zz&seed=%%&step=-1&faults=::&x=%E0%A4%A', 'page-home'), 'page-home');
      await assertNonSimulation(lab, '/ with garbage query');
    });
  });
});

describe('not-found', () => {
  test('an unknown route with a garbage query shows not-found with a link home', async () => {
    for (const viewport of [MOBILE, DESKTOP]) {
      await env.withPage({ viewport }, async (lab) => {
        await lab.open('/nope/x?y=%%', 'page-not-found');
        await assertNotFound(lab, '/nope/x?y=%%');
        await lab.assertNoHorizontalScroll(`/nope/x at ${viewport.width}px`);
        await lab.screenshot('not-found');
      });
    }
  });

  test('the link home goes home', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/nope', 'page-not-found');
      // The first link whose resolved path is "/" (href may be relative or absolute).
      const i = await lab.page.evaluate((sel) =>
        [...document.querySelectorAll(`${sel} a[href]`)].findIndex((a) => new URL(a.href).pathname === '/'),
      tid('page-not-found'));
      assert.ok(i >= 0, 'page-not-found has no link home');
      await lab.page.locator(`${tid('page-not-found')} a[href]`).nth(i).click();
      await lab.waitReady('page-home');
    });
  });
});

describe('quiz', () => {
  test('/quiz is ready, has no transport and tolerates a garbage query', async () => {
    await env.withPage(async (lab) => {
      for (const q of ['', '?v=1&q=%%&answer=-1&seed=x']) {
        const root = await lab.open(`/quiz${q}`);
        assert.ok(root === 'page-quiz' || root === 'page-not-found', `/quiz${q} shows ${root}`);
        if (root === 'page-not-found') await assertNotFound(lab, `/quiz${q}`);
        else await assertNonSimulation(lab, `/quiz${q}`);
      }
    });
  });
});

describe('note', () => {
  test('/note is ready, has no transport and tolerates a garbage query', async () => {
    await env.withPage(async (lab) => {
      for (const q of ['', '?v=1&q=%%&step=-1&seed=x']) {
        const root = await lab.open(`/note${q}`);
        assert.equal(root, 'page-note', `/note${q} shows ${root}`);
        await assertNonSimulation(lab, `/note${q}`);
      }
    });
  });
});
