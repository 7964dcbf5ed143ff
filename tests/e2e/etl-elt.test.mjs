// ETL/ELT-specific checks (issue 6): at the end of a night both paths publish the oracle's
// aggregate and ELT kept the raw rows; a rule change is re-derived by ELT at once while ETL
// stays wrong until it has extracted again; a load whose acknowledgement is lost is sent
// again, so its chunk is twice in staging and the answer right; the note's append staging
// (pitfall) reads every night and keeps deleted orders. Faults, parameters and the pitfall
// are driven through the page's own controls.

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

const ROOT = 'page-etl-elt';

async function badge(lab, metric) {
  const b = lab.loc(`truth-${metric}`).first();
  await b.waitFor({ state: 'attached' });
  return {
    state: await b.getAttribute('data-state'),
    truth: await b.getAttribute('data-truth'),
    delta: Number(await b.getAttribute('data-delta')),
    text: ((await b.textContent()) ?? '').trim(),
  };
}

async function nextNotable(lab) {
  const before = await lab.int('step');
  await lab.click('next-notable');
  return lab.until(() => lab.int('step'), (s) => s > before, 'a later notable step');
}

/** The cells of the nights table's row for night `n`. */
async function nightRow(lab, n) {
  return lab.page.locator('[data-testid="table-nights"] tbody tr').nth(n - 1).locator('td').allTextContents();
}

describe('/etl-elt', () => {
  test('the end of a night: both paths publish the oracle aggregate, ELT kept every raw row, the stream was first', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/etl-elt?v=1&seed=1&step=0', ROOT);
      await lab.waitStep(0);
      assert.equal((await badge(lab, 'etl')).state, 'pending', 'nothing published at step 0');
      await nextNotable(lab);
      assert.match(await lab.text('narration'), /Night 1 is extracted \([\d,]+ rows\): ETL loads its \d+-row aggregate/);
      for (const m of ['etl', 'elt']) {
        const b = await badge(lab, m);
        assert.equal(b.state, 'correct', `${m}: ${b.text}`);
        assert.equal(b.truth, 'final');
      }
      const extracted = parseNumber((await nightRow(lab, 1))[1]);
      assert.equal(parseNumber(await lab.text('staging-rows')), extracted, 'staging holds every extracted row, bad ones included');
      const cells = await nightRow(lab, 1);
      const ms = (t) => (t.endsWith(' s') ? parseFloat(t) * 1000 : parseFloat(t));
      assert.ok(ms(cells[8]) < ms(cells[5]), `the stream's first data (${cells[8]}) comes before ETL's (${cells[5]})`);
      // The picture's boxes work from the keyboard too.
      await lab.page.locator('[data-testid="diagram"] [data-inspect="box-staging"]').focus();
      await lab.page.keyboard.press('Enter');
      await lab.until(() => lab.text('inspect'), (t) => /stg_raw_orders holds [\d,]+ raw rows/.test(t), 'staging inspected by keyboard');
      // ELT's table rows all agree with the oracle.
      const oracle = await lab.page.locator('[data-testid="table-elt-table"] tbody tr td:last-child').allTextContents();
      assert.ok(oracle.length >= 1 && oracle.every((t) => t === '✓'), `oracle column: ${oracle}`);
    });
  });

  test('mid-night the stream is right for the rows so far', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/etl-elt?v=1&seed=6&step=450', ROOT);
      await lab.waitStep(450);
      const b = await badge(lab, 'stream');
      assert.equal(b.truth, 'so-far');
      assert.equal(b.state, 'correct', b.text);
    });
  });

  test('a rule change: ELT re-derives at once, ETL is wrong until it has extracted again', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/etl-elt?v=1&seed=2&step=0', ROOT);
      await nextNotable(lab); // the end of night 1
      await lab.click('fault-rule-change');
      await lab.until(() => lab.text('narration'), (t) => /ELT re-derives night 1's answer at once/.test(t), 'the change is narrated');
      assert.equal((await badge(lab, 'elt')).state, 'correct', 'ELT re-derived from staging');
      const etl = await badge(lab, 'etl');
      assert.equal(etl.state, 'wrong', `ETL still holds v1 numbers: ${etl.text}`);
      assert.ok(etl.delta > 0);
      assert.match(await lab.text('code-panel'), /status = 'paid'/);
      await nextNotable(lab); // the end of night 2: ETL extracted again with v2
      assert.match(await lab.text('narration'), /Night 2 is extracted/);
      assert.equal((await badge(lab, 'etl')).state, 'correct', 'ETL is right once it re-extracted');
    });
  });

  test('a committed load sent again leaves its chunk twice in staging and the answer right', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/etl-elt?v=1&seed=4&step=50', ROOT);
      await lab.waitStep(50);
      await lab.click('fault-load-fail');
      await lab.until(() => lab.text('narration'), (t) => /will commit but lose its acknowledgement/.test(t), 'the lost acknowledgement is armed');
      await nextNotable(lab);
      const text = await lab.text('narration');
      const m = text.match(/INSERT of ([\d,]+) rows committed but its acknowledgement was lost/);
      assert.ok(m, text);
      const step = await lab.int('step');
      assert.equal(parseNumber(await lab.text('staging-rows')), step + parseNumber(m[1]), 'the whole chunk is in staging twice');
      await nextNotable(lab);
      assert.match(await lab.text('narration'), /Night 1 is extracted/);
      assert.equal((await badge(lab, 'elt')).state, 'correct', 'one row per order: the duplicates do not count');
    });
  });

  test("the note's append staging (pitfall): the transform reads every night and deleted orders keep counting", async () => {
    await env.withPage(async (lab) => {
      await lab.open('/etl-elt?v=1&seed=3&churn=0.3', ROOT);
      const total = await lab.int('step-total');
      await lab.click('to-end');
      await lab.waitStep(total);
      assert.equal((await badge(lab, 'elt')).state, 'correct', 'partitioned staging is right');
      const night3 = await nightRow(lab, 3);
      assert.equal(parseNumber(night3[2]), parseNumber(night3[1]), 'the transform reads one night');

      await lab.loc('pitfall-append-staging').first().check();
      const wrong = await lab.until(() => badge(lab, 'elt'), (b) => b.state === 'wrong', 'ELT goes wrong');
      assert.ok(wrong.delta > 0, wrong.text);
      const rows = await nightRow(lab, 3);
      const all = (await Promise.all([1, 2, 3].map((n) => nightRow(lab, n)))).reduce((a, r) => a + parseNumber(r[1]), 0);
      assert.equal(parseNumber(rows[2]), all, 'the transform reads all three nights');
      assert.equal((await badge(lab, 'etl')).state, 'correct', 'ETL does not stage: untouched');
      const code = await lab.text('code-panel');
      assert.match(code, /to_sql\("stg_raw_orders", warehouse, if_exists="append"/);
      assert.doesNotMatch(code, /_run/, 'nothing records which night wrote a row');
    });
  });
});
