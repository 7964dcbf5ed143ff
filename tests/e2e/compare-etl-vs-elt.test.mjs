// /compare/etl-vs-elt (issue 6): ETL and ELT on the same extracts with one transport; at the
// end of a night both publish the oracle's aggregate and the diff finds no key that differs;
// a rule change (a fault both sides receive) leaves ETL on v1 numbers while ELT re-derives,
// and the diff lists the keys that now differ. The contract walk covers the shared hooks.

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

const ROOT = 'page-compare-etl-vs-elt';
const ROUTE = '/compare/etl-vs-elt';

async function state(lab, hook) {
  const b = lab.loc(hook).first();
  await b.waitFor({ state: 'attached' });
  return b.getAttribute('data-state');
}

test('both publish the same answer; a rule change splits them until ETL extracts again', async () => {
  await env.withPage(async (lab) => {
    await lab.open(`${ROUTE}?v=1&seed=1&step=0`, ROOT);
    await lab.waitStep(0);
    await lab.click('next-notable');
    await lab.until(() => lab.int('step'), (s) => s > 0, 'the end of night 1');
    assert.match(await lab.text('narration'), /Night 1 is extracted: ETL publishes its \d+-row aggregate/);
    assert.equal(parseNumber(await lab.text('diff-keys')), 0, 'no key differs');
    assert.equal(await state(lab, 'a-truth-answer'), 'correct');
    assert.equal(await state(lab, 'b-truth-answer'), 'correct');
    const [etlKept, eltKept] = (await lab.text('diff-rows-kept')).split('/').map(parseNumber);
    assert.ok(eltKept > 100 * etlKept, `ELT keeps the raw rows: ${etlKept} vs ${eltKept}`);

    await lab.click('fault-rule-change');
    await lab.until(() => lab.text('narration'), (t) => /B \(ELT\) re-derives night 1's answer/.test(t), 'the change');
    const differ = await lab.until(() => lab.text('diff-keys'), (t) => parseNumber(t) > 0, 'keys differ');
    assert.equal(await state(lab, 'a-truth-answer'), 'wrong', 'ETL still on v1');
    assert.equal(await state(lab, 'b-truth-answer'), 'correct', 'ELT re-derived');
    const marked = await lab.page.locator('[data-testid="table-diff-rows"] tbody tr td:last-child').allTextContents();
    assert.equal(marked.filter((t) => t === 'differ').length, Math.min(parseNumber(differ), 12));

    await lab.click('next-notable'); // the end of night 2: ETL extracted with v2
    await lab.until(() => lab.text('narration'), (t) => /Night 2 is extracted/.test(t), 'night 2');
    assert.equal(parseNumber(await lab.text('diff-keys')), 0, 'they agree again');
    assert.equal(await state(lab, 'a-truth-answer'), 'correct');
  });
});
