// A preset that switches a pitfall on ticks its checkbox and puts it in the link, so a shared
// or reloaded link shows the same run (issue 22, "what a newcomer hit"). Every preset of every
// page is checked natively (core/src/registry.rs, every_preset_of_every_page_is_whole_in_its_link);
// this one test checks the browser wiring: the checkbox, the URL, and a reload.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PATTERNS, setup, tid } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

describe('pitfall presets', () => {
  test("the note's UNION ALL preset ticks its pitfall, writes it to the link, and a reload keeps it", async () => {
    await env.withPage(async (lab) => {
      await lab.open('/lambda', 'page-lambda');
      const value = await lab.loc('preset').first().evaluate((select) => {
        const o = [...select.options].find((o) => o.value === 'note-union-all');
        return o ? o.value : null;
      }, null);
      assert.equal(value, 'note-union-all');
      await lab.set('preset', value, ['input', 'change']);
      await lab.waitStep(433);
      const box = lab.page.locator(tid('pitfall-union-all'));
      await lab.until(() => box.isChecked(), (c) => c === true, 'the pitfall box is ticked');
      await lab.until(() => lab.page.url(), (u) => /[?&]pitfalls=union-all/.test(u), 'the link carries the pitfall');
      await lab.reload('page-lambda');
      await lab.waitStep(433);
      assert.equal(await box.isChecked(), true, 'still ticked after a reload');
    });
  });
});

describe('/note', () => {
  test('says what the note is, and each pitfall link opens its run with the pitfall ticked', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/note', 'page-note');
      assert.match(await lab.text('page-note'), /study note/);
      // Every pattern's section links at least one of its pitfalls to a run that shows it.
      for (const slug of PATTERNS) {
        const links = await lab.page.locator(`${tid(`note-${slug}`)} ${tid('note-pitfall-link')}`).count();
        assert.ok(links >= 1, `the ${slug} section links no pitfall`);
      }
      await lab.page.locator(`${tid('note-kappa')} ${tid('note-pitfall-link')}`).first().click();
      await lab.waitReady('page-kappa');
      const box = lab.page.locator(tid('pitfall-latest-offset'));
      await lab.until(() => box.isChecked(), (c) => c === true, 'the pitfall box is ticked');
      // The pattern page says where "the note" comes from.
      assert.equal(await lab.page.locator('a[href="/note"]').count() >= 1, true);
    });
  });
});

describe('the explainer and print', () => {
  test('a link at the top leads to the explainer; printing renders the lazy panels', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/sharding?v=1&step=20', 'page-sharding');
      assert.equal(await lab.attr('explainer-link', 'href'), '#explainer');
      const visibility = () => lab.page.evaluate(() =>
        getComputedStyle(document.querySelector('[data-testid="explainer"]')).contentVisibility);
      assert.equal(await visibility(), 'auto', 'lazy while on screen use');
      await lab.page.emulateMedia({ media: 'print' });
      assert.equal(await visibility(), 'visible', 'print renders it');
      await lab.page.emulateMedia({ media: 'screen' });
      await lab.page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
      assert.equal(await visibility(), 'visible', 'beforeprint renders it');
      await lab.page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
      assert.equal(await visibility(), 'auto', 'and lazy again afterwards');
      await lab.click('explainer-link');
      await lab.until(() => lab.page.evaluate(() => location.hash), (h) => h === '#explainer', 'jumped to the explainer');
    });
  });
});
