// /compare/hash-vs-range (issue 7): the same orders and queries on a hash- and a
// range-partitioned table; each side's answers checked against the oracle's full scan; the
// note's quarter bounds make only the range side lose rows; one added partition moves rows
// on the hash side and none on the range side.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNumber, setup } from './harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const ROOT = 'page-compare-hash-vs-range';
const ROUTE = '/compare/hash-vs-range';

async function badge(lab, name) {
  const b = lab.loc(name).first();
  await b.waitFor({ state: 'attached' });
  return b.getAttribute('data-state');
}

test('the same queries: each side prunes by its own key, the answers agree and match the oracle', async () => {
  await env.withPage(async (lab) => {
    await lab.open(`${ROUTE}?v=1&seed=3&step=2000`, ROOT);
    await lab.waitStep(2000);
    const diff = await lab.text('diff');
    // A user's orders: one hash partition vs both quarters; a date range: the reverse.
    assert.match(diff, /orders of user 37\s*[\d,]+ \(1\)\s*[\d,]+ \(2\)/);
    assert.match(diff, /2024-01-15 to 2024-01-31\s*[\d,]+ \(4\)\s*[\d,]+ \(1\)/);
    assert.equal(await lab.text('diff-answers'), '0');
    for (const side of ['a', 'b']) {
      await lab.until(() => badge(lab, `${side}-truth-answers`), (s) => s === 'correct', `${side} answers`);
    }
    assert.match(await lab.text('trade-off'), /never the answer/);
  });
});

test('the note’s bounds: only the range side refuses rows, and the answers differ', async () => {
  await env.withPage(async (lab) => {
    await lab.open(`${ROUTE}?v=1&seed=3&step=2000`, ROOT);
    await lab.waitStep(2000);
    await lab.loc('pitfall-closed-quarter-bounds').first().check();
    await lab.until(async () => parseNumber(await lab.text('b-refused')), (n) => n > 0, 'B refuses');
    assert.equal(parseNumber(await lab.text('a-refused')), 0);
    await lab.until(async () => Number(await lab.text('diff-answers')), (n) => n > 0, 'answers differ');
    assert.match(await lab.text('trade-off'), /answers differ/);
    for (const side of ['a', 'b']) {
      await lab.until(() => badge(lab, `${side}-truth-answers`), (s) => s === 'correct', `${side} answers`);
    }
  });
});

test('one added partition: the hash side moves rows, the range side none', async () => {
  await env.withPage(async (lab) => {
    await lab.open(`${ROUTE}?v=1&seed=3&step=1000`, ROOT);
    await lab.waitStep(1000);
    await lab.click('fault-add-partition');
    await lab.until(() => lab.text('a-moved'), (t) => t !== '—', 'a-moved');
    const a = parseNumber(await lab.text('a-moved'));
    assert.ok(a > 50, `hash moved ${a}`);
    assert.match(await lab.text('b-moved'), /^0 of/);
    assert.match(await lab.text('narration'), /Split orders_p\d.*Created orders_2024_q3/);
  });
});
