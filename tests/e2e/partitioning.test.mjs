// Partitioning-specific checks (issue 7): the note's quarter bounds refuse the last day of
// the quarter and the fixes (a DEFAULT partition, half-open bounds) keep it; a new quarter
// with no partition refuses inserts until one is added; splitting a hash partition from the
// inspect panel moves only its rows (the oracle agrees); a query prunes by the scheme's key
// and bad query input is answered next to its field. All through the page's own controls.

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

const ROOT = 'page-partitioning';

async function badge(lab, metric) {
  const b = lab.loc(`truth-${metric}`).first();
  await b.waitFor({ state: 'attached' });
  return { state: await b.getAttribute('data-state'), delta: Number(await b.getAttribute('data-delta')) };
}

const settled = (lab, metric, state = 'correct') =>
  lab.until(() => badge(lab, metric), (b) => b.state === state, `truth-${metric} ${state}`);

describe('/partitioning', () => {
  test('the note’s bounds refuse 2024-03-31; a DEFAULT partition or half-open bounds keep it', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/partitioning?v=1&seed=42&step=1400', ROOT);
      await lab.waitStep(1400);
      assert.equal(parseNumber(await lab.text('refused')), 0);
      await lab.loc('pitfall-closed-quarter-bounds').first().check();
      await lab.waitStep(1400);
      await lab.until(() => lab.text('code-panel'), (t) => /TO \('2024-03-31'\)/.test(t), 'the note’s DDL');
      await lab.click('next-notable');
      const said = await lab.waitText('narration', /failed: no partition of relation "orders" found for row/);
      assert.match(said, /2024-03-31/);
      assert.match(said, /excludes that very day/);
      const step = await lab.int('step');
      assert.ok(step > 1400, `a later step (${step})`);
      assert.match(await lab.text('code-panel'), /ERROR: {2}no partition of relation "orders"/);
      await lab.seek(3000);
      await lab.waitStep(3000);
      const refused = parseNumber(await lab.text('refused'));
      assert.ok(refused > 20, `03-31 and 06-30 refused (${refused})`);
      await settled(lab, 'rows');
      // The first fix: a DEFAULT partition catches them.
      await lab.set('param-default', 'on', ['change']);
      await lab.waitStep(3000);
      await lab.until(async () => parseNumber(await lab.text('refused')), (n) => n === 0, 'nothing refused');
      await lab.loc('diagram').first().locator('[data-inspect="part-2"]').click();
      await lab.waitText('inspect', /orders_default DEFAULT: [\d,]+ rows/);
      assert.match(await lab.text('table-inspected'), /2024-03-31/);
      await settled(lab, 'rows');
      // The real fix: half-open bounds; every row lands in its quarter.
      await lab.loc('pitfall-closed-quarter-bounds').first().uncheck();
      await lab.waitStep(3000);
      await lab.set('param-default', 'off', ['change']);
      await lab.waitStep(3000);
      await lab.until(() => lab.text('code-panel'), (t) => /TO \('2024-04-01'\)/.test(t), 'half-open DDL');
      assert.equal(parseNumber(await lab.text('refused')), 0);
      assert.equal(parseNumber(await lab.text('stored')), 3000);
    });
  });

  test('a new quarter is refused until its partition is added; nothing moves', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/partitioning?v=1&seed=42&step=2000', ROOT);
      await lab.waitStep(2000);
      await lab.click('fault-new-quarter');
      await lab.waitText('narration', /calendar reached 2024-07-01.*no partition covers this quarter/);
      await lab.seek(2100);
      await lab.waitStep(2100);
      assert.equal(parseNumber(await lab.text('refused')), 100);
      assert.match(await lab.text('narration'), /2024-07-\d\d, .*failed: no partition/);
      await lab.click('fault-add-partition');
      await lab.waitText('narration', /Created orders_2024_q3 FOR VALUES FROM \('2024-07-01'\) TO \('2024-10-01'\)/);
      assert.match(await lab.text('moved-summary'), /0 moved/);
      await settled(lab, 'moved');
      await lab.click('step-forward');
      await lab.waitText('narration', /into orders_2024_q3/);
      assert.equal(parseNumber(await lab.text('refused')), 100, 'the refused rows stay refused');
      await settled(lab, 'rows');
    });
  });

  test('splitting a hash partition from the inspect panel moves only its rows', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/partitioning?v=1&seed=42&scheme=hash&step=2000', ROOT);
      await lab.waitStep(2000);
      await lab.loc('diagram').first().locator('[data-inspect="part-1"]').click();
      const detail = await lab.waitText('inspect', /orders_p1 FOR VALUES WITH \(MODULUS 4, REMAINDER 1\)/);
      const rows = Number(detail.match(/: ([\d,]+) rows/)[1].replace(/,/g, ''));
      await lab.click('inspect-split');
      const said = await lab.waitText('narration', /^Split orders_p1 into orders_p1 and orders_p4/);
      assert.match(said, new RegExp(`read its ${rows.toLocaleString('en-US')} rows`));
      const moved = parseNumber(said.match(/rows; ([\d,]+) moved to orders_p4/)[1]);
      assert.ok(moved > rows / 4 && moved < (3 * rows) / 4, `about half of ${rows} moved (${moved})`);
      assert.match(await lab.text('moved-summary'), /orders_p1 → orders_p4/);
      await settled(lab, 'moved');
      const table = await lab.text('table-moved');
      assert.match(table, /orders_p1\s*orders_p4/);
      assert.doesNotMatch(table, /orders_p[023]\s/);
      await settled(lab, 'rows');
      assert.match(await lab.text('code-panel'), /MODULUS 8, REMAINDER 5/);
    });
  });

  test('queries prune by the scheme’s key; bad input is answered next to its field', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/partitioning?v=1&seed=42&step=3000', ROOT);
      await lab.waitStep(3000);
      await lab.set('q-preset', '2', ['change']);
      await lab.waitText('query-result', /^1 of 2 partitions read/);
      await settled(lab, 'query');
      const skipped = await lab.loc('diagram').first().locator('.part.skipped').count();
      assert.equal(skipped, 1, 'Q2 is faded');
      const rangeRows = parseNumber((await lab.text('query-result')).match(/→ ([\d,]+) orders/)[1]);
      await lab.set('param-scheme', 'hash', ['change']);
      await lab.waitStep(3000);
      const hashText = await lab.waitText('query-result', /^4 of 4 partitions read/);
      const hashRows = parseNumber(hashText.match(/→ ([\d,]+) orders/)[1]);
      assert.equal(hashRows, rangeRows, 'the same answer, more rows read');
      await lab.set('q-preset', '0', ['change']);
      await lab.waitText('query-result', /^1 of 4 partitions read/);
      await settled(lab, 'query');
      await lab.set('q-from', '2024-02-30', ['change']);
      await lab.waitText('q-from-error', /is not a date/);
      assert.match(await lab.text('query-result'), /Fix the query/);
      await lab.set('q-user', 'abc', ['change']);
      await lab.waitText('q-user-error', /not a user id/);
      await lab.set('q-from', '', ['change']);
      await lab.set('q-user', '1', ['change']);
      await lab.waitText('query-result', /^1 of 4 partitions read/);
      assert.equal(await lab.count('q-user-error'), 0);
    });
  });
});
