// Contracts-specific checks (issue 8): pasted invalid JSON is answered with its position
// and loses nothing; a form edit rebuilds the run at the same step and marks the records
// whose verdict flipped; the note's validator raises AttributeError and stops the
// pipeline while the oracle disagrees; a rename without a contract change dead-letters every later record; a new
// version is checked for compatibility with a witness, then adopted. Through the page's
// own controls.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNumber, setup } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const ROOT = 'page-contracts';

async function badge(lab, state) {
  return lab.until(
    async () => lab.loc('truth-verdicts').first().getAttribute('data-state'),
    (s) => s === state,
    `truth-verdicts ${state}`,
    30_000,
  );
}

describe('/contracts', () => {
  test('invalid JSON is answered with its line and column; the run and the contract are kept', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/contracts?v=1&seed=42&step=150', ROOT);
      await lab.waitStep(150);
      const accepted = await lab.text('accepted');
      const before = await lab.value('param-contract');
      await lab.set('param-contract', '{"name": "orders",\n  "version": 1,\n  "fields": [ {"name": "a", "type": "int"} ,, ]\n}', ['input']);
      await lab.click('contract-apply');
      const msg = await lab.waitText('param-contract-error', /line 3, column \d+/);
      assert.match(msg, /invalid JSON/, msg);
      assert.equal(await lab.int('step'), 150);
      assert.equal(await lab.text('accepted'), accepted, 'a refused contract changed the run');
      await lab.set('param-contract', '{"name": "orders", "version": 1, "fields": [{"name": "amount", "type": "money"}]}', ['input']);
      await lab.click('contract-apply');
      await lab.waitText('param-contract-error', /fields\[0\]\.type: “money” is not one of/);
      await lab.click('contract-revert');
      await lab.until(() => lab.value('param-contract'), (v) => v === before, 'revert restores the contract text');
      assert.equal(await lab.count('param-contract-error'), 0);
      await lab.assertAbsent('panic');
    });
  });

  test('a form edit rebuilds at the same step and marks the records whose verdict flipped', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/contracts?v=1&seed=42&step=300', ROOT);
      await lab.waitStep(300);
      await badge(lab, 'correct');
      const accepted = parseNumber(await lab.text('accepted'));
      // amount (field 2) at least 100.00: cheaper orders are now rejected.
      await lab.set('cf-2-min', '100', ['change']);
      // The rebuilt run shows step 0 (nothing accepted) until its seek back lands.
      await lab.waitStep(300);
      await lab.until(async () => parseNumber(await lab.text('accepted')), (n) => n < accepted, 'fewer accepted');
      const flips = await lab.until(async () => parseNumber(await lab.text('flips')), (n) => Number.isFinite(n), 'flips counted', 30_000);
      const now = parseNumber(await lab.text('accepted'));
      assert.equal(flips, accepted - now, 'every newly rejected record is a flip (none became valid)');
      await badge(lab, 'correct');
      const marks = await lab.loc('table-records').first().locator('tbody tr td:last-child').allTextContents();
      assert.ok(marks.some((m) => m === 'flipped: now rejected'), marks.join(' | '));
      assert.match(await lab.text('code-panel'), /amount: Decimal = Field\(ge=Decimal\("100"\)/);
      await lab.set('cf-2-min', 'abc', ['change']);
      await lab.waitText('contract-form-error', /“abc” is not a number/);
    });
  });

  test('the note’s validator raises and stops the pipeline; the oracle disagrees', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/contracts?v=1&seed=42&defects=future&invalid=0.3&step=300', ROOT);
      await lab.waitStep(300);
      await badge(lab, 'correct');
      const dead = parseNumber(await lab.text('dead'));
      assert.ok(dead > 40, `only ${dead} dead letters`);
      await lab.loc('pitfall-wrong-field').first().check();
      await lab.until(async () => parseNumber(await lab.text('dead')), (n) => n < dead, 'the pipeline stopped');
      await lab.waitText('narration', /AttributeError/);
      await badge(lab, 'wrong');
      const delta = Number(await lab.loc('truth-verdicts').first().getAttribute('data-delta'));
      assert.ok(delta < 0, `the page dead-letters fewer than the oracle (delta ${delta})`);
      assert.match(await lab.text('code-panel'), /@field_validator\("status"\)/);
    });
  });

  test('a rename without a contract change dead-letters every record after it', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/contracts?v=1&seed=42&invalid=0&step=200', ROOT);
      await lab.waitStep(200);
      assert.equal(parseNumber(await lab.text('dead')), 0);
      await lab.click('fault-rename-field');
      await lab.waitText('narration', /renames user_id to customer_id/);
      await lab.click('step-forward');
      await lab.waitStep(201);
      const v = await lab.text('violations');
      assert.match(v, /user_id is required but missing/);
      assert.match(v, /customer_id is not in the contract/);
      await lab.seek(260);
      await lab.waitStep(260);
      assert.equal(parseNumber(await lab.text('dead')), 60);
      await badge(lab, 'correct');
    });
  });

  test('a new version: backward-incompatible with a witness, then adopted', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/contracts?v=1&seed=42&invalid=0&step=100', ROOT);
      await lab.waitStep(100);
      const next = (await lab.value('next-contract')).replace('{"name":"coupon","type":"string"}', '{"name":"coupon","type":"string","required":true}');
      assert.match(next, /"version": 2/);
      await lab.set('next-contract', next, ['input']);
      await lab.click('compat-check');
      await lab.until(() => lab.attr('compat-backward', 'data-ok'), (v) => v === 'false', 'backward fails');
      assert.equal(await lab.attr('compat-forward', 'data-ok'), 'true');
      assert.equal(await lab.attr('compat-full', 'data-ok'), 'false');
      const text = await lab.text('diagram').then(() => lab.page.locator('.compat').first().textContent());
      assert.match(text, /coupon is required but missing/, text);
      await lab.click('compat-adopt');
      await lab.until(() => lab.text('diagram'), (t) => /contract v2/.test(t), 'version 2 in force');
      assert.equal(await lab.int('step'), 100);
      assert.ok(parseNumber(await lab.text('dead')) > 50, 'records without a coupon are now rejected');
    });
  });
});
