// Batch-writes-specific checks (issue 6): batches beat row-at-a-time on throughput; a bad row
// fails its batch and bisection stores the rest (retrying gives the batch up); a dropped
// connection after a commit duplicates the batch without an idempotency key and not with
// one; the note's executemany (pitfall) costs a round trip per row. All through the page's
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

const ROOT = 'page-batch-writes';

async function badge(lab) {
  const b = lab.loc('truth-table').first();
  await b.waitFor({ state: 'attached' });
  return { state: await b.getAttribute('data-state'), delta: Number(await b.getAttribute('data-delta')) };
}

describe('/batch-writes', () => {
  test('batches beat row at a time; the note’s executemany pays a round trip per row', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/batch-writes?v=1&seed=1&bad=0&step=1000', ROOT);
      await lab.waitStep(1000);
      const batched = parseNumber(await lab.text('throughput'));
      assert.equal(parseNumber(await lab.text('round-trips')), 20, '1,000 rows in batches of 50');
      await lab.set('param-mode', 'row', ['change']);
      // The rebuilt run shows step 0 (no throughput yet) until its seek back lands.
      await lab.waitStep(1000);
      const row = await lab.until(async () => parseNumber(await lab.text('throughput')), (t) => t > 0 && t < batched / 5, 'row at a time is much slower');
      assert.equal(parseNumber(await lab.text('round-trips')), 1000);
      await lab.set('param-mode', 'batch', ['change']);
      await lab.loc('pitfall-executemany-one-trip').first().check();
      await lab.until(async () => parseNumber(await lab.text('round-trips')), (n) => n === 1000, 'a round trip per row');
      const looped = parseNumber(await lab.text('throughput'));
      assert.ok(looped < batched / 5 && looped > row, `looping executemany: ${looped} (batched ${batched}, row ${row})`);
      assert.match(await lab.text('code-panel'), /executemany/);
      assert.equal((await badge(lab)).state, 'correct', 'the table is right, only slow');
    });
  });

  test('a bad row: bisection stores the rest; retrying gives the batch up', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/batch-writes?v=1&seed=2&bad=0&step=120', ROOT);
      await lab.waitStep(120);
      await lab.click('fault-bad-row');
      await lab.until(() => lab.text('narration'), (t) => /next row will break a constraint/.test(t), 'armed');
      await lab.click('next-notable');
      await lab.until(() => lab.int('step'), (s) => s === 150, 'the batch holding the bad row');
      assert.match(await lab.text('narration'), /bisects: \d+ statements, \d+ failed, 49 stored, 1 bad row/);
      assert.equal(parseNumber(await lab.text('dead')), 1);
      assert.equal((await badge(lab)).state, 'correct');
      await lab.set('param-onerror', 'retry', ['change']);
      await lab.until(async () => parseNumber(await lab.text('dead')), (d) => d === 50, 'the whole batch given up');
      const b = await badge(lab);
      assert.equal(b.state, 'wrong', '49 good rows are missing');
      assert.equal(b.delta, 49);
    });
  });

  test('a dropped connection after a commit: duplicates without a key, none with one', async () => {
    await env.withPage(async (lab) => {
      await lab.open('/batch-writes?v=1&seed=3&bad=0&step=120', ROOT);
      await lab.waitStep(120);
      await lab.click('fault-drop-connection');
      await lab.click('next-notable');
      await lab.until(() => lab.text('narration'), (t) => /idempotency key skipped all 50 rows/.test(t), 'the resend skipped');
      assert.equal(parseNumber(await lab.text('duplicates')), 0);
      await lab.set('param-idempotent', 'off', ['change']);
      await lab.until(async () => parseNumber(await lab.text('duplicates')), (d) => d === 50, 'stored twice');
      assert.equal((await badge(lab)).state, 'wrong');
    });
  });
});
